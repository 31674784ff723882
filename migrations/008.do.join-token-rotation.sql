-- Scheduled join-token rotation (issue 14): per swarm, every N days and/or after every join through swarmgate.
-- The row decides when a rotation is due: a BullMQ job scheduler wakes a worker up, and the start-up catch-up finds
-- what was missed while no gateway ran; a conditional UPDATE of next_at lets exactly one of them rotate.
CREATE TABLE join_token_rotations (
  swarm_id        uuid PRIMARY KEY REFERENCES swarms (id) ON DELETE CASCADE,
  -- NULL: no periodic rotation.
  every_days      integer CHECK (every_days BETWEEN 1 AND 365),
  after_join      boolean NOT NULL DEFAULT false,
  -- When the schedule (or afterJoin) last started a rotation.
  last_rotated_at timestamptz,
  -- When the next periodic rotation is due; set exactly when every_days is.
  next_at         timestamptz,
  -- The roles a claimed periodic rotation has still to start (a gateway that died between the claim and the jobs
  -- leaves them here; the next start starts them, under the same idempotency keys).
  pending_roles   text[] NOT NULL DEFAULT '{}',
  -- Names the last claim: its jobs' idempotency keys are made of it, so a restart never starts them twice.
  claim_id        uuid,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((every_days IS NULL) = (next_at IS NULL))
);

CREATE INDEX join_token_rotations_due ON join_token_rotations (next_at) WHERE next_at IS NOT NULL;

-- The schedule is a source of audited changes of its own (actor sub "schedule", source "schedule").
ALTER TABLE audit_events DROP CONSTRAINT audit_events_source_check;
ALTER TABLE audit_events
  ADD CONSTRAINT audit_events_source_check CHECK (source IN ('graphql', 'rest', 'worker', 'cli', 'schedule'));
