// A deployStack input, checked whole: the stack's name, the env, the compose file (parsed, interpolated, validated,
// converted) and each service against the swarm's policy. The request runs it to refuse at once; the job runs it
// again when it starts (the policy may have changed since).
import type { ContentDigest } from '../util/seal.ts';
import { GatewayError, badInput } from '../errors.ts';
import { loadCompose, envMapOf } from './stack-compose.ts';
import { convertStack, type StackDefinition } from './stack-convert.ts';
import { stackNameOf } from './stack-namespace.ts';
import { checkServiceAgainstPolicy, type SwarmPolicy } from './swarm-policy.ts';

/** How long a deploy waits for its services' tasks, by default and at most. */
const DEFAULT_TIMEOUT_SECONDS = 180;
const MAX_TIMEOUT_SECONDS = 3600;

export interface StackDeployment {
  definition: StackDefinition;
  prune: boolean;
  dryRun: boolean;
  timeoutMs: number;
  /** The values of the env variables that secrets and configs take (to keep them out of every answer). */
  secretValues: string[];
}

export interface StackDeployFields {
  name: unknown;
  compose: unknown;
  env?: unknown;
  prune?: unknown;
  dryRun?: unknown;
  timeoutSeconds?: unknown;
}

function flag(value: unknown, field: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw badInput(`${field} must be true or false`, { field });
  return value;
}

function timeoutMsOf(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_TIMEOUT_SECONDS * 1000;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMEOUT_SECONDS) {
    throw badInput(`timeoutSeconds must be an integer from 1 to ${MAX_TIMEOUT_SECONDS}`, {
      field: 'timeoutSeconds',
    });
  }
  return value * 1000;
}

/**
 * The deployment the input asks for; BAD_INPUT naming the field or the compose path, FORBIDDEN naming the service
 * and what the swarm's policy does not allow (a bind mount of a host path, an added capability...).
 */
export function stackDeploymentOf(
  input: StackDeployFields,
  policy: SwarmPolicy,
  digestOf: ContentDigest,
): StackDeployment {
  const stack = stackNameOf(input.name);
  const env = envMapOf(input.env);
  const prune = flag(input.prune, 'prune');
  const dryRun = flag(input.dryRun, 'dryRun');
  const timeoutMs = timeoutMsOf(input.timeoutSeconds);
  const definition = convertStack(stack, loadCompose(input.compose, env), env, digestOf);
  for (const service of definition.services) {
    try {
      checkServiceAgainstPolicy(service.spec, policy);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      throw new GatewayError(error.code, `services.${service.key}: ${error.message}`, {
        ...error.details,
        service: service.key,
      });
    }
  }
  const sources = definition.secrets.flatMap((object) =>
    object.spec?.Data ? [Buffer.from(object.spec.Data, 'base64').toString('utf8')] : [],
  );
  return { definition, prune, dryRun, timeoutMs, secretValues: sources };
}

/**
 * `value` with every occurrence of a secret's value replaced: a value interpolated into a label or a command would
 * otherwise show in a plan's diff. Values shorter than 6 characters are left (they would match too much).
 */
export function withoutSecretValues<T>(value: T, secretValues: readonly string[]): T {
  const secrets = secretValues.filter((secret) => secret.length >= 6);
  if (secrets.length === 0) return value;
  const walk = (current: unknown): unknown => {
    if (typeof current === 'string') {
      return secrets.reduce((text, secret) => text.split(secret).join('[REDACTED]'), current);
    }
    if (Array.isArray(current)) return current.map(walk);
    if (current && typeof current === 'object') {
      return Object.fromEntries(Object.entries(current).map(([key, inner]) => [key, walk(inner)]));
    }
    return current;
  };
  return walk(value) as T;
}
