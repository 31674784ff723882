// The pages a person opens, in a real browser with no internet (issue 11): GraphiQL (/graphiql) and Swagger UI (/docs)
// render under the gateway's strict CSP, every request stays on the gateway's origin, the console shows no error
// (CSP violations included), and a query runs from GraphiQL with a bearer token typed into its headers editor.
// Debian's chromium driven by playwright-core; scripts/ensure-services.sh installs it.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildTestApp, type TestApp } from '../helper.ts';
import { claimsFor, signToken } from '../helpers/tokens.ts';

const CHROMIUM = process.env.SWARMGATE_CHROMIUM ?? '/usr/bin/chromium';

let subject: TestApp;
let origin: string;
let context: BrowserContext;
let profile: string;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    assert.fail(
      `the browser test needs Chromium at ${CHROMIUM}: install it with ` +
        '`apt-get update && apt-get install -y chromium` (scripts/ensure-services.sh does), ' +
        'or point SWARMGATE_CHROMIUM at a Chromium binary',
    );
  }
  subject = await buildTestApp();
  await subject.app.listen({ host: '127.0.0.1', port: 0 });
  origin = `http://127.0.0.1:${(subject.app.server.address() as AddressInfo).port}`;
  profile = mkdtempSync(path.join(tmpdir(), 'swarmgate-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

after(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  await subject?.close();
});

interface Watch {
  page: Page;
  /** Console errors, page errors and CSP violations. */
  problems: string[];
  /** Requests to anything but the gateway's origin (data: URLs aside). */
  foreign: string[];
  requests: string[];
}

async function open(pathname: string): Promise<Watch> {
  const page = await context.newPage();
  const watch: Watch = { page, problems: [], foreign: [], requests: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') watch.problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => watch.problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    const url = request.url();
    watch.requests.push(url);
    if (url.startsWith('data:') || url.startsWith('blob:')) return;
    if (new URL(url).origin !== origin) watch.foreign.push(url);
  });
  // Injected by the driver (not subject to the page's CSP): records what the policy refused.
  await page.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (event) => " +
      'console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));',
  });
  const response = await page.goto(`${origin}${pathname}`, { waitUntil: 'load' });
  assert.equal(response?.status(), 200, `${pathname} answered ${response?.status()}`);
  const csp = response?.headers()['content-security-policy'] ?? '';
  assert.match(csp, /default-src 'self'/, 'the page is served under the strict CSP');
  assert.doesNotMatch(csp, /https?:|unsafe-inline|unsafe-eval/, csp);
  return watch;
}

function assertClean(watch: Watch): void {
  assert.deepEqual(watch.foreign, [], 'requests to another origin');
  assert.deepEqual(watch.problems, [], 'errors in the console');
}

/** Replaces the text of the CodeMirror editor inside `selector` as a person would: select all, then type. */
async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.click(`${selector} .CodeMirror-lines`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  // insertText: one input of the whole text (typing key by key would let the editor close brackets twice).
  await page.keyboard.insertText(text);
}

test('GraphiQL renders offline and runs a query with a bearer token from its headers editor', async () => {
  const watch = await open('/graphiql');
  const { page } = watch;
  await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
  await page.waitForSelector('.graphiql-execute-button');
  // The headers editor is open (defaultEditorToolsVisibility) and asks for a token.
  const headersTab = page.getByRole('button', { name: 'Headers' });
  await headersTab.waitFor();
  assert.match(await page.locator('.graphiql-editor-tool').innerText(), /Authorization/);
  const token = signToken(claimsFor({ sub: 'browser-person', tenant: 'red', roles: ['viewer'] }));
  await typeInto(
    page,
    '.graphiql-editor-tool .graphiql-editor:visible',
    `{"Authorization": "Bearer ${token}"}`,
  );
  await typeInto(page, '.graphiql-query-editor', '{ me { sub tenant roles } }');
  await page.click('.graphiql-execute-button');
  const result = page.locator('.result-window');
  await result.getByText('browser-person').waitFor({ timeout: 20_000 });
  const shown = await result.innerText();
  assert.match(shown, /"tenant": "red"/, shown);
  assert.match(shown, /VIEWER/, shown);
  // The query went to the gateway itself, with the token of the headers editor.
  assert.ok(watch.requests.includes(`${origin}/graphql`), JSON.stringify(watch.requests));
  // Every asset came from the gateway (npm packages), none from a CDN.
  for (const asset of [
    'react.production.min.js',
    'react-dom.production.min.js',
    'graphiql.min.js',
    'graphiql.min.css',
  ]) {
    assert.ok(watch.requests.includes(`${origin}/graphiql/assets/${asset}`), `${asset} requested`);
  }
  assertClean(watch);
  await page.close();
});

test('Swagger UI renders offline under the same policy', async () => {
  const watch = await open('/docs');
  const { page } = watch;
  await page.locator('.swagger-ui .info .title').getByText('swarmgate').waitFor({ timeout: 20_000 });
  await page.locator('.opblock').first().waitFor();
  assert.ok((await page.locator('.opblock').count()) > 5, 'the REST operations are listed');
  assert.ok(
    watch.requests.some((url) => url.startsWith(`${origin}/docs/json`) || url === `${origin}/openapi.json`),
  );
  assertClean(watch);
  await page.close();
});
