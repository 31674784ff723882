-- Tenants and the swarm registry: a swarm belongs to exactly one tenant and has one or more manager endpoints.
CREATE TABLE tenants (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE swarms (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id  uuid NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
  name       text NOT NULL CHECK (name ~ '^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$'),
  -- Docker's ClusterID, recorded at registration: one cluster cannot be registered twice.
  cluster_id text UNIQUE,
  labels     jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(labels) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (tenant_id, name)
);

CREATE TABLE swarm_endpoints (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  swarm_id    uuid NOT NULL REFERENCES swarms (id) ON DELETE CASCADE,
  position    integer NOT NULL CHECK (position >= 0),
  -- tcp://host:port with mutual TLS, or unix:///path/to/docker.sock
  url         text NOT NULL CHECK (url ~ '^(tcp|unix)://'),
  -- AES-256-GCM sealed JSON of the CA, client certificate and key; NULL for unix sockets.
  credentials bytea,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (swarm_id, url),
  UNIQUE (swarm_id, position)
);
