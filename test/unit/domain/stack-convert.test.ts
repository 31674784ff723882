// A compose file → what `docker stack deploy` makes of it: the exact specs of a representative file (each field
// the docker CLI's cli/compose/convert translates), the stack's default network, what is refused (files, relative
// binds, undefined references, bad values) and what is listed as ignored.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import { GatewayError } from '../../../src/errors.ts';
import { createSealer } from '../../../src/util/seal.ts';
import { envMapOf, loadCompose } from '../../../src/domain/stack-compose.ts';
import { convertStack, DIGEST_LABEL, shellWords } from '../../../src/domain/stack-convert.ts';

const SECRET = 'sg-test-secret-convert';
const env = envMapOf([`TOKEN=${SECRET}`]);
const digest = createSealer(randomBytes(32)).digest;
const convert = (text: string, stack = 'shop') => convertStack(stack, loadCompose(text, env), env, digest);

function refused(run: () => unknown, code: string, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof GatewayError, String(error));
    assert.equal(error.code, code, error.message);
    assert.match(error.message, message);
    return true;
  });
}

const REPRESENTATIVE = `services:
  web:
    image: swarmgate/probe:1
    entrypoint: /bin/sh -c
    command: ["httpd -f -p 8080"]
    hostname: "web-{{.Task.Slot}}"
    user: "1000:1000"
    working_dir: /www
    stop_signal: SIGINT
    stop_grace_period: 1m30s
    read_only: true
    cap_add: [NET_ADMIN]
    cap_drop: [ALL]
    environment:
      - MODE=web
      - TOKEN
      - EMPTY=
    labels:
      role: frontend
    networks:
      front:
        aliases: [www]
      back: {}
    ports:
      - "8080:80"
      - target: 443
        published: 8443
        protocol: tcp
        mode: host
      - "9000-9001:9000-9001/udp"
    volumes:
      - data:/var/data:ro
      - type: tmpfs
        target: /tmp
        tmpfs: { size: 64m, mode: 01777 }
      - type: bind
        source: /srv/www
        target: /www
    healthcheck:
      test: wget -q -O- http://localhost:8080/
      interval: 10s
      timeout: 2s
      retries: 3
      start_period: 500ms
    secrets:
      - token
      - source: token
        target: /etc/token
        uid: "33"
        gid: "33"
        mode: 0400
    configs: [page]
    build: .
    container_name: web
    depends_on: [db]
    deploy:
      mode: replicated
      replicas: 3
      labels: [tier=web]
      endpoint_mode: vip
      resources:
        limits: { cpus: "0.5", memory: 128M, pids: 100 }
        reservations: { cpus: "0.25", memory: 64M }
      restart_policy: { condition: on-failure, delay: 5s, max_attempts: 3, window: 2m }
      placement:
        constraints: [node.role==worker]
        preferences: [{ spread: node.labels.zone }]
        max_replicas_per_node: 2
      update_config: { parallelism: 2, delay: 10s, failure_action: rollback, monitor: 30s, max_failure_ratio: 0.1, order: start-first }
      rollback_config: { parallelism: 0, order: stop-first }
  db:
    image: swarmgate/probe:1
    restart: always
    deploy:
      mode: global
      endpoint_mode: dnsrr
networks:
  front:
    driver: overlay
    attachable: true
    labels: { purpose: web }
    ipam: { config: [{ subnet: 10.77.0.0/24 }] }
  back:
    external: true
    name: shared-back
volumes:
  data:
    labels: { keep: "yes" }
configs:
  page:
    content: "<h1>hi</h1>"
secrets:
  token:
    environment: TOKEN
`;

