// The /v1 REST subtree: authentication for every route, per-request swarm reads, and one plugin per endpoint.
import type { FastifyInstance, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { badInput, GatewayError } from '../../errors.ts';
import { operationDepsOf } from '../../operations/deps.ts';
import { operationContextOf } from '../../operations/request-context.ts';
import { recorderOf } from '../../plugins/app/answer-cache.ts';
import { principalOf, requireAuthHook } from '../../plugins/app/auth.ts';
import { refusedCharacterIn } from '../../util/control-characters.ts';
import { createSwarmReads, type SwarmReads } from '../../queries/swarm-reads.ts';
import auditIntegrity from './audit/integrity.ts';
import listAudit from './audit/list.ts';
import type { V1Context } from './context.ts';
import approvalPolicyRoutes from './approvals/policy.ts';
import cancelJob from './jobs/cancel.ts';
import jobDecisionRoutes from './jobs/decide.ts';
import getJob from './jobs/get.ts';
import listJobs from './jobs/list.ts';
import me from './me.ts';
import listNodes from './nodes/list.ts';
import getNode from './nodes/get.ts';
import listNetworks from './networks/list.ts';
import getNetwork from './networks/get.ts';
import listSecrets from './secrets/list.ts';
import getSecret from './secrets/get.ts';
import listConfigs from './configs/list.ts';
import getConfig from './configs/get.ts';
import listServices from './services/list.ts';
import getService from './services/get.ts';
import serviceLogsRoute from './services/logs.ts';
import listStacks from './stacks/list.ts';
import getStack from './stacks/get.ts';
import getSwarm from './swarms/get.ts';
import swarmInfo from './swarms/info.ts';
import swarmPolicyRoutes from './swarms/policy.ts';
import joinTokens from './swarms/join-tokens.ts';
import joinTokenRotationRoutes from './swarms/join-token-rotation.ts';
import listSwarms from './swarms/list.ts';
import swarmQuorum from './swarms/quorum.ts';
import registerSwarm from './swarms/register.ts';
import swarmStatus from './swarms/status.ts';
import unregisterSwarm from './swarms/unregister.ts';
import updateSwarm from './swarms/update.ts';
import nodeOperations from './operations/nodes.ts';
import serviceOperations from './operations/services.ts';
import stackOperations from './operations/stacks.ts';
import swarmObjectOperations from './operations/swarm-objects.ts';
import swarmOperations from './operations/swarms.ts';
import listTasks from './tasks/list.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the subtree takes no options of its own
export interface V1RoutesOptions {}

const ENDPOINTS = [
  me,
  listSwarms,
  registerSwarm,
  getSwarm,
  updateSwarm,
  unregisterSwarm,
  swarmStatus,
  swarmInfo,
  swarmPolicyRoutes,
  swarmQuorum,
  joinTokens,
  joinTokenRotationRoutes,
  listNodes,
  getNode,
  listServices,
  getService,
  serviceLogsRoute,
  listStacks,
  getStack,
  listTasks,
  listNetworks,
  getNetwork,
  listSecrets,
  getSecret,
  listConfigs,
  getConfig,
  listAudit,
  auditIntegrity,
  listJobs,
  getJob,
  cancelJob,
  jobDecisionRoutes,
  approvalPolicyRoutes,
  swarmOperations,
  nodeOperations,
  serviceOperations,
  swarmObjectOperations,
  stackOperations,
];

/** Registered with the prefix '/v1'; encapsulated, so its hooks and handlers stay inside the subtree. */
export default async function v1Routes(app: FastifyInstance, _options: V1RoutesOptions): Promise<void> {
  // onRequest rather than preHandler: a caller without a token learns nothing about bodies or parameters
  // (no 400 before the 401), and an unauthenticated body is never parsed.
  app.addHook('onRequest', requireAuthHook);
  // The OpenAPI document says so for every route of the subtree, from the same place that enforces it. (Routes that
  // keep answers, config.keepAnswer, get their hooks from src/plugins/app/answer-cache.ts: route-level onRequest hooks
  // run after requireAuthHook.)
  app.addHook('onRoute', (route) => {
    route.schema = { ...route.schema, security: [{ bearerAuth: [] }] };
  });
  // Every string a request carries (parameters, query string, body, object keys included) is refused with a
  // BAD_INPUT naming the field when it holds a control character or a lone surrogate: before validation, so
  // before anything is audited or sent to PostgreSQL (which refuses NUL) or to an engine.
  app.addHook('preValidation', (request, _reply, done) => {
    done(
      refusedCharacterIn(request.params, 'params') ??
        refusedCharacterIn(request.query, 'querystring') ??
        refusedCharacterIn(request.body, 'body') ??
        undefined,
    );
  });
  app.setSchemaErrorFormatter(describeValidationErrors);
  app.setNotFoundHandler((request) => {
    throw new GatewayError(
      'NOT_FOUND',
      `there is no ${request.method} ${request.url.split('?')[0]} in this API; see /docs for the routes`,
    );
  });

  const readsByRequest = new WeakMap<FastifyRequest, SwarmReads>();
  const context: V1Context = {
    readsOf: (request) => {
      let reads = readsByRequest.get(request);
      if (!reads) {
        reads = createSwarmReads(
          { registry: app.registry, swarmClients: app.swarmClients, recorder: recorderOf(request) },
          principalOf(request),
        );
        readsByRequest.set(request, reads);
      }
      return reads;
    },
    deps: operationDepsOf(app),
    operationOf: (request) => operationContextOf(request, 'rest'),
  };
  for (const endpoint of ENDPOINTS) await app.register(endpoint, context);
}

/**
 * Ajv's errors as one BAD_INPUT sentence naming the field ("body.endpoints[0].url is required"), the allowed
 * values of an enum and the unknown property of a closed object.
 */
function describeValidationErrors(errors: FastifySchemaValidationError[], dataVar: string): GatewayError {
  const problems = errors
    .filter((error) => error.keyword !== 'enum' || !('propertyName' in error))
    .map((error) => describeValidationError(error, dataVar));
  const unique = [...new Set(problems)];
  return badInput(unique.join('; '), { validation: unique });
}

function describeValidationError(error: FastifySchemaValidationError, dataVar: string): string {
  const at = fieldPath(dataVar, error.instancePath);
  const params = error.params;
  switch (error.keyword) {
    case 'required':
      return `${fieldPath(dataVar, `${error.instancePath}/${String(params.missingProperty)}`)} is required`;
    case 'propertyNames':
    case 'additionalProperties': {
      const name = String(params.propertyName ?? params.additionalProperty);
      return `${at} has an unknown property "${name}"`;
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[] | undefined) ?? [];
      return `${at} must be one of ${allowed
        .filter((value) => value !== null)
        .map(String)
        .join(', ')}`;
    }
    case 'type':
      return `${at} must be ${articled(String(params.type).replace(',', ' or '))}`;
    default:
      return `${at} ${error.message ?? 'is not valid'}`;
  }
}

/** "body" + "/endpoints/0/url" → "body.endpoints[0].url". */
function fieldPath(dataVar: string, instancePath: string): string {
  const parts = instancePath.split('/').slice(1);
  return parts.reduce(
    (path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : `${path}.${part.replaceAll('~1', '/')}`),
    dataVar,
  );
}

const articled = (type: string) => (/^(array|object|integer)/.test(type) ? `an ${type}` : `a ${type}`);
