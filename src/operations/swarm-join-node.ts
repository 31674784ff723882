// joinNode: joins an engine to a registered swarm as a worker (operator) or a manager (admin, with a reason), as a
// job that fetches the token, calls the joining engine and waits until the node is Ready.
import type { EngineEndpoint } from '../docker/endpoint.ts';
import { badInput, GatewayError } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { currentQuorum } from '../domain/quorum-guard.ts';
import { requestJob, type JobRequest } from './start-job.ts';
import type { JoinRole, SwarmJoinNodeJobInput } from '../jobs/types.ts';

export interface SwarmJoinNodeInput extends JobRequest {
  endpoint: EngineEndpoint;
  role?: 'WORKER' | 'MANAGER' | null | undefined;
  advertiseAddress?: string | null | undefined;
  listenAddress?: string | null | undefined;
}

/** host, host:port, [v6]:port or an interface name: Docker parses it; we only refuse what cannot be an address. */
const ADDRESS = /^[A-Za-z0-9_.:[\]%-]{1,255}$/;

export function validateSwarmAddress(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  if (!ADDRESS.test(trimmed)) throw badInput(`${field} must be an IP address, host:port or interface name`);
  return trimmed;
}

export function swarmJoinNode(
  deps: OperationDeps,
  ctx: OperationContext,
  input: SwarmJoinNodeInput,
): Promise<JobRecord> {
  const role: JoinRole = input.role === 'MANAGER' ? 'manager' : 'worker';
  const jobInput: SwarmJoinNodeJobInput = {
    endpoint: { url: input.endpoint.url, tls: input.endpoint.tls ?? null },
    role,
    advertiseAddress: input.advertiseAddress?.trim() || null,
    listenAddress: input.listenAddress?.trim() || null,
  };
  // The job's input: its endpoint is replaced by the one the policy checked (with the address to connect to).
  const stored: typeof jobInput = { ...jobInput };
  return requestJob(deps, ctx, input, {
    action: 'swarm.join',
    input: stored,
    // A new manager takes part in the raft quorum: as for a promotion, only an admin, and only saying why.
    reasonRequired: role === 'manager',
    role: role === 'manager' ? 'admin' : 'operator',
    precheck: async (swarm, reads) => {
      const endpoint = await deps.endpointPolicy.check(jobInput.endpoint, ctx.principal, 'endpoint');
      stored.endpoint = endpoint;
      validateSwarmAddress(jobInput.advertiseAddress, 'advertiseAddress');
      validateSwarmAddress(jobInput.listenAddress, 'listenAddress');
      if (role === 'manager') {
        // Adding a raft member is a configuration change the raft must commit: not without quorum.
        const quorum = currentQuorum(await reads.nodes(swarm));
        if (!quorum.hasQuorum) {
          throw new GatewayError(
            'QUORUM_AT_RISK',
            `swarm "${swarm.name}" has ${quorum.managers} managers, ${quorum.reachable} reachable, and needs ` +
              `${quorum.needed}: it has no quorum, so it cannot add a manager. Bring its managers back first.`,
            { ...quorum },
          );
        }
      }
      return { engine: endpoint.url, role };
    },
  });
}
