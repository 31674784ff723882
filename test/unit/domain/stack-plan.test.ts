// The plan of a stack deploy against the swarm as Docker reads it back: specs the docker CLI made (read from a lab
// engine, Docker's defaults filled in) compare equal to the same file converted here, so a redeploy touches nothing;
// one changed image is one update with its diff; Env changes name variables, never values; changed secret or config
// content is refused; prune lists what the file no longer has.
import { randomBytes } from 'node:crypto';
import { createSealer } from '../../../src/util/seal.ts';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  DockerConfig,
  DockerNetwork,
  DockerSecret,
  DockerService,
  DockerServiceSpec,
} from '../../../src/docker/types.ts';
import { GatewayError } from '../../../src/errors.ts';
import { envMapOf, loadCompose } from '../../../src/domain/stack-compose.ts';
import { convertStack, DIGEST_LABEL } from '../../../src/domain/stack-convert.ts';
import { withoutSecretValues } from '../../../src/domain/stack-deployment.ts';
import {
  checkApplicable,
  planStack,
  serviceSpecDiff,
  type SwarmObjects,
} from '../../../src/domain/stack-plan.ts';

const SECRET = 'sg-test-secret-plan-value';
const NAMESPACE = 'com.docker.stack.namespace';

/** The file `docker stack deploy -c ... sgC-cli` deployed on the lab (configs and secrets from files there). */
function compose(webImage = 'swarmgate/probe:1', mode = 'web'): string {
  return `
version: "3.8"
services:
  web:
    image: ${webImage}
    command: ["httpd", "-f", "-p", "8080"]
    environment:
      - MODE=${mode}
    networks: [front]
    ports: ["18080:8080"]
    configs:
      - source: page
        target: /www/index.html
    secrets: [token]
    deploy:
      replicas: 2
      labels: { tier: web }
  worker:
    image: swarmgate/probe:1
    command: sleep 3600
    deploy:
      replicas: 1
      restart_policy: { condition: on-failure, delay: 5s }
      update_config: { parallelism: 2, order: start-first }
  agent:
    image: swarmgate/probe:1
    command: ["sleep", "3600"]
    deploy: { mode: global }
networks:
  front: { driver: overlay }
configs:
  page: { content: "hello from config\\n" }
secrets:
  token: { environment: TOKEN }
`;
}

const env = envMapOf([`TOKEN=${SECRET}`]);
const digest = createSealer(randomBytes(32)).digest;
const definition = (text = compose()) => convertStack('sgC-cli', loadCompose(text, env), env, digest);

/**
 * The services' specs as `docker service inspect` read them after the CLI's deploy (with the nulls Docker sends,
 * which docker/types.ts leaves out).
 */
