// The demo: starts the gateway next to a running lab, registers the lab's swarms in tenant "demo", and prints
// URLs and admin/operator/viewer tokens. `npm run demo` brings the lab up first (scripts/demo.sh).
import { readFileSync } from 'node:fs';
import { createSigner } from 'fast-jwt';
import { buildApp } from './app.ts';
import type { Principal } from './auth/principal.ts';
import { loadConfig } from './config.ts';
import { startEmbeddedPostgres } from './db/embedded.ts';
import { isGatewayError } from './errors.ts';
import { loadInventory, type Inventory } from './lab/inventory.ts';
import { operationDepsOf } from './operations/deps.ts';
import { swarmRegister } from './operations/swarm-register.ts';
import { swarmUnregister } from './operations/swarm-unregister.ts';

const TENANT = 'demo';
const DEMO_SECRET = 'demo-secret-not-for-production-0123456789';
const TOKEN_TTL_MS = 12 * 3600_000;

function endpointsOf(inventory: Inventory, names: string[]) {
  return names.map((name) => {
    const engine = inventory.engines.find((candidate) => candidate.name === name)!;
    return {
      url: engine.tlsEndpoint,
      tls: {
        ca: readFileSync(engine.ca, 'utf8'),
        cert: readFileSync(engine.cert, 'utf8'),
        key: readFileSync(engine.key, 'utf8'),
      },
    };
  });
}

async function main(): Promise<void> {
  const config = loadConfig({ SWARMGATE_JWT_SECRET: DEMO_SECRET, SWARMGATE_CACHE: 'on', ...process.env });
  if (!config.jwt.secret)
    throw new Error(
      'the demo signs its tokens with SWARMGATE_JWT_SECRET (HS256); unset the other key variables',
    );
  const inventory = loadInventory();
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ ...config.embeddedPg, log: () => undefined });
  const app = await buildApp(config, {
    databaseUrl: config.databaseUrl ?? embedded!.url,
    logger: { level: 'warn' },
  });
  await app.ready();

  // Register (or re-register, after the lab was rebuilt with new clusters) alpha and beta in tenant demo.
  const admin: Principal = { sub: 'demo-setup', tenant: TENANT, roles: ['admin'], actors: [] };
  const deps = operationDepsOf(app);
  const ctx = { principal: admin, source: 'cli' as const };
  for (const swarm of inventory.swarms) {
    const existing = await app.registry.findSwarm(TENANT, swarm.name);
    if (existing) await swarmUnregister(deps, ctx, { swarm: existing.id });
    try {
      await swarmRegister(deps, ctx, {
        name: swarm.name,
        endpoints: endpointsOf(inventory, swarm.managers),
      });
    } catch (error) {
      throw new Error(`registering ${swarm.name}: ${isGatewayError(error) ? error.message : String(error)}`);
    }
  }

  await app.listen({ port: config.port, host: config.host });
  const sign = createSigner({ key: config.jwt.secret, algorithm: 'HS256', expiresIn: TOKEN_TTL_MS });
  const token = (role: string) => sign({ sub: `demo-${role}`, tenant: TENANT, roles: [role] });
  const base = `http://${config.host}:${config.port}`;
  console.log(`
swarmgate demo is up: swarms ${inventory.swarms.map((swarm) => swarm.name).join(' and ')} registered in tenant "${TENANT}"
  GraphQL     ${base}/graphql   (GraphiQL: ${base}/graphiql, add the header Authorization: Bearer <token>)
  REST        ${base}/v1/swarms   OpenAPI ${base}/openapi.json   Swagger UI ${base}/docs
  health      ${base}/healthz  ${base}/readyz
  lab         npm run lab -- status   (inventory var/lab/inventory.json)

Tokens (HS256, valid 12 h):
  admin     ${token('admin')}
  operator  ${token('operator')}
  viewer    ${token('viewer')}

Try: curl -H "Authorization: Bearer $ADMIN" ${base}/v1/swarms/alpha/nodes
Stop with Ctrl-C; bring the lab down with: npm run lab -- down
`);
  const stop = async () => {
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
