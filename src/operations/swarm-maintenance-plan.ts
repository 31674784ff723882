// The plan of startMaintenance with dryRun: true (src/operations/plans.ts): the batches in order, for each the tasks
// that would move and the services the job would scale up to keep their floor (against the tasks as they run now),
// and the quorum while a manager is out. Nothing is changed; the same rules as the job (domain/maintenance.ts).
import { batchesOf, belowFloor, floorChecks } from '../domain/maintenance.ts';
import { currentQuorum } from '../domain/quorum-guard.ts';
import type { Plan, Planner } from './plans.ts';

export const maintenancePlanner: Planner<'swarm.maintenance'> = async ({ input, swarm, reads }) => {
  const fresh = reads.fresh();
  const [nodes, services, tasks] = await Promise.all([
    fresh.nodes(swarm),
    fresh.services(swarm),
    fresh.tasks(swarm),
  ]);
  const quorum = currentQuorum(nodes);
  const batches = batchesOf(input.nodes, input.batchSize).map((batch) => {
    const checks = floorChecks(
      services,
      tasks,
      new Set(batch.map((node) => node.nodeId)),
      input.minAvailable,
    );
    return {
      nodes: batch.map((node) => node.hostname),
      role: batch[0]?.role ?? 'worker',
      tasksMoving: checks.map((check) => ({ service: check.service, tasks: check.onLeaving })),
      scaleUps: belowFloor(checks).map((check) => ({
        service: check.service,
        floor: check.floor,
        runningElsewhere: check.elsewhere,
        replicasDuring: check.desired + check.floor - check.elsewhere,
        replicasAfter: check.desired,
      })),
    };
  });
  const managersOut = input.nodes.filter((node) => node.role === 'manager').length;
  // A manager is taken out only when every manager is reachable, and one at a time.
  const wouldPause =
    managersOut > 0 && quorum.reachable < quorum.managers
      ? `QUORUM_AT_RISK: ${quorum.reachable} of ${quorum.managers} managers reachable`
      : null;
  const plan: Plan = {
    summary:
      `would maintain ${input.nodes.length} node(s) of ${swarm.name} in ${batches.length} batch(es): ` +
      batches.map((batch) => batch.nodes.join('+')).join(', ') +
      (wouldPause ? `; the first manager would pause (${wouldPause})` : ''),
    batches,
    quorum: {
      managers: quorum.managers,
      reachable: quorum.reachable,
      toleratesNow: quorum.tolerates,
      // One manager out at a time: its raft membership does not change, but it may be unreachable while patched.
      toleratesWhileOneIsOut: Math.max(0, quorum.reachable - 1 - quorum.needed),
      wouldPause,
    },
    hold: input.waitForSignal ? 'continueMaintenance per node' : `${input.pauseSeconds ?? 0} s per batch`,
    rebalance: input.rebalance,
  };
  return plan;
};