const READ_BACK = {
  web: {
    Name: 'sgC-cli_web',
    Labels: {
      'com.docker.stack.image': 'swarmgate/probe:1',
      'com.docker.stack.namespace': 'sgC-cli',
      tier: 'web',
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: 'swarmgate/probe:1',
        Labels: {
          'com.docker.stack.namespace': 'sgC-cli',
        },
        Args: ['httpd', '-f', '-p', '8080'],
        Env: ['MODE=web'],
        Privileges: {
          CredentialSpec: null,
          SELinuxContext: null,
          NoNewPrivileges: false,
        },
        StopGracePeriod: 10000000000,
        DNSConfig: {},
        Secrets: [
          {
            File: {
              Name: 'token',
              UID: '0',
              GID: '0',
              Mode: 292,
            },
            SecretID: '4r90u1goqankgjotlzeb137hl',
            SecretName: 'sgC-cli_token',
          },
        ],
        Configs: [
          {
            File: {
              Name: '/www/index.html',
              UID: '0',
              GID: '0',
              Mode: 292,
            },
            ConfigID: 'n2z495xvlsqckcy1k4qffyyj5',
            ConfigName: 'sgC-cli_page',
          },
        ],
        Isolation: 'default',
      },
      Resources: {},
      RestartPolicy: {
        Condition: 'any',
        Delay: 5000000000,
        MaxAttempts: 0,
      },
      Placement: {},
      Networks: [
        {
          Target: '3ewb137jbn5lq2lj7rkzjg4ta',
          Aliases: ['web'],
        },
      ],
      ForceUpdate: 0,
      Runtime: 'container',
    },
    Mode: {
      Replicated: {
        Replicas: 2,
      },
    },
    UpdateConfig: {
      Parallelism: 1,
      FailureAction: 'pause',
      Monitor: 5000000000,
      MaxFailureRatio: 0,
      Order: 'stop-first',
    },
    RollbackConfig: {
      Parallelism: 1,
      FailureAction: 'pause',
      Monitor: 5000000000,
      MaxFailureRatio: 0,
      Order: 'stop-first',
    },
    EndpointSpec: {
      Mode: 'vip',
      Ports: [
        {
          Protocol: 'tcp',
          TargetPort: 8080,
          PublishedPort: 18080,
          PublishMode: 'ingress',
        },
      ],
    },
  },
  worker: {
    Name: 'sgC-cli_worker',
    Labels: {
      'com.docker.stack.image': 'swarmgate/probe:1',
      'com.docker.stack.namespace': 'sgC-cli',
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: 'swarmgate/probe:1',
        Labels: {
          'com.docker.stack.namespace': 'sgC-cli',
        },
        Args: ['sleep', '3600'],
        Privileges: {
          CredentialSpec: null,
          SELinuxContext: null,
          NoNewPrivileges: false,
        },
        StopGracePeriod: 10000000000,
        DNSConfig: {},
        Isolation: 'default',
      },
      Resources: {},
      RestartPolicy: {
        Condition: 'on-failure',
        Delay: 5000000000,
        MaxAttempts: 0,
      },
      Placement: {},
      Networks: [
        {
          Target: 'ij12q8v2s9338tu9kyssx533w',
          Aliases: ['worker'],
        },
      ],
      ForceUpdate: 0,
      Runtime: 'container',
    },
    Mode: {
      Replicated: {
        Replicas: 1,
      },
    },
    UpdateConfig: {
      Parallelism: 2,
      FailureAction: 'pause',
      Monitor: 5000000000,
      MaxFailureRatio: 0,
      Order: 'start-first',
    },
    RollbackConfig: {
      Parallelism: 1,
      FailureAction: 'pause',
      Monitor: 5000000000,
      MaxFailureRatio: 0,
      Order: 'stop-first',
    },
    EndpointSpec: {
      Mode: 'vip',
    },
  },
  agent: {
    Name: 'sgC-cli_agent',
    Labels: {
      'com.docker.stack.image': 'swarmgate/probe:1',
      'com.docker.stack.namespace': 'sgC-cli',
    },
    TaskTemplate: {
      ContainerSpec: {
        Image: 'swarmgate/probe:1',
        Labels: {
          'com.docker.stack.namespace': 'sgC-cli',
        },
        Args: ['sleep', '3600'],
        Privileges: {
          CredentialSpec: null,
          SELinuxContext: null,
          NoNewPrivileges: false,
        },
        StopGracePeriod: 10000000000,
        DNSConfig: {},
        Isolation: 'default',
      },
      Resources: {},
      RestartPolicy: {
        Condition: 'any',
        Delay: 5000000000,
        MaxAttempts: 0,
      },
      Placement: {},
      Networks: [
        {
          Target: 'ij12q8v2s9338tu9kyssx533w',
          Aliases: ['agent'],
        },
      ],
      ForceUpdate: 0,
      Runtime: 'container',
    },
    Mode: {
      Global: {},
    },
    UpdateConfig: {
      Parallelism: 1,
      FailureAction: 'pause',
      Monitor: 5000000000,
      MaxFailureRatio: 0,
      Order: 'stop-first',
    },
    RollbackConfig: {
      Parallelism: 1,
      FailureAction: 'pause',
      Monitor: 5000000000,
      MaxFailureRatio: 0,
      Order: 'stop-first',
    },
    EndpointSpec: {
      Mode: 'vip',
    },
  },
} as unknown as Record<string, DockerServiceSpec>;

