// `down` and `check-clean`: remove every trace of the lab (also stale or half-made state) and prove it.
import { existsSync, lstatSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { errorMessage, progress, run, sleep } from './exec.ts';
import { labFirewallRules, netnsInode, removeFirewallRules } from './netns.ts';
import { describe, findLabProcesses, signal, waitGone, waitReaped } from './procs.ts';
import {
  BRIDGE,
  CGROUP_FS_ROOT,
  CGROUP_PARENT_BASE,
  DATA_ROOT_BASE,
  EXEC_ROOT_BASE,
  LAB_VAR_DIR,
  NETNS_DIR,
} from './topology.ts';

const NETNS_PREFIX = 'sglab-';
const VETH_PREFIX = 'sgl-';
/** Directories dockerd/containerd shims create outside our roots (plugin discovery, shim sockets). */
const SHARED_RUNTIME_DIRS = ['/run/docker/plugins', '/run/docker', '/run/containerd/s', '/run/containerd'];
/**
 * containerd 1.6 shims put their sockets here whatever the exec root (the name is a hash of the
 * containerd address and the container id); a killed shim leaves its socket behind.
 */
const SHIM_SOCKET_DIR = '/run/containerd/s';

function nobodyListens(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** Shim sockets no process listens on: dead for anyone, and after a kill -9 of the lab, ours. */
async function staleShimSockets(): Promise<string[]> {
  let names: string[] = [];
  try {
    names = readdirSync(SHIM_SOCKET_DIR);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const n of names) {
    const p = join(SHIM_SOCKET_DIR, n);
    if (lstatSync(p).isSocket() && (await nobodyListens(p))) out.push(p);
  }
  return out;
}

function labNetnsNames(): string[] {
  try {
    return readdirSync(NETNS_DIR).filter((n) => n.startsWith(NETNS_PREFIX));
  } catch {
    return [];
  }
}

function labNetnsInodes(): Set<number> {
  const s = new Set<number>();
  for (const n of labNetnsNames()) {
    const ino = netnsInode(join(NETNS_DIR, n));
    // A plain file (not a mounted nsfs) has a small inode on the root fs; only nsfs inodes identify a netns.
    if (ino !== null && isNsfs(join(NETNS_DIR, n))) s.add(ino);
  }
  return s;
}

function mountPoints(): string[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter(Boolean)
    .map((p) => p.replace(/\\040/g, ' '));
}

function isNsfs(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => {
      const f = l.split(' ');
      return f[4] === path && l.includes(' - nsfs ');
    });
}

function labMounts(): string[] {
  return mountPoints().filter(
    (p) =>
      p === DATA_ROOT_BASE ||
      p === EXEC_ROOT_BASE ||
      p.startsWith(`${DATA_ROOT_BASE}/`) ||
      p.startsWith(`${EXEC_ROOT_BASE}/`) ||
      (p.startsWith(`${NETNS_DIR}/${NETNS_PREFIX}`) && p.length > NETNS_DIR.length),
  );
}

function labLinks(): string[] {
  return run('ip', ['-o', 'link', 'show'])
    .stdout.split('\n')
    .map((l) => /^\d+:\s+([^@:\s]+)/.exec(l)?.[1])
    .filter((n): n is string => n !== undefined && (n === BRIDGE.name || n.startsWith(VETH_PREFIX)));
}

function labCgroupDirs(): string[] {
  const out: string[] = [];
  try {
    for (const ctrl of readdirSync(CGROUP_FS_ROOT)) {
      const d = join(CGROUP_FS_ROOT, ctrl, CGROUP_PARENT_BASE);
      if (existsSync(d)) out.push(d);
    }
  } catch {
    /* no cgroup fs */
  }
  return out;
}

/** True for a directory tree that holds nothing but empty directories. */
function emptyTree(dir: string): boolean {
  try {
    return readdirSync(dir).every((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() && emptyTree(p);
    });
  } catch {
    return false;
  }
}

/** Everything the lab may have left behind, one human-readable line each. */
export async function leftovers(): Promise<string[]> {
  const out: string[] = [];
  for (const p of findLabProcesses(labNetnsInodes())) out.push(`process: ${describe(p)}`);
  for (const n of labNetnsNames()) out.push(`network namespace: ${join(NETNS_DIR, n)}`);
  for (const l of labLinks()) out.push(`network link: ${l}`);
  for (const r of labFirewallRules()) out.push(`iptables rule: ${r}`);
  for (const m of labMounts()) out.push(`mount: ${m}`);
  for (const d of [DATA_ROOT_BASE, EXEC_ROOT_BASE, LAB_VAR_DIR])
    if (existsSync(d)) out.push(`directory: ${d}`);
  for (const d of labCgroupDirs()) out.push(`cgroup: ${d}`);
  for (const p of await staleShimSockets()) out.push(`stale containerd shim socket: ${p}`);
  for (const d of SHARED_RUNTIME_DIRS) {
    // Only an empty tree is ours for sure (a live system docker/containerd keeps files there).
    if (existsSync(d) && emptyTree(d)) out.push(`empty runtime directory left by lab engines: ${d}`);
  }
  return out;
}

function unmountAll(): void {
  for (let round = 0; round < 5; round++) {
    // Deepest first, so nested mounts (overlay inside a bind-mounted data root) go before their parents.
    const mounts = labMounts().sort((a, b) => b.length - a.length);
    if (mounts.length === 0) return;
    for (const m of mounts) {
      if (run('umount', [m]).code !== 0) run('umount', ['-l', m]);
    }
  }
}

function removeCgroups(): void {
  const rmTree = (dir: string): void => {
    let entries: string[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(dir, d.name));
    } catch {
      return;
    }
    for (const sub of entries) rmTree(sub);
    try {
      rmdirSync(dir);
    } catch {
      /* reported by leftovers() */
    }
  };
  for (const d of labCgroupDirs()) rmTree(d);
}

