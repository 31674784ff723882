// A stack's compose text → a checked file: the YAML limits (size, aliases, depth, duplicate keys), interpolation
// from the caller's env only, the Compose Specification schema, and the env input itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../../../src/errors.ts';
import {
  MAX_COMPOSE_BYTES,
  envMapOf,
  interpolate,
  interpolateString,
  loadCompose,
  parseComposeYaml,
} from '../../../src/domain/stack-compose.ts';

/** Asserts `run` throws BAD_INPUT whose message matches `message`, and returns the error. */
function badInput(run: () => unknown, message: RegExp): GatewayError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GatewayError, String(error));
    assert.equal(error.code, 'BAD_INPUT', error.message);
    assert.match(error.message, message);
    return error;
  }
  assert.fail('expected BAD_INPUT');
}

const env = envMapOf(['IMAGE=swarmgate/probe:1', 'EMPTY=', 'PORT=8080']);

test('interpolation: ${VAR}, $VAR, defaults, alternatives, required variables and $$', () => {
  const at = (text: string) => interpolateString(text, env, 'services.web.image');
  assert.equal(at('${IMAGE}'), 'swarmgate/probe:1');
  assert.equal(at('$IMAGE'), 'swarmgate/probe:1');
  assert.equal(at('port=$PORT/tcp'), 'port=8080/tcp');
  assert.equal(at('${MISSING}'), '', 'unset without default: empty, as Compose does');
  assert.equal(at('${MISSING:-d}'), 'd');
  assert.equal(at('${EMPTY:-d}'), 'd', ':- takes the default for an empty value too');
  assert.equal(at('${EMPTY-d}'), '', '- takes the default only when unset');
  assert.equal(at('${MISSING-d}'), 'd');
  assert.equal(at('${MISSING:-${PORT}}'), '8080', 'defaults are interpolated too');
  assert.equal(at('${PORT:+set}'), 'set');
  assert.equal(at('${MISSING:+set}'), '');
  assert.equal(at('$$HOME and $${IMAGE}'), '$HOME and ${IMAGE}', '$$ is a literal $');
  assert.equal(at('${PORT:?needed}'), '8080');
  badInput(
    () => at('${MISSING:?set MISSING to the port}'),
    /^services\.web\.image: variable MISSING is required: set MISSING to the port$/,
  );
  badInput(() => at('${EMPTY:?}'), /variable EMPTY is required/);
  assert.equal(at('${EMPTY?}'), '', '? refuses only an unset variable');
  badInput(() => at('${IMAGE'), /not closed/);
  badInput(() => at('${1X}'), /must name a variable/);
  badInput(() => at('cost: $5'), /write \$\$ for a literal/);
});

test('interpolation reaches every value, never keys, and never the gateway’s own environment', () => {
  process.env.SG_TEST_GATEWAY_ONLY = 'from-the-gateway';
  try {
    const out = interpolate(
      {
        services: {
          web: { image: '${IMAGE}', environment: { $PORT: '${PORT}', HOME: '${SG_TEST_GATEWAY_ONLY}' } },
        },
      },
      env,
    );
    assert.deepEqual(out, {
      services: { web: { image: 'swarmgate/probe:1', environment: { $PORT: '8080', HOME: '' } } },
    });
  } finally {
    delete process.env.SG_TEST_GATEWAY_ONLY;
  }
});

test('YAML: parse errors name the line and column, not the text; duplicate keys are refused', () => {
  const error = badInput(
    () => parseComposeYaml('services:\n  web:\n    image: "sg-test-secret-in-yaml\n'),
    /^compose is not valid YAML \([A-Z_]+ at line \d+, column \d+\)$/,
  );
  assert.ok(!error.message.includes('sg-test-secret'), 'the text is not quoted');
  assert.ok(typeof error.details?.line === 'number');
  badInput(() => parseComposeYaml('services:\n  web: {}\n  web: {}\n'), /DUPLICATE_KEY at line 3/);
  badInput(() => parseComposeYaml('a: 1\n---\nb: 2\n'), /not valid YAML/);
  badInput(() => parseComposeYaml(''), /compose must be the text of a compose file/);
  badInput(() => parseComposeYaml(42), /compose must be the text/);
});

test('YAML limits: size, alias bombs and nesting depth', () => {
  badInput(() => parseComposeYaml(`x: "${'a'.repeat(MAX_COMPOSE_BYTES)}"`), /at most 524288 are taken/);
  // The billion laughs: each level repeats the one before ten times.
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let level = 1; level < 9; level += 1) {
    const previous = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    bomb.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(',')}]`);
  }
  badInput(() => parseComposeYaml(bomb.join('\n')), /aliases too often/);
  // A few anchors are fine (shared settings).
  assert.deepEqual(parseComposeYaml('x: &d { replicas: 2 }\ny: *d\n'), {
    x: { replicas: 2 },
    y: { replicas: 2 },
  });
  const deep = `${'['.repeat(40)}1${']'.repeat(40)}`;
  badInput(() => parseComposeYaml(`a: ${deep}\n`), /nests deeper than 32 levels/);
});

test('the Compose Specification: unknown keys and wrong types are refused by their path', () => {
  badInput(
    () => loadCompose('services:\n  web:\n    image: x\n    replicas: 2\n', env),
    /^compose does not follow the Compose Specification: services\.web\.replicas is not a Compose key$/,
  );
  const error = badInput(
    () => loadCompose('services:\n  web:\n    image: x\n    deploy: { replicas: [2] }\n', env),
    /services\.web\.deploy\.replicas/,
  );
  assert.deepEqual(error.details?.paths, ['services.web.deploy.replicas']);
  badInput(() => loadCompose('services: {}\n', env), /at least one service/);
  badInput(() => loadCompose('- a\n- b\n', env), /must be a YAML mapping/);
  // Interpolated before validation, as Compose does: a number from env is a valid port.
  const file = loadCompose('services:\n  web:\n    image: ${IMAGE}\n    ports: ["${PORT}:80"]\n', env);
  assert.deepEqual(file.services.web, { image: 'swarmgate/probe:1', ports: ['8080:80'] });
  // x- extensions are allowed (anchors for shared settings).
  loadCompose('x-common: &c { image: x }\nservices:\n  web: *c\n', env);
});

test('env: KEY=VALUE entries, keys only in errors', () => {
  assert.deepEqual(
    [...envMapOf(['A=1', 'B=x=y', 'C='])],
    [
      ['A', '1'],
      ['B', 'x=y'],
      ['C', ''],
    ],
  );
  assert.equal(envMapOf(undefined).size, 0);
  const error = badInput(() => envMapOf(['sg-test-secret-no-equals']), /^env\[0\] must be KEY=VALUE/);
  assert.ok(!error.message.includes('sg-test-secret'));
  badInput(() => envMapOf(['1A=x']), /env\[0\]/);
  badInput(() => envMapOf(['A=1', 'A=2']), /env gives A twice/);
  badInput(() => envMapOf('A=1'), /env must be a list/);
  badInput(() => envMapOf([3]), /env\[0\] must be a KEY=VALUE string/);
});