const service = (key: string, id: string): DockerService => ({
  ID: id,
  Version: { Index: 100 },
  CreatedAt: '2026-12-08T00:19:50Z',
  UpdatedAt: '2026-12-08T00:19:50Z',
  Spec: READ_BACK[key]!,
});
const network = (id: string, name: string, stack: string | null): DockerNetwork => ({
  Id: id,
  Name: name,
  Created: '2026-12-08T00:19:50Z',
  Scope: 'swarm',
  Driver: 'overlay',
  Labels: stack ? { [NAMESPACE]: stack } : {},
});
const stamp = { Version: { Index: 1 }, CreatedAt: '2026-12-08T00:19:50Z', UpdatedAt: '2026-12-08T00:19:50Z' };

function swarm(overrides: { secretLabels?: Record<string, string>; configData?: string } = {}): SwarmObjects {
  const secret: DockerSecret = {
    ID: '4r90u1goqankgjotlzeb137hl',
    ...stamp,
    Spec: { Name: 'sgC-cli_token', Labels: { [NAMESPACE]: 'sgC-cli', ...overrides.secretLabels } },
  };
  const config: DockerConfig = {
    ID: 'n2z495xvlsqckcy1k4qffyyj5',
    ...stamp,
    Spec: {
      Name: 'sgC-cli_page',
      Labels: { [NAMESPACE]: 'sgC-cli' },
      Data: overrides.configData ?? Buffer.from('hello from config\n').toString('base64'),
    },
  };
  return {
    services: [service('web', 'svc-web'), service('worker', 'svc-worker'), service('agent', 'svc-agent')],
    networks: [
      network('3ewb137jbn5lq2lj7rkzjg4ta', 'sgC-cli_front', 'sgC-cli'),
      network('ij12q8v2s9338tu9kyssx533w', 'sgC-cli_default', 'sgC-cli'),
      network('ingress-id', 'ingress', null),
    ],
    secrets: [secret],
    configs: [config],
  };
}

test('the file the CLI deployed plans as unchanged against what Docker reads back', () => {
  const plan = planStack(definition(), swarm(), false);
  assert.deepEqual(plan.create, []);
  assert.deepEqual(plan.update, []);
  assert.deepEqual(plan.remove, []);
  assert.deepEqual(
    plan.unchanged.map((entry) => `${entry.kind} ${entry.name}`),
    [
      'network sgC-cli_default',
      'network sgC-cli_front',
      'secret sgC-cli_token',
      'config sgC-cli_page',
      'service sgC-cli_web',
      'service sgC-cli_worker',
      'service sgC-cli_agent',
    ],
  );
  assert.deepEqual(plan.ignored, [
    { service: null, key: 'version', why: 'obsolete: the Compose Specification ignores it' },
  ]);
});

test('only web’s image changed: one update, its diff the image and the image label', () => {
  const plan = planStack(definition(compose('swarmgate/probe:2')), swarm(), false);
  assert.deepEqual(plan.create, []);
  assert.deepEqual(plan.update, [
    {
      kind: 'service',
      name: 'sgC-cli_web',
      diff: [
        { path: 'Labels.com.docker.stack.image', from: 'swarmgate/probe:1', to: 'swarmgate/probe:2' },
        { path: 'TaskTemplate.ContainerSpec.Image', from: 'swarmgate/probe:1', to: 'swarmgate/probe:2' },
      ],
    },
  ]);
  assert.equal(plan.unchanged.filter((entry) => entry.kind === 'service').length, 2);
});

