-- Endpoints only a platform-admin may give (unix sockets, plain tcp, loopback or link-local addresses) are used only
-- when a platform-admin gave them (issue 11). Rows from before are not marked: such an endpoint a tenant registered
-- earlier is no longer connected to until a platform-admin registers it again (updateSwarm).
ALTER TABLE swarm_endpoints ADD COLUMN platform_granted boolean NOT NULL DEFAULT false;
