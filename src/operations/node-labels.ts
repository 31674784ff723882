// updateNodeLabels: `docker node update --label-add k=v --label-rm k`, a quick job (read-modify-write on the
// node's current labels with Docker's version, so concurrent updates are all applied).
import { hostnameOf } from '../docker/reads.ts';
import { badInput } from '../errors.ts';
import type { JobRecord } from '../jobs/types.ts';
import type { OperationDeps } from './deps.ts';
import type { OperationContext } from '../audit/types.ts';
import { requestJob } from './start-job.ts';
import type { LabelChange } from '../jobs/types.ts';

export interface NodeLabelsUpdateInput {
  swarm: string;
  node: string;
  add?: { key: string; value?: string | null }[] | null;
  remove?: string[] | null;
  reason?: string | null;
  idempotencyKey?: string | null;
  /** Answer the plan only, change nothing (src/operations/plan-job.ts). */
  dryRun?: boolean | null;
}

const MAX_LABELS = 100;
const MAX_KEY = 255;
const MAX_VALUE = 4096;

/** The change as the job applies it: keys trimmed, values defaulted to "", removals deduplicated. */
function normalize(input: NodeLabelsUpdateInput): LabelChange {
  return {
    add: (input.add ?? []).map((label) => ({ key: label.key.trim(), value: label.value ?? '' })),
    remove: [...new Set((input.remove ?? []).map((key) => key.trim()))],
  };
}

/** Refuses (BAD_INPUT) an empty change, empty or overlong keys, a key added twice or both added and removed. */
function checkChange({ add, remove }: LabelChange): void {
  if (add.length === 0 && remove.length === 0)
    throw badInput('nothing to change: give labels to add or remove');
  if (add.length + remove.length > MAX_LABELS) throw badInput(`at most ${MAX_LABELS} labels per update`);
  const added = new Set<string>();
  for (const { key, value } of add) {
    if (!key || key.length > MAX_KEY) throw badInput(`a label key must have 1 to ${MAX_KEY} characters`);
    if (value.length > MAX_VALUE)
      throw badInput(`label "${key}": a value has at most ${MAX_VALUE} characters`);
    if (added.has(key)) throw badInput(`label "${key}" is added twice`);
    added.add(key);
  }
  for (const key of remove) {
    if (!key) throw badInput('a label key to remove must not be empty');
    if (added.has(key)) throw badInput(`label "${key}" is both added and removed`);
  }
}

export function nodeLabelsUpdate(
  deps: OperationDeps,
  ctx: OperationContext,
  input: NodeLabelsUpdateInput,
): Promise<JobRecord> {
  const change = normalize(input);
  return requestJob(deps, ctx, input, {
    action: 'node.labels.update',
    node: input.node,
    input: { node: input.node, add: change.add, remove: change.remove },
    role: 'operator',
    quick: true,
    precheck: async (swarm, reads) => {
      // Checked here rather than before startJob, so that a refused change is audited like any other refusal.
      checkChange(change);
      const node = await reads.node(swarm, input.node);
      return { nodeId: node.ID, nodeName: hostnameOf(node) };
    },
  });
}