/** Ends every lab process; returns the pids it signalled. */
async function killLabProcesses(): Promise<number[]> {
  let procs = findLabProcesses(labNetnsInodes());
  const signalled = new Set(procs.map((p) => p.pid));
  if (procs.length === 0) return [];
  // dockerd first and gently: it unmounts its layers and stops its containerd and containers itself.
  const dockerds = procs.filter((p) => p.comm === 'dockerd');
  if (dockerds.length > 0) {
    progress(`stopping ${dockerds.length} dockerd (SIGTERM, up to 20s)`);
    for (const p of dockerds) signal(p.pid, 'SIGTERM');
    await waitGone(
      dockerds.map((p) => p.pid),
      20_000,
    );
  }
  for (let round = 0; round < 10; round++) {
    procs = findLabProcesses(labNetnsInodes());
    if (procs.length === 0) break;
    for (const p of procs) signalled.add(p.pid);
    if (round === 0) progress(`killing ${procs.length} remaining lab processes (SIGKILL)`);
    for (const p of procs) signal(p.pid, 'SIGKILL');
    await waitGone(
      procs.map((p) => p.pid),
      3000,
    );
  }
  return [...signalled];
}

/** Tears the lab down from whatever state it is in. Returns the leftovers found afterwards (empty = clean). */
export async function down(): Promise<string[]> {
  const killed = await killLabProcesses();
  unmountAll();
  for (const n of labNetnsNames()) {
    if (run('ip', ['netns', 'del', n]).code !== 0) {
      run('umount', ['-l', join(NETNS_DIR, n)]);
      rmSync(join(NETNS_DIR, n), { force: true });
    }
  }
  for (const l of labLinks()) run('ip', ['link', 'del', l]);
  removeFirewallRules();
  removeCgroups();
  // Refuse to delete through a mount that would not go away (rm -r would empty the mounted fs).
  if (labMounts().length === 0) {
    for (const d of [DATA_ROOT_BASE, EXEC_ROOT_BASE, LAB_VAR_DIR]) {
      try {
        rmSync(d, { recursive: true, force: true });
      } catch (err) {
        progress(`could not remove ${d}: ${errorMessage(err)}`);
      }
    }
  }
  for (const p of await staleShimSockets()) rmSync(p, { force: true });
  for (const d of SHARED_RUNTIME_DIRS) {
    if (existsSync(d) && emptyTree(d)) rmSync(d, { recursive: true, force: true });
  }
  // So that `ps` right after `down` shows no <defunct> dockerd either.
  const unreaped = await waitReaped(killed, 15_000);
  if (unreaped.length > 0) {
    progress(`${unreaped.length} exited lab processes not yet reaped by PID 1 (zombies, not running)`);
  }
  // Namespace and link removal finish asynchronously in the kernel: give them a moment.
  let left = await leftovers();
  for (let i = 0; i < 50 && left.length > 0; i++) {
    await sleep(200);
    if (i % 10 === 9) {
      for (const l of labLinks()) run('ip', ['link', 'del', l]);
    }
    left = await leftovers();
  }
  return left;
}