test('a representative file converts to the specs the docker CLI makes', () => {
  const stack = convert(REPRESENTATIVE);
  assert.deepEqual(
    stack.services.map((service) => service.name),
    ['shop_web', 'shop_db'],
  );
  assert.deepEqual(stack.services[0]!.spec, WEB_SPEC);
  assert.deepEqual(stack.services[1]!.spec, DB_SPEC);
  // Only networks a service uses are made; the external one is referenced by its name.
  assert.deepEqual(stack.networks, NETWORKS);
});
test('secrets and configs: named <stack>_<key>, labelled with the stack and a digest, data from env or content', () => {
  const stack = convert(REPRESENTATIVE);
  const [secret] = stack.secrets;
  assert.equal(secret?.name, 'shop_token');
  assert.equal(Buffer.from(secret?.spec?.Data ?? '', 'base64').toString(), SECRET);
  assert.equal(secret?.spec?.Labels?.['com.docker.stack.namespace'], 'shop');
  assert.match(secret?.spec?.Labels?.[DIGEST_LABEL] ?? '', /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(secret?.spec?.Labels).includes(SECRET), 'the digest is not the value');
  const [config] = stack.configs;
  assert.equal(Buffer.from(config?.spec?.Data ?? '', 'base64').toString(), '<h1>hi</h1>');
  // The same value under another name has another digest (the name salts it).
  const other = convert(REPRESENTATIVE, 'shop2').secrets[0];
  assert.notEqual(other?.digest, secret?.digest);
  // Keyed: no plain hash of the value (with or without the name) matches the label, so whoever reads labels cannot
  // test guesses of the secret; another gateway key gives another digest, the same key the same one.
  const label = secret?.spec?.Labels?.[DIGEST_LABEL];
  for (const guess of [SECRET, `shop_token\n${SECRET}`]) {
    assert.notEqual(label, createHash('sha256').update(guess).digest('hex'));
  }
  const otherKey = createSealer(randomBytes(32)).digest;
  assert.notEqual(
    convertStack('shop', loadCompose(REPRESENTATIVE, env), env, otherKey).secrets[0]?.digest,
    label,
  );
  assert.equal(convert(REPRESENTATIVE).secrets[0]?.digest, label);
  // External objects are referenced by their name and never created.
  const external = convert(
    'services:\n  a:\n    image: x\n    secrets: [s]\nsecrets:\n  s: { external: true, name: shared-s }\n',
  );
  assert.deepEqual(external.secrets, [{ kind: 'secret', key: 's', name: 'shared-s', external: true }]);
  assert.equal(external.services[0]?.spec.TaskTemplate.ContainerSpec?.Secrets?.[0]?.SecretName, 'shared-s');
});

test('keys Swarm ignores are listed with why, never dropped quietly', () => {
  const stack = convert(REPRESENTATIVE);
  assert.deepEqual(
    stack.ignored.map((entry) => `${entry.service}.${entry.key}`),
    ['web.build', 'web.container_name', 'web.depends_on'],
  );
  const more = convert(
    'version: "3.8"\nservices:\n  a:\n    image: x\n    privileged: true\n    links: [b]\n    deploy:\n      resources:\n        reservations:\n          devices: [{ capabilities: [gpu] }]\n',
  );
  assert.deepEqual(
    more.ignored.map((entry) => `${entry.service}.${entry.key}`),
    ['null.version', 'a.privileged', 'a.links', 'a.deploy.resources.reservations.devices'],
  );
  assert.match(more.ignored[2]!.why, /networks/);
});

