// The runner's last step (test/run.sh, after the tiers): every log line the tests' gateways wrote to var/test-logs is
// scanned for a join token, a private key, a JWT or a test secret value (the marker sg-test-secret- that begins every
// secret value a test sends). Exits 1 when a line holds one, and when there was nothing to scan
// although tiers that build gateways ran (a scan of nothing proves nothing).
//   node --import tsx test/secret-scan.ts [--allow-empty]
// --allow-empty: a run of chosen files may build no gateway at all; what was written is still scanned.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { containsSecret } from '../src/audit/redact.ts';
import { TEST_LOG_DIR } from './helper.ts';

/**
 * Every secret value the tests give a gateway (createSecret, rotateSecret, stack secrets) starts with this marker:
 * a log line holding it shows a value that reached a log.
 */
const TEST_SECRET_MARKER = 'sg-test-secret-';

/** Fewer lines than this after whole tiers ran means the tests' gateways are not logging (at debug) any more. */
const MIN_LINES = 100;

function fail(message: string): never {
  console.error(`secret scan: FAILED: ${message}`);
  process.exit(1);
}

const allowEmpty = process.argv.includes('--allow-empty');
const files = existsSync(TEST_LOG_DIR)
  ? readdirSync(TEST_LOG_DIR)
      .filter((file) => file.endsWith('.log'))
      .sort()
  : [];
if (files.length === 0 && !allowEmpty) {
  fail(
    `no gateway logs in ${TEST_LOG_DIR}: the integration and lab tiers write them (test/helper.ts testLogger)`,
  );
}

let lines = 0;
const leaks: string[] = [];
for (const file of files) {
  for (const line of readFileSync(path.join(TEST_LOG_DIR, file), 'utf8').split('\n')) {
    if (!line) continue;
    lines += 1;
    if (containsSecret(line) || /PRIVATE KEY/.test(line) || line.includes(TEST_SECRET_MARKER)) {
      leaks.push(`${file}: ${line.slice(0, 160)}`);
    }
  }
}
console.log(`secret scan: ${lines} log lines in ${files.length} files under ${TEST_LOG_DIR}`);
if (!allowEmpty && lines <= MIN_LINES) {
  fail(`only ${lines} log lines were written; is test logging on?`);
}
if (leaks.length > 0) {
  fail(
    `${leaks.length} log lines hold a join token, a private key, a JWT or a test secret value:\n${leaks.join('\n')}`,
  );
}
console.log('secret scan: no log line holds a join token, a private key, a JWT or a test secret value');
