// A swarm's join-token rotation schedule as both doors answer it (viewer): off until an admin sets it.
import type {
  JoinTokenRotationRecord,
  JoinTokenRotationRepository,
} from '../registry/join-token-rotation.ts';
import type { SwarmRecord } from '../registry/repository.ts';

export interface JoinTokenRotationView {
  /** null: no periodic rotation. */
  everyDays: number | null;
  afterJoin: boolean;
  /** When the schedule last started a rotation (a rotation asked for by a person is not counted). */
  lastRotatedAt: string | null;
  /** When the next periodic rotation is due. */
  nextAt: string | null;
}

export function joinTokenRotationView(record: JoinTokenRotationRecord | null): JoinTokenRotationView {
  return {
    everyDays: record?.everyDays ?? null,
    afterJoin: record?.afterJoin ?? false,
    lastRotatedAt: record?.lastRotatedAt ?? null,
    nextAt: record?.nextAt ?? null,
  };
}

/** The schedule of a swarm the caller already found in its tenant (findSwarmFor / the swarm reads). */
export async function swarmJoinTokenRotation(
  rotations: JoinTokenRotationRepository | undefined,
  swarm: SwarmRecord,
): Promise<JoinTokenRotationView> {
  return joinTokenRotationView(rotations ? await rotations.get(swarm.id) : null);
}
