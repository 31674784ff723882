-- Approvals (issue 14): a tenant's policy says which operations (audit actions), on which swarms (a label
-- selector), wait for other principals to approve them. Such a job is created `awaiting_approval` and queued only
-- once enough approvals were given; a rejection or the expiry ends it `cancelled`.
CREATE TABLE approval_policies (
  tenant     text PRIMARY KEY,
  -- [{action, swarmLabel, approvals, role, expiresInMinutes}], validated by src/domain/approval-policy.ts.
  rules      jsonb NOT NULL DEFAULT '[]'::jsonb CHECK (jsonb_typeof(rules) = 'array'),
  updated_by text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE jobs DROP CONSTRAINT jobs_state_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_state_check
  CHECK (state IN ('awaiting_approval', 'queued', 'running', 'succeeded', 'failed', 'cancelled'));

-- The approval a job waits for, or waited for: {required, role, expiresAt, given: [{sub, actors, at}]}; NULL for
-- jobs no rule matched. Changed only under the job's row lock (two approvers at once queue it once).
ALTER TABLE jobs ADD COLUMN approval jsonb;
-- When an awaiting job expires; the worker's sweep ends those past it (it works after a restart: it is a query).
ALTER TABLE jobs ADD COLUMN approval_expires_at timestamptz;
CREATE INDEX jobs_awaiting_approval ON jobs (approval_expires_at) WHERE state = 'awaiting_approval';
