// Runs last (test/run.sh sorts files): every log line the suite's gateways wrote is scanned for secrets.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { containsSecret } from '../../src/audit/redact.ts';
import { TEST_LOG_DIR } from '../helper.ts';

test('no log line written by the suite holds a join token, a private key or a JWT', () => {
  assert.ok(existsSync(TEST_LOG_DIR), `no test logs in ${TEST_LOG_DIR}: run the whole suite (npm test)`);
  const files = readdirSync(TEST_LOG_DIR).filter((file) => file.endsWith('.log'));
  assert.ok(files.length > 0, 'the suite wrote no gateway logs to scan');
  let lines = 0;
  const leaks: string[] = [];
  for (const file of files) {
    for (const line of readFileSync(path.join(TEST_LOG_DIR, file), 'utf8').split('\n')) {
      if (!line) continue;
      lines += 1;
      if (containsSecret(line) || /PRIVATE KEY/.test(line)) leaks.push(`${file}: ${line.slice(0, 160)}`);
    }
  }
  console.log(`scanned ${lines} log lines in ${files.length} files`);
  assert.ok(lines > 100, `only ${lines} log lines were written; is test logging on?`);
  assert.deepEqual(leaks, []);
});
