// The lab inventory (var/lab/inventory.json): its type, how `up` writes it and how app code and tests load it.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { clientTls } from './certs.ts';
import { BRIDGE, ENGINE_TLS_PORT, ENGINES, INVENTORY_PATH, SWARMS } from './topology.ts';

const engineSchema = z.object({
  name: z.string(),
  address: z.string(),
  /** Absolute path of the engine's unix socket (reachable from the root namespace). */
  socket: z.string(),
  /** `tcp://ADDR:2376`, mutual TLS with ca/cert/key below. */
  tlsEndpoint: z.string(),
  ca: z.string(),
  cert: z.string(),
  key: z.string(),
  swarm: z.enum(['alpha', 'beta']).nullable(),
  role: z.enum(['manager', 'worker']).nullable(),
  netns: z.string(),
  logFile: z.string(),
});

const swarmSchema = z.object({
  name: z.enum(['alpha', 'beta']),
  managers: z.array(z.string()),
  workers: z.array(z.string()),
});

export const inventorySchema = z.object({
  engines: z.array(engineSchema),
  swarms: z.array(swarmSchema),
  bridge: z.object({ name: z.string(), address: z.string(), subnet: z.string() }),
  createdAt: z.string(),
});

export type Inventory = z.infer<typeof inventorySchema>;
export type InventoryEngine = z.infer<typeof engineSchema>;
export type InventorySwarm = z.infer<typeof swarmSchema>;

export { INVENTORY_PATH };

export class LabNotUpError extends Error {
  constructor(detail: string) {
    super(`lab is not up: run npm run lab -- up (${detail})`);
    this.name = 'LabNotUpError';
  }
}

export function buildInventory(): Inventory {
  const tls = clientTls();
  return {
    engines: ENGINES.map((e) => ({
      name: e.name,
      address: e.address,
      socket: e.socket,
      tlsEndpoint: `tcp://${e.address}:${ENGINE_TLS_PORT}`,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      swarm: e.swarm,
      role: e.role,
      netns: e.netns,
      logFile: e.logFile,
    })),
    swarms: SWARMS.map((s) => ({ name: s.name, managers: [...s.managers], workers: [...s.workers] })),
    bridge: { name: BRIDGE.name, address: BRIDGE.address, subnet: BRIDGE.subnet },
    createdAt: new Date().toISOString(),
  };
}

export function writeInventory(inv: Inventory, path = INVENTORY_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(inv, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Loads and validates the inventory; throws LabNotUpError when the lab has not been brought up. */
export function loadInventory(path = INVENTORY_PATH): Inventory {
  if (!existsSync(path)) throw new LabNotUpError(`${path} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new LabNotUpError(`${path} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = inventorySchema.safeParse(raw);
  if (!parsed.success) throw new LabNotUpError(`${path} is not a lab inventory: ${parsed.error.message}`);
  return parsed.data;
}

export function inventoryEngine(inv: Inventory, name: string): InventoryEngine {
  const e = inv.engines.find((x) => x.name === name);
  if (!e) throw new Error(`engine ${name} is not in the lab inventory`);
  return e;
}
