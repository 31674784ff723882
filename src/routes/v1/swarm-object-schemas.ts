// JSON Schemas of the swarm's networks, secrets and configs (GraphQL's Network, Secret and Config, field for field),
// their path parameters and the bodies of their operations; shared by routes/v1/{networks,secrets,configs}/ and
// the operation routes.
import { closedObject, dryRunProperty, labelSchema, pageOf, pathParams, view } from './schemas.ts';

const string = { type: 'string' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const boolean = { type: 'boolean' } as const;
const integer = { type: 'integer' } as const;
const dateTime = { type: 'string', format: 'date-time' } as const;
const labels = { type: 'array', items: labelSchema } as const;

const serviceRefs = {
  type: 'array',
  description: "The swarm's services that use it",
  items: view('A service', { id: string, name: string }),
} as const;

export const networkSchema = view('A network of the swarm, as `docker network inspect` shows it', {
  id: string,
  swarmId: string,
  name: string,
  driver: string,
  scope: { ...string, description: 'swarm: every network listed here' },
  attachable: boolean,
  internal: boolean,
  ingress: boolean,
  encrypted: boolean,
  labels,
  subnets: {
    type: 'array',
    items: view('An IPAM pool', { subnet: string, gateway: nullableString, ipRange: nullableString }),
  },
  createdAt: dateTime,
  services: serviceRefs,
});

const fileObject = (what: string) => ({
  id: string,
  swarmId: string,
  name: string,
  labels,
  version: { ...integer, description: "Docker's object version" },
  createdAt: dateTime,
  updatedAt: dateTime,
  services: { ...serviceRefs, description: `The swarm's services given this ${what}` },
});

export const secretSchema = view(
  'A secret: what Docker says about it, never its value',
  fileObject('secret'),
);
export const configSchema = view('A config: what Docker says about it, never its data', fileObject('config'));

export const networkPageSchema = pageOf('A page of the swarm’s networks, by name', networkSchema);
export const secretPageSchema = pageOf('A page of secrets, by name', secretSchema);
export const configPageSchema = pageOf('A page of configs, by name', configSchema);

/** The filter of the network, secret and config lists. */
export const swarmObjectFilterProperties = {
  name: { type: 'string', minLength: 1, description: 'Part of the name' },
  label: { type: 'string', minLength: 1, description: '`key` or `key=value`' },
} as const;

const swarmRef = 'Swarm id or name';
export const networkParams = pathParams({ swarm: swarmRef, network: 'Network ID, unique ID prefix or name' });
export const secretParams = pathParams({ swarm: swarmRef, secret: 'Secret ID, unique ID prefix or name' });
export const configParams = pathParams({ swarm: swarmRef, config: 'Config ID, unique ID prefix or name' });

// ---------------------------------------------------------------- bodies

export const objectMutationMeta = {
  reason: { type: 'string', description: 'Why, for the audit log' },
  idempotencyKey: { type: 'string', description: 'The same key and input again answers with the same job' },
  dryRun: dryRunProperty,
} as const;

const objectName = {
  type: 'string',
  minLength: 1,
  maxLength: 64,
  description: 'Letters, digits, -, _ or ., starting and ending with a letter or digit',
} as const;
const labelInputs = {
  type: 'array',
  items: closedObject({ key: string, value: { type: 'string', default: '' } }, ['key']),
} as const;
const encoding = {
  type: 'string',
  enum: ['TEXT', 'BASE64'],
  default: 'TEXT',
  description:
    'TEXT: the value is the text itself (UTF-8; control characters but tab and line breaks are refused, as in ' +
    'every input); BASE64: base64 of the bytes, for anything else',
} as const;

export const createNetworkBody = closedObject(
  {
    name: objectName,
    driver: { type: 'string', enum: ['overlay'], default: 'overlay' },
    attachable: { ...boolean, default: false, description: 'Standalone containers may attach too' },
    internal: { ...boolean, default: false, description: 'No traffic leaves the network' },
    encrypted: { ...boolean, default: false, description: 'IPsec between nodes (ESP must pass)' },
    labels: labelInputs,
    subnets: {
      type: 'array',
      maxItems: 16,
      items: closedObject(
        {
          subnet: { ...string, description: 'CIDR with the host bits clear, e.g. 10.20.0.0/24' },
          gateway: { ...string, description: 'An address inside the subnet' },
          ipRange: { ...string, description: 'A CIDR inside the subnet tasks get addresses from' },
        },
        ['subnet'],
      ),
    },
    ...objectMutationMeta,
  },
  ['name'],
);

/** A secret's or config's value: checked against Docker's limit once decoded (the schema only bounds the text). */
const value = (limitKiB: number) =>
  ({
    type: 'string',
    minLength: 1,
    description: `Write-only: at most ${limitKiB} KiB once decoded; never shown again, never logged`,
  }) as const;

export const createSecretBody = closedObject(
  { name: objectName, value: value(500), encoding, labels: labelInputs, ...objectMutationMeta },
  ['name', 'value'],
);

export const createConfigBody = closedObject(
  { name: objectName, value: value(1000), encoding, labels: labelInputs, ...objectMutationMeta },
  ['name', 'value'],
);

export const rotateSecretBody = closedObject(
  {
    value: value(500),
    encoding,
    newName: {
      ...objectName,
      description: 'The new secret’s name; by default the old one’s, versioned (-v2, -v3...)',
    },
    ...objectMutationMeta,
  },
  ['value'],
);

export const removeObjectQuery = closedObject({ ...objectMutationMeta });

/**
 * The body limit of the routes that carry a secret's or config's value: a config's 1000 KiB in base64, with room
 * for the rest of the body (fastify's default is 1 MiB).
 */
export const VALUE_BODY_LIMIT = 2 * 1024 * 1024;
