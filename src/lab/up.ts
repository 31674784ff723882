// `up`: brings the whole lab to its topology from any state (nothing, half-made, killed, already up).
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { ensureCerts } from './certs.ts';
import { dockerdPid, pingTls, startDockerd, stopDockerd, waitDockerd } from './engine.ts';
import { LabError, elapsed, mapLimit, progress } from './exec.ts';
import { buildProbeRootfs, ensureProbeImages } from './images.ts';
import { buildInventory, writeInventory } from './inventory.ts';
import { ensureAllNetworks } from './netns.ts';
import { ensureNoSystemContainerd, ensurePackages, requireRoot } from './prereqs.ts';
import { ensureNotInSwarm, ensureSwarm, spareEngines, waitSwarmsReady } from './swarm.ts';
import { ENGINES, INVENTORY_PATH, LAB_VAR_DIR, SWARMS, type EngineDef } from './topology.ts';

const ENGINE_START_TIMEOUT_MS = 90_000;
const SWARM_READY_TIMEOUT_MS = 120_000;

async function ensureEngines(reissued: readonly string[]): Promise<void> {
  const started: string[] = [];
  await Promise.all(
    ENGINES.map(async (e) => {
      if (dockerdPid(e) !== null && reissued.includes(e.name)) {
        progress(`${e.name}: restarting dockerd to load its new certificate`);
        await stopDockerd(e);
      }
      if (startDockerd(e)) started.push(e.name);
      await waitDockerd(e, ENGINE_START_TIMEOUT_MS);
    }),
  );
  progress(started.length > 0 ? `dockerd started: ${started.join(', ')}` : 'all dockerd already running');
  // A dockerd that survived a deleted var/lab still serves the old certificate: restart it once.
  await Promise.all(
    ENGINES.map(async (e) => {
      let err = await pingTls(e);
      if (err === null) return;
      progress(`${e.name}: TLS endpoint failed (${err}); restarting dockerd`);
      await restart(e);
      err = await pingTls(e);
      if (err !== null) throw new LabError(`${e.name}: TLS endpoint ${e.address}:2376 still fails: ${err}`);
    }),
  );
  progress('every engine answers on its socket and on mutual TLS');
}

async function restart(e: EngineDef): Promise<void> {
  await stopDockerd(e);
  startDockerd(e);
  await waitDockerd(e, ENGINE_START_TIMEOUT_MS);
}

async function ensureImages(): Promise<void> {
  // Built only when some engine lacks an image, and once for all of them.
  let rootfs: ReturnType<typeof buildProbeRootfs> | undefined;
  const tar = (): string => (rootfs ??= buildProbeRootfs()).tar;
  try {
    const imported = await mapLimit(ENGINES, 3, async (e) => ({ e, tags: await ensureProbeImages(e, tar) }));
    const done = imported.filter((i) => i.tags.length > 0).map((i) => `${i.e.name}:${i.tags.join('+')}`);
    progress(
      done.length > 0 ? `probe images imported: ${done.join(' ')}` : 'probe images present everywhere',
    );
  } finally {
    rootfs?.cleanup();
  }
}

export async function up(): Promise<void> {
  const t0 = Date.now();
  requireRoot('up');
  ensurePackages();
  await ensureNoSystemContainerd();
  mkdirSync(LAB_VAR_DIR, { recursive: true });
  try {
    ensureAllNetworks();
    const reissued = ensureCerts();
    await ensureEngines(reissued);
    await ensureImages();
    await Promise.all(spareEngines().map(ensureNotInSwarm));
    await Promise.all(SWARMS.map(ensureSwarm));
    progress('waiting for alpha (5 Ready, 1 Leader + 2 Reachable) and beta (2 Ready)');
    await waitSwarmsReady(SWARMS, SWARM_READY_TIMEOUT_MS);
    writeInventory(buildInventory());
  } catch (err) {
    // A half-made lab must not look usable to tests.
    if (existsSync(INVENTORY_PATH)) rmSync(INVENTORY_PATH, { force: true });
    throw err;
  }
  progress(
    `lab is up (${ENGINES.length} engines, swarms ${SWARMS.map((s) => s.name).join(', ')}) in ${elapsed(t0)}`,
  );
  progress(`inventory: ${INVENTORY_PATH}`);
}