test('what the gateway cannot do is BAD_INPUT saying what to use instead', () => {
  const service = (body: string, extra = '') => `services:\n  a:\n    image: x\n${body}${extra}`;
  refused(
    () => convert(service('    secrets: [s]\n', 'secrets:\n  s: { file: ./s.txt }\n')),
    'BAD_INPUT',
    /^secrets\.s: file is not taken .*environment/,
  );
  refused(
    () => convert(service('    configs: [c]\n', 'configs:\n  c: { file: ./c.txt }\n')),
    'BAD_INPUT',
    /configs\.c: file is not taken .*content/,
  );
  refused(
    () => convert(service('    secrets: [s]\n', 'secrets:\n  s: { environment: NOT_GIVEN }\n')),
    'BAD_INPUT',
    /secrets\.s: environment NOT_GIVEN is not in env/,
  );
  refused(() => convert('services:\n  a:\n    build: .\n'), 'BAD_INPUT', /services\.a\.image is required/);
  refused(() => convert(service('    volumes: ["./data:/data"]\n')), 'BAD_INPUT', /absolute host path/);
  refused(
    () => convert(service('    volumes: ["data:/data"]\n')),
    'BAD_INPUT',
    /volume data is not declared/,
  );
  refused(() => convert(service('    networks: [nope]\n')), 'BAD_INPUT', /network nope is not declared/);
  refused(() => convert(service('    secrets: [nope]\n')), 'BAD_INPUT', /secret nope is not declared/);
  refused(
    () => convert(service('    deploy: { replicas: "two" }\n')),
    'BAD_INPUT',
    /deploy\.replicas must be an integer/,
  );
  refused(
    () => convert(service('    deploy: { mode: global, replicas: 2 }\n')),
    'BAD_INPUT',
    /replicas cannot be given for a global service/,
  );
  refused(
    () => convert(service('    deploy: { mode: replicated-job }\n')),
    'BAD_INPUT',
    /jobs are not supported/,
  );
  refused(
    () => convert(service('    stop_grace_period: soon\n')),
    'BAD_INPUT',
    /stop_grace_period must be a duration/,
  );
  refused(() => convert(service('    ports: ["70000:80"]\n')), 'BAD_INPUT', /ports must be 1-65535/);
  refused(
    () => convert(service('    deploy: { update_config: { order: sideways } }\n')),
    'BAD_INPUT',
    /services\.a\.deploy\.update_config\.order must be equal to one of the allowed values/,
  );
  refused(() => convert(service(''), 'a'.repeat(62)), 'BAD_INPUT', /longer than Docker's 63 characters/);
  refused(() => convert(service(''), 'my.app'), 'BAD_INPUT', /Docker cannot name a service my\.app_a/);
  const network = (config: string) => service('    networks: [n]\n', `networks:\n  n: ${config}\n`);
  refused(() => convert(network('{ driver: macvlan }')), 'BAD_INPUT', /networks\.n\.driver must be overlay/);
  refused(
    () => convert(network('{ driver_opts: { parent: eth0 } }')),
    'BAD_INPUT',
    /networks\.n\.driver_opts: parent is not taken/,
  );
  assert.deepEqual(convert(network('{ driver_opts: { encrypted: "" } }')).networks[0]?.create?.Options, {
    encrypted: '',
  });
});

test('values interpolated as strings are read as the numbers and flags they are', () => {
  const env2 = envMapOf(['N=3', 'RO=true', 'PORT=8080']);
  const stack = convertStack(
    's',
    loadCompose(
      'services:\n  a:\n    image: x\n    read_only: ${RO}\n    ports: [{ target: "${PORT}", published: "${PORT}" }]\n    deploy: { replicas: "${N}" }\n',
      env2,
    ),
    env2,
    digest,
  );
  const spec = stack.services[0]!.spec;
  assert.deepEqual(spec.Mode, { Replicated: { Replicas: 3 } });
  assert.equal(spec.TaskTemplate.ContainerSpec?.ReadOnly, true);
  assert.deepEqual(spec.EndpointSpec?.Ports, [
    { Protocol: 'tcp', TargetPort: 8080, PublishedPort: 8080, PublishMode: 'ingress' },
  ]);
});

test('a command given as a string is split into words as a shell would', () => {
  assert.deepEqual(shellWords('sleep 3600'), ['sleep', '3600']);
  assert.deepEqual(shellWords(`sh -c "echo 'a b'; exit 0"`), ['sh', '-c', "echo 'a b'; exit 0"]);
  assert.deepEqual(shellWords("printf '' x\\ y"), ['printf', '', 'x y']);
  refused(() => shellWords('echo "open'), 'BAD_INPUT', /unclosed quote/);
});

/** What the CLI sends for web: every translated field. */
const WEB_SPEC = {
  Name: 'shop_web',
  Labels: {
    tier: 'web',
    'com.docker.stack.namespace': 'shop',
    'com.docker.stack.image': 'swarmgate/probe:1',
  },
  TaskTemplate: {
    ContainerSpec: {
      Image: 'swarmgate/probe:1',
      Command: ['/bin/sh', '-c'],
      Args: ['httpd -f -p 8080'],
      Hostname: 'web-{{.Task.Slot}}',
      Healthcheck: {
        Test: ['CMD-SHELL', 'wget -q -O- http://localhost:8080/'],
        Interval: 10000000000,
        Timeout: 2000000000,
        StartPeriod: 500000000,
        Retries: 3,
      },
      Env: ['EMPTY=', 'MODE=web', `TOKEN=${SECRET}`],
      Labels: {
        role: 'frontend',
        'com.docker.stack.namespace': 'shop',
      },
      Dir: '/www',
      User: '1000:1000',
      Mounts: [
        {
          Type: 'volume',
          Source: 'shop_data',
          Target: '/var/data',
          ReadOnly: true,
          VolumeOptions: {
            Labels: {
              keep: 'yes',
              'com.docker.stack.namespace': 'shop',
            },
          },
        },
        {
          Type: 'tmpfs',
          Target: '/tmp',
          TmpfsOptions: {
            SizeBytes: 67108864,
            Mode: 1023,
          },
        },
        {
          Type: 'bind',
          Source: '/srv/www',
          Target: '/www',
        },
      ],
      StopGracePeriod: 90000000000,
      StopSignal: 'SIGINT',
      Secrets: [
        {
          File: {
            Name: 'token',
            UID: '0',
            GID: '0',
            Mode: 292,
          },
          SecretID: '',
          SecretName: 'shop_token',
        },
        {
          File: {
            Name: '/etc/token',
            UID: '33',
            GID: '33',
            Mode: 256,
          },
          SecretID: '',
          SecretName: 'shop_token',
        },
      ],
      Configs: [
        {
          File: {
            Name: 'page',
            UID: '0',
            GID: '0',
            Mode: 292,
          },
          ConfigID: '',
          ConfigName: 'shop_page',
        },
      ],
      ReadOnly: true,
      CapabilityAdd: ['NET_ADMIN'],
      CapabilityDrop: ['ALL'],
    },
    Resources: {
      Limits: {
        NanoCPUs: 500000000,
        MemoryBytes: 134217728,
        Pids: 100,
      },
      Reservations: {
        NanoCPUs: 250000000,
        MemoryBytes: 67108864,
      },
    },
    RestartPolicy: {
      Condition: 'on-failure',
      Delay: 5000000000,
      MaxAttempts: 3,
      Window: 120000000000,
    },
    Placement: {
      Constraints: ['node.role==worker'],
      Preferences: [
        {
          Spread: {
            SpreadDescriptor: 'node.labels.zone',
          },
        },
      ],
      MaxReplicas: 2,
    },
    Networks: [
      {
        Target: 'shared-back',
        Aliases: ['web'],
      },
      {
        Target: 'shop_front',
        Aliases: ['www', 'web'],
      },
    ],
  },
  Mode: {
    Replicated: {
      Replicas: 3,
    },
  },
  UpdateConfig: {
    Parallelism: 2,
    Delay: 10000000000,
    FailureAction: 'rollback',
    Monitor: 30000000000,
    MaxFailureRatio: 0.1,
    Order: 'start-first',
  },
  RollbackConfig: {
    Parallelism: 0,
    Order: 'stop-first',
  },
  EndpointSpec: {
    Mode: 'vip',
    Ports: [
      {
        Protocol: 'tcp',
        TargetPort: 80,
        PublishedPort: 8080,
        PublishMode: 'ingress',
      },
      {
        Protocol: 'tcp',
        TargetPort: 443,
        PublishedPort: 8443,
        PublishMode: 'host',
      },
      {
        Protocol: 'udp',
        TargetPort: 9000,
        PublishedPort: 9000,
        PublishMode: 'ingress',
      },
      {
        Protocol: 'udp',
        TargetPort: 9001,
        PublishedPort: 9001,
        PublishMode: 'ingress',
      },
    ],
  },
};

const DB_SPEC = {
  Name: 'shop_db',
  Labels: {
    'com.docker.stack.namespace': 'shop',
    'com.docker.stack.image': 'swarmgate/probe:1',
  },
  TaskTemplate: {
    ContainerSpec: {
      Image: 'swarmgate/probe:1',
      Labels: {
        'com.docker.stack.namespace': 'shop',
      },
    },
    Resources: {},
    RestartPolicy: {
      Condition: 'any',
    },
    Placement: {},
    Networks: [
      {
        Target: 'shop_default',
        Aliases: ['db'],
      },
    ],
  },
  Mode: {
    Global: {},
  },
  EndpointSpec: {
    Mode: 'dnsrr',
    Ports: [],
  },
};

const NETWORKS = [
  {
    key: 'back',
    name: 'shared-back',
    external: true,
  },
  {
    key: 'default',
    name: 'shop_default',
    external: false,
    create: {
      Name: 'shop_default',
      Labels: {
        'com.docker.stack.namespace': 'shop',
      },
      Driver: 'overlay',
    },
  },
  {
    key: 'front',
    name: 'shop_front',
    external: false,
    create: {
      Name: 'shop_front',
      Labels: {
        purpose: 'web',
        'com.docker.stack.namespace': 'shop',
      },
      Driver: 'overlay',
      Attachable: true,
      IPAM: {
        Config: [
          {
            Subnet: '10.77.0.0/24',
          },
        ],
      },
    },
  },
];
