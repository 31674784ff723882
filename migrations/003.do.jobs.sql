-- Jobs: every operation on a swarm is a job, queued in BullMQ; this table is the source of truth for its state.
CREATE TABLE jobs (
  id               uuid PRIMARY KEY,
  tenant           text NOT NULL,
  -- The operation (audit action), e.g. node.drain, service.update.
  type             text NOT NULL,
  state            text NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  swarm_id         uuid,
  swarm_name       text,
  target           jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- The input with secrets removed, for display; the job's own input is sealed in `input`.
  parameters       jsonb NOT NULL DEFAULT '{}'::jsonb,
  input            bytea NOT NULL,
  reason           text,
  forced           boolean NOT NULL DEFAULT false,
  -- Who asked, as the audit records it; the worker writes the outcome event with it.
  operation_id     uuid NOT NULL,
  principal_sub    text NOT NULL,
  actors           text[] NOT NULL DEFAULT '{}',
  roles            text[] NOT NULL DEFAULT '{}',
  source           text NOT NULL,
  client_address   text,
  user_agent       text,
  request_id       text,
  idempotency_key  text,
  -- SHA-256 of the canonical input: the same key with other input is a CONFLICT.
  input_hash       bytea NOT NULL,
  progress_percent integer NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
  progress_step    text,
  progress_message text,
  result           jsonb,
  error_code       text,
  error_message    text,
  attempts         integer NOT NULL DEFAULT 0,
  cancel_requested boolean NOT NULL DEFAULT false,
  created_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz,
  finished_at      timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE UNIQUE INDEX jobs_idempotency ON jobs (tenant, principal_sub, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_tenant_created ON jobs (tenant, created_at DESC);
CREATE INDEX jobs_swarm_state ON jobs (swarm_id, state);
