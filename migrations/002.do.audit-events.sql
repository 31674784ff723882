-- The audit trail: append-only, hash-chained per tenant. The application runs as role swarmgate_app, which may
-- read and append audit events but not change, delete or truncate them, nor drop the triggers refusing that.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'swarmgate_app') THEN
    CREATE ROLE swarmgate_app NOLOGIN;
  END IF;
END
$$;

-- The migrating user switches to swarmgate_app for its application connections (SET ROLE).
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'swarmgate_app', 'MEMBER') THEN
    EXECUTE format('GRANT swarmgate_app TO %I', current_user);
  END IF;
END
$$;

CREATE TABLE audit_events (
  -- Global order of writing; the chain order inside a tenant is tenant_seq.
  seq            bigserial PRIMARY KEY,
  id             uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  tenant         text NOT NULL,
  tenant_seq     bigint NOT NULL CHECK (tenant_seq >= 1),
  occurred_at    timestamptz NOT NULL,
  -- Links the requested event of an operation with its outcome event.
  operation_id   uuid NOT NULL,
  phase          text NOT NULL CHECK (phase IN ('requested', 'succeeded', 'failed', 'refused')),
  action         text NOT NULL,
  principal_sub  text NOT NULL,
  -- RFC 8693 actor chain, nearest actor first (a bot acting for principal_sub).
  actors         text[] NOT NULL DEFAULT '{}',
  roles          text[] NOT NULL DEFAULT '{}',
  source         text NOT NULL CHECK (source IN ('graphql', 'rest', 'worker', 'cli')),
  client_address text,
  user_agent     text,
  request_id     text,
  swarm_id       uuid,
  swarm_name     text,
  node_id        text,
  node_name      text,
  service_id     text,
  service_name   text,
  target         jsonb NOT NULL DEFAULT '{}'::jsonb,
  parameters     jsonb NOT NULL DEFAULT '{}'::jsonb,
  reason         text,
  forced         boolean NOT NULL DEFAULT false,
  error_code     text,
  error_message  text,
  job_id         text,
  result         jsonb,
  prev_hash      bytea NOT NULL CHECK (length(prev_hash) = 32),
  hash           bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
  -- Two writers cannot both append after the same event: the chain cannot fork.
  UNIQUE (tenant, tenant_seq)
);

CREATE INDEX audit_events_tenant_time ON audit_events (tenant, occurred_at DESC, seq DESC);
CREATE INDEX audit_events_action ON audit_events (tenant, action, seq DESC);
CREATE INDEX audit_events_swarm ON audit_events (swarm_id, seq DESC);
CREATE INDEX audit_events_operation ON audit_events (operation_id);

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_events_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();

CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- Privileges of the application role: everything it needs on the registry, append-only on the audit log.
GRANT USAGE ON SCHEMA public TO swarmgate_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, swarms, swarm_endpoints TO swarmgate_app;
GRANT SELECT, INSERT ON audit_events TO swarmgate_app;
GRANT USAGE, SELECT ON SEQUENCE audit_events_seq_seq TO swarmgate_app;
GRANT SELECT ON schema_migrations TO swarmgate_app;

-- Tables and sequences later migrations create are the application's to use; audit tables revoke what they must.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO swarmgate_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO swarmgate_app;
