-- What an engine must match to prove it belongs to a registered swarm (issue 11), and where its endpoints connect.
-- The node IDs of the cluster's managers as the registered endpoints reported them at registration (their own
-- NodeID and their RemoteManagers). A worker's engine shows no cluster id, only its managers: a leave through it is
-- proved by these. NULL for swarms registered before: a worker's leave is refused until updateSwarm records them.
ALTER TABLE swarms ADD COLUMN manager_node_ids text[];

-- No two registrations may claim one manager: a fake manager reporting another swarm's node ids is refused.
CREATE INDEX swarms_manager_node_ids ON swarms USING gin (manager_node_ids);

-- The IP address the gateway connects to for a tcp:// endpoint, checked by the endpoint policy after resolving the
-- URL's host name (the certificate is still checked against that name). NULL: unix sockets, and rows from before.
ALTER TABLE swarm_endpoints ADD COLUMN address text;
