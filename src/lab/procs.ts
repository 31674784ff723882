// Reading the process table from /proc: which processes belong to the lab, waiting for them to end.
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { sleep } from './exec.ts';
import { CGROUP_PARENT_BASE, DATA_ROOT_BASE, EXEC_ROOT_BASE } from './topology.ts';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** Single-letter state from /proc/PID/stat; Z = zombie (exited, not yet reaped by its parent). */
  state: string;
  comm: string;
  argv: string[];
  /** Inode of the process's network namespace. */
  netns: number | null;
  cgroup: string;
}

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const rest = stat
      .slice(close + 2)
      .split(' ')
      .filter(Boolean);
    let argv: string[] = [];
    let netns: number | null = null;
    let cgroup = '';
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      /* exited meanwhile */
    }
    try {
      const m = /\[(\d+)\]/.exec(readlinkSync(`/proc/${pid}/ns/net`));
      netns = m ? Number(m[1]) : null;
    } catch {
      /* zombie or exited */
    }
    try {
      cgroup = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
    } catch {
      /* exited */
    }
    return { pid, ppid: Number(rest[1]), state: rest[0] ?? '?', comm, argv, netns, cgroup };
  } catch {
    return null;
  }
}

export function listProcesses(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) out.push(p);
  }
  return out;
}

export function isAlive(pid: number): boolean {
  const p = readProc(pid);
  return p !== null && p.state !== 'Z' && p.state !== 'X';
}

const LAB_DAEMONS = new Set([
  'dockerd',
  'containerd',
  'containerd-shim',
  'containerd-shim-runc-v2',
  'docker-proxy',
  'runc',
  'docker-init',
]);

/**
 * The lab's processes, found three ways so stale state is caught too: living in a lab network
 * namespace; a docker/containerd daemon whose arguments point into the lab roots; or a container
 * process in the lab's cgroup parent (orphaned when its shim died).
 */
export function findLabProcesses(labNetnsInodes: ReadonlySet<number>): ProcInfo[] {
  const self = new Set<number>([process.pid, process.ppid]);
  return listProcesses().filter((p) => {
    if (self.has(p.pid) || p.state === 'Z' || p.state === 'X') return false;
    if (p.netns !== null && labNetnsInodes.has(p.netns)) return true;
    const exe = basename(p.argv[0] ?? p.comm);
    if (
      LAB_DAEMONS.has(exe) &&
      p.argv.some((a) => a.includes(`${EXEC_ROOT_BASE}/`) || a.includes(`${DATA_ROOT_BASE}/`))
    ) {
      return true;
    }
    return p.cgroup.split('\n').some((l) => l.split(':')[2]?.startsWith(`${CGROUP_PARENT_BASE}/`));
  });
}

export function describe(p: ProcInfo): string {
  const cmd = p.argv.length > 0 ? p.argv.join(' ') : `[${p.comm}]`;
  return `pid ${p.pid} ${cmd.length > 160 ? cmd.slice(0, 157) + '...' : cmd}`;
}

/** Waits until none of the pids is alive (zombies count as gone); returns the ones still alive. */
export async function waitGone(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const alive = pids.filter(isAlive);
    if (alive.length === 0 || Date.now() >= deadline) return alive;
    await sleep(100);
  }
}

/**
 * Waits until the pids are gone from /proc entirely, zombies included: our detached daemons are
 * children of PID 1, which reaps them a moment later. Returns the pids still present.
 */
export async function waitReaped(pids: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const present = pids.filter((pid) => existsSync(`/proc/${pid}`));
    if (present.length === 0 || Date.now() >= deadline) return present;
    await sleep(200);
  }
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}
