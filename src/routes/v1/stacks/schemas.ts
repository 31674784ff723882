// JSON Schemas of the stack reads (GraphQL's Stack and StackObject, the same field names).
import { pathParams, serviceSchema } from '../schemas.ts';

const stackObjectSchema = {
  type: 'object',
  description: 'A network, secret or config of a stack',
  required: ['id', 'name'],
  properties: { id: { type: 'string' }, name: { type: 'string' } },
} as const;
const stackObjects = { type: 'array', items: stackObjectSchema } as const;

const properties = {
  name: { type: 'string' },
  swarmId: { type: 'string' },
  services: { type: 'array', items: serviceSchema, description: 'The stack’s services by name' },
  servicesCount: { type: 'integer' },
  runningTasks: { type: 'integer', description: 'Tasks running now, summed over the services' },
  desiredTasks: { type: 'integer', description: 'Tasks wanted, summed over the services' },
  networks: stackObjects,
  secrets: { ...stackObjects, description: 'Their names only: a secret’s value is never shown' },
  configs: stackObjects,
};

export const stackSchema = {
  type: 'object',
  description:
    'A stack, as `docker stack deploy` makes it: the services, networks, secrets and configs labelled ' +
    '`com.docker.stack.namespace=<name>`, deployed through swarmgate or with the docker CLI',
  required: Object.keys(properties),
  properties,
} as const;

export const stackParams = pathParams({ swarm: 'Swarm id or name', stack: 'The stack’s name' });
