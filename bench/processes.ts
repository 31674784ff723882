// Child processes of the benchmark: started pinned to a CPU (taskset) when possible, logged under var/bench/logs,
// remembered so that everything started is stopped, even after a run that crashed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const BENCH_DIR = import.meta.dirname;
export const ROOT_DIR = path.resolve(BENCH_DIR, '..');
export const VAR_DIR = path.join(ROOT_DIR, 'var/bench');
export const LOG_DIR = path.join(VAR_DIR, 'logs');
const PIDS_FILE = path.join(VAR_DIR, 'pids.json');

export interface Pinning {
  /** CPUs the server side and the load side are pinned to; null when not pinned. */
  serverCpu: number | null;
  loadCpu: number | null;
  /** Why pinning is off, when it is. */
  note: string;
}

export function detectPinning(): Pinning {
  const cpus = availableParallelism();
  const probe = spawnSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    return { serverCpu: null, loadCpu: null, note: 'taskset is missing: processes are NOT pinned' };
  }
  if (cpus < 2) {
    return { serverCpu: null, loadCpu: null, note: `only ${cpus} CPU: processes are NOT pinned` };
  }
  return {
    serverCpu: 0,
    loadCpu: 1,
    note: `taskset: servers on CPU 0, load generator and simulated engines on CPU 1 (${cpus} CPUs)`,
  };
}

export interface StartOptions {
  name: string;
  /** Pin to this CPU; null: not pinned. */
  cpu: number | null;
  /** A TypeScript entry under bench/ run with tsx, or a JavaScript file run as is. */
  script: string;
  args?: string[];
  /** Options of node itself (before the script). */
  nodeArgs?: string[];
  env?: Record<string, string>;
}

export class Child {
  private readonly lines: string[] = [];
  private readonly waiters: ((line: string) => void)[] = [];
  private readonly exited: Promise<number | null>;
  private stderrTail = '';

  constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {
    const log = createWriteStream(path.join(LOG_DIR, `${name}.log`), { flags: 'a' });
    process.stderr?.on('data', (chunk: Buffer) => {
      log.write(chunk);
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    if (process.stdout) {
      createInterface({ input: process.stdout }).on('line', (line) => {
        const waiter = this.waiters.shift();
        if (waiter) waiter(line);
        else this.lines.push(line);
      });
    }
    this.exited = new Promise((resolve) => {
      process.once('exit', (code) => {
        log.end();
        resolve(code);
      });
    });
  }

  get pid(): number {
    return this.process.pid ?? -1;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  /** The next line the child printed on stdout; fails when it exits first or after `timeoutMs`. */
  nextLine(timeoutMs: number): Promise<string> {
    const buffered = this.lines.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(`${this.name}: no answer within ${timeoutMs} ms`), timeoutMs);
      const fail = (message: string) => {
        const index = this.waiters.indexOf(deliver);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new Error(`${message}${this.stderrTail ? `\n${this.stderrTail}` : ''}`));
      };
      const deliver = (line: string) => {
        clearTimeout(timer);
        resolve(line);
      };
      this.waiters.push(deliver);
      void this.exited.then((code) => {
        clearTimeout(timer);
        fail(`${this.name} exited (code ${code}) — see var/bench/logs/${this.name}.log`);
      });
    });
  }

  send(line: string): void {
    this.process.stdin?.write(`${line}\n`);
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    forgetPid(this.pid);
  }

  stderr(): string {
    return this.stderrTail;
  }
}

/** Every child not yet stopped, whatever phase started it: the last line of cleanup stops them all. */
const liveChildren = new Set<Child>();
let shuttingDown = false;

/** Stops every child still running, and refuses to start more (a phase may still be starting one). */
export async function stopAllChildren(): Promise<void> {
  shuttingDown = true;
  await Promise.all([...liveChildren].map((child) => child.stop()));
}

export function startChild(options: StartOptions): Child {
  if (shuttingDown) throw new Error(`not starting ${options.name}: the benchmark is stopping`);
  mkdirSync(LOG_DIR, { recursive: true });
  const node = [
    '--no-deprecation',
    ...(options.nodeArgs ?? []),
    ...(options.script.endsWith('.ts') ? ['--import', 'tsx'] : []),
    options.script,
    ...(options.args ?? []),
  ];
  const [command, args] =
    options.cpu === null
      ? [process.execPath, node]
      : ['taskset', ['-c', String(options.cpu), process.execPath, ...node]];
  // taskset execs node, so the child's pid is node's own.
  const child = spawn(command, args, {
    cwd: ROOT_DIR,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  rememberPid(child.pid ?? -1);
  const started = new Child(options.name, child);
  liveChildren.add(started);
  child.once('exit', () => liveChildren.delete(started));
  return started;
}

/** A TCP port nobody listens on right now (127.0.0.1). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Polls `url` until it answers 200 or `timeoutMs` passes; fails early when `child` exits. */
export async function waitForHttp(url: string, child: Child, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`${child.name} exited while starting:\n${child.stderr()}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`${child.name} did not answer ${url} within ${timeoutMs} ms (${last})\n${child.stderr()}`);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident and peak resident memory of a process, in bytes, from /proc/<pid>/status. */
export function residentMemory(pid: number): { rss: number; peak: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) =>
      Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kib('VmRSS') * 1024, peak: kib('VmHWM') * 1024 };
  } catch {
    return null;
  }
}

// Pids of children, kept on disk: a run killed before it could clean up leaves them, the next run stops them.
function readPids(): number[] {
  try {
    return JSON.parse(readFileSync(PIDS_FILE, 'utf8')) as number[];
  } catch {
    return [];
  }
}

function rememberPid(pid: number): void {
  mkdirSync(VAR_DIR, { recursive: true });
  writeFileSync(PIDS_FILE, JSON.stringify([...readPids(), pid]));
}

function forgetPid(pid: number): void {
  if (existsSync(PIDS_FILE)) writeFileSync(PIDS_FILE, JSON.stringify(readPids().filter((p) => p !== pid)));
}

/**
 * Stops what an earlier run left running: only pids it recorded whose command line is still one of ours
 * (a node process running a file of bench/ or of the benchmark's build), each by its pid.
 */
export function stopLeftovers(): string[] {
  const stopped: string[] = [];
  for (const pid of readPids()) {
    let commandLine = '';
    try {
      commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    const ours = [BENCH_DIR, path.join(VAR_DIR, 'build'), path.join(ROOT_DIR, 'src/server.ts')];
    if (!ours.some((marker) => commandLine.includes(marker))) continue;
    try {
      process.kill(pid, 'SIGKILL');
      stopped.push(`${pid} (${commandLine.trim().slice(0, 100)})`);
    } catch {
      // already gone
    }
  }
  if (existsSync(PIDS_FILE)) writeFileSync(PIDS_FILE, '[]');
  return stopped;
}