test('an Env change names the variables, never their values', () => {
  const diff = serviceSpecDiff(READ_BACK.web!, {
    ...READ_BACK.web!,
    TaskTemplate: {
      ...READ_BACK.web!.TaskTemplate,
      ContainerSpec: {
        ...READ_BACK.web!.TaskTemplate.ContainerSpec,
        Env: ['MODE=web', `PASSWORD=${SECRET}`],
      },
    },
  });
  assert.deepEqual(diff, [{ path: 'TaskTemplate.ContainerSpec.Env', variables: ['PASSWORD'] }]);
  const plan = planStack(definition(compose('swarmgate/probe:1', 'canary')), swarm(), false);
  assert.deepEqual(plan.update[0]?.diff, [{ path: 'TaskTemplate.ContainerSpec.Env', variables: ['MODE'] }]);
});

test('scaling to 0 replicas is a change (0 is not Docker’s default of 1)', () => {
  const text = compose().replace('replicas: 1\n', 'replicas: 0\n');
  const plan = planStack(definition(text), swarm(), false);
  assert.deepEqual(plan.update, [
    { kind: 'service', name: 'sgC-cli_worker', diff: [{ path: 'Mode.Replicated.Replicas', from: 1, to: 0 }] },
  ]);
});

test('nothing there yet: everything is created, references by name until the objects exist', () => {
  const empty: SwarmObjects = { services: [], networks: [], secrets: [], configs: [] };
  const plan = planStack(definition(), empty, true);
  assert.equal(plan.create.length, 7);
  assert.deepEqual(plan.remove, []);
});

test('a secret or config whose content changed is CONFLICT, naming it; a secret made elsewhere is unchanged', () => {
  const ours = definition();
  const digest = ours.secrets[0]!.digest!;
  checkApplicable(ours, swarm({ secretLabels: { [DIGEST_LABEL]: digest } }));
  checkApplicable(ours, swarm());
  const conflict = (objects: SwarmObjects, message: RegExp) =>
    assert.throws(
      () => checkApplicable(ours, objects),
      (error: unknown) =>
        error instanceof GatewayError && error.code === 'CONFLICT' && message.test(error.message),
    );
  conflict(
    swarm({ secretLabels: { [DIGEST_LABEL]: 'f'.repeat(64) } }),
    /secrets\.token: the secret sgC-cli_token exists with another content.*rotateSecret/,
  );
  conflict(
    swarm({ configData: Buffer.from('changed').toString('base64') }),
    /configs\.page: the config sgC-cli_page/,
  );
});

test('an external object that does not exist is BAD_INPUT', () => {
  const text =
    'services:\n  a:\n    image: x\n    networks: [shared]\nnetworks:\n  shared: { external: true }\n';
  assert.throws(
    () => checkApplicable(convertStack('s', loadCompose(text, env), env, digest), swarm()),
    (error: unknown) =>
      error instanceof GatewayError &&
      error.code === 'BAD_INPUT' &&
      /external network shared does not exist/.test(error.message),
  );
});

test('prune removes the stack’s objects the file no longer has, services first; never another stack’s', () => {
  const smaller = compose().replace(/ {2}agent:\n( {4}.*\n| {6}.*\n)*/, '');
  const objects = swarm();
  objects.services.push({
    ...service('agent', 'svc-other'),
    Spec: { ...READ_BACK.agent!, Name: 'other_agent', Labels: { [NAMESPACE]: 'other' } },
  });
  objects.networks.push(network('old-net', 'sgC-cli_old', 'sgC-cli'));
  const plan = planStack(definition(smaller), objects, true);
  assert.deepEqual(plan.remove, [
    { kind: 'service', name: 'sgC-cli_agent' },
    { kind: 'network', name: 'sgC-cli_old' },
  ]);
  assert.deepEqual(planStack(definition(smaller), objects, false).remove, []);
});

test('a secret’s value interpolated into the spec is scrubbed from the plan', () => {
  const plan = { update: [{ diff: [{ path: 'Labels.x', from: 'a', to: `key=${SECRET}` }] }] };
  assert.deepEqual(withoutSecretValues(plan, [SECRET]), {
    update: [{ diff: [{ path: 'Labels.x', from: 'a', to: 'key=[REDACTED]' }] }],
  });
});
