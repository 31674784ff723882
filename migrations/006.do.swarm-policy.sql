-- A swarm's policy (issue 13): the host paths its services may bind-mount, the capabilities they may add, and
-- whether they may set privileges. Nothing is allowed until an admin sets it (setSwarmPolicy).
ALTER TABLE swarms
  ADD COLUMN policy jsonb NOT NULL
  DEFAULT '{"bindMountPaths": [], "capabilities": [], "allowPrivileges": false}'::jsonb;
