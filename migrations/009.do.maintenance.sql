-- Rolling maintenance (swarm.maintenance): the durable per-node record of each maintenance job, and the signals
-- sent to it (continueMaintenance, resumeMaintenance). The job reads them wherever it runs, also after a crash.
CREATE TABLE maintenance_nodes (
  job_id           uuid NOT NULL REFERENCES jobs (id),
  -- The node's place in the maintenance order (workers first, then managers).
  position         integer NOT NULL,
  node_id          text NOT NULL,
  hostname         text NOT NULL,
  role             text NOT NULL CHECK (role IN ('worker', 'manager')),
  state            text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'draining', 'drained', 'waiting-signal', 'activating', 'done', 'failed')),
  -- true once this job set the node to drain: only such nodes are set active again when the job is cancelled.
  drained_by_job   boolean NOT NULL DEFAULT false,
  -- The ForceUpdate value each rebalanced service is taken to, so a resumed job never forces it twice.
  rebalance        jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- Services scaled up for the node's drain (so their floor holds), by id, with the replicas to restore.
  surge            jsonb NOT NULL DEFAULT '{}'::jsonb,
  continue_at      timestamptz,
  message          text,
  started_at       timestamptz,
  ended_at         timestamptz,
  PRIMARY KEY (job_id, node_id),
  UNIQUE (job_id, position)
);

-- A paused maintenance (a failed step) and the resume that ends the pause.
CREATE TABLE maintenance_pauses (
  job_id           uuid PRIMARY KEY REFERENCES jobs (id),
  paused_at        timestamptz,
  reason           text,
  error_code       text,
  resume_at        timestamptz
);
