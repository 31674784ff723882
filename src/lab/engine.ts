// One engine's dockerd: its flags, start (detached, in its namespace, own hostname), readiness, stop.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import Docker from 'dockerode';
import { clientTls, serverTls } from './certs.ts';
import { CLEAN_ENV, LabError, errorMessage, sleep } from './exec.ts';
import { netnsPath } from './netns.ts';
import { overlaySupported } from './prereqs.ts';
import { findLabProcesses, isAlive, listProcesses, signal, waitGone } from './procs.ts';
import { ENGINE_TLS_PORT, LOGS_DIR, type EngineDef } from './topology.ts';

/** overlay2 when the kernel has it; an engine that already holds vfs data keeps vfs. */
export function storageDriver(e: EngineDef): 'overlay2' | 'vfs' {
  if (existsSync(join(e.dataRoot, 'vfs')) && !existsSync(join(e.dataRoot, 'overlay2'))) return 'vfs';
  return overlaySupported() ? 'overlay2' : 'vfs';
}

export function dockerdArgs(e: EngineDef): string[] {
  const tls = serverTls(e);
  return [
    // Our own config file, so a /etc/docker/daemon.json on this machine cannot leak in.
    `--config-file=${e.daemonConfig}`,
    `--data-root=${e.dataRoot}`,
    `--exec-root=${e.execRoot}`,
    `--pidfile=${e.pidfile}`,
    `--host=unix://${e.socket}`,
    `--host=tcp://${e.address}:${ENGINE_TLS_PORT}`,
    '--tlsverify',
    `--tlscacert=${tls.ca}`,
    `--tlscert=${tls.cert}`,
    `--tlskey=${tls.key}`,
    `--storage-driver=${storageDriver(e)}`,
    `--cgroup-parent=${e.cgroupParent}`,
    `--swarm-default-advertise-addr=${e.address}`,
    '--log-level=info',
  ];
}

/**
 * Settings only the config file can carry: the trust key would otherwise be /etc/docker/key.json,
 * outside the lab and shared by all engines (so they would all report the same engine ID).
 */
export function daemonConfig(e: EngineDef): Record<string, unknown> {
  return { 'deprecated-key-path': join(e.dataRoot, 'key.json') };
}

/** The running dockerd of this engine (found by its exec root, not trusted from the pidfile alone). */
export function dockerdPid(e: EngineDef): number | null {
  const p = listProcesses().find(
    (p) => p.state !== 'Z' && p.comm === 'dockerd' && p.argv.some((a) => a === `--exec-root=${e.execRoot}`),
  );
  return p?.pid ?? null;
}

/** Engine API over the unix socket (root namespace reaches it through the file system). */
export function socketClient(e: EngineDef, timeoutMs = 30_000): Docker {
  return new Docker({ socketPath: e.socket, timeout: timeoutMs });
}

/** GET path on the engine's unix socket; resolves with status and body. */
export function socketGet(
  e: EngineDef,
  path: string,
  timeoutMs = 3000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ socketPath: e.socket, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${e.socket} within ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function pingSocket(e: EngineDef, timeoutMs = 3000): Promise<boolean> {
  try {
    const r = await socketGet(e, '/_ping', timeoutMs);
    return r.status === 200 && r.body === 'OK';
  } catch {
    return false;
  }
}

/** GET /_ping over mutual TLS with the lab's client certificate; resolves with an error text or null when OK. */
export function pingTls(e: EngineDef, timeoutMs = 5000): Promise<string | null> {
  const tls = clientTls();
  return new Promise((resolve) => {
    try {
      const req = httpsRequest(
        {
          host: e.address,
          port: ENGINE_TLS_PORT,
          path: '/_ping',
          method: 'GET',
          ca: readFileSync(tls.ca),
          cert: readFileSync(tls.cert),
          key: readFileSync(tls.key),
          timeout: timeoutMs,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode === 200 ? null : `HTTP ${res.statusCode}`));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (err) => resolve(err.message));
      req.end();
    } catch (err) {
      resolve(errorMessage(err));
    }
  });
}

function logTail(e: EngineDef, lines = 15): string {
  try {
    return readFileSync(e.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Starts dockerd detached (own session, outlives the CLI) in the engine's network namespace only
 * (`ip netns exec` would remount /sys and break the devices cgroup), with a private UTS namespace so
 * the node's hostname is the engine's name. Returns false when it was already running.
 */
export function startDockerd(e: EngineDef): boolean {
  if (dockerdPid(e) !== null) return false;
  if (!existsSync(netnsPath(e))) {
    throw new LabError(`${e.name} has no network namespace ${e.netns}; run npm run lab -- up`);
  }
  mkdirSync(e.dataRoot, { recursive: true, mode: 0o711 });
  mkdirSync(e.execRoot, { recursive: true, mode: 0o700 });
  mkdirSync(LOGS_DIR, { recursive: true });
  writeFileSync(e.daemonConfig, JSON.stringify(daemonConfig(e), null, 2) + '\n');
  // A pidfile naming a live unrelated process would stop dockerd from starting.
  rmSync(e.pidfile, { force: true });
  const log = openSync(e.logFile, 'a');
  try {
    const child = spawn(
      'nsenter',
      [
        `--net=${netnsPath(e)}`,
        'unshare',
        '--uts',
        'sh',
        '-c',
        'hostname "$0" && exec dockerd "$@"',
        e.name,
        ...dockerdArgs(e),
      ],
      { detached: true, stdio: ['ignore', log, log], env: CLEAN_ENV },
    );
    child.on('error', () => {
      /* reported through the readiness wait and the log */
    });
    child.unref();
  } finally {
    closeSync(log);
  }
  return true;
}

/** Waits until the engine answers /_ping on its socket; fails at once if its dockerd has died. */
export async function waitDockerd(e: EngineDef, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  let seenProcess = false;
  for (;;) {
    if (await pingSocket(e, 2000)) return;
    if (dockerdPid(e) !== null) seenProcess = true;
    // Before `exec dockerd` the process is still nsenter/unshare/sh: allow a few seconds for that.
    else if (seenProcess || Date.now() - t0 > 5000) {
      throw new LabError(`dockerd of ${e.name} is not running; last lines of ${e.logFile}:\n${logTail(e)}`);
    }
    if (Date.now() - t0 >= timeoutMs) {
      throw new LabError(
        `dockerd of ${e.name} did not answer on ${e.socket} within ${timeoutMs / 1000}s; ` +
          `last lines of ${e.logFile}:\n${logTail(e)}`,
      );
    }
    await sleep(250);
  }
}

export interface StopResult {
  wasRunning: boolean;
  forced: boolean;
  ms: number;
}

/** SIGTERM the engine's dockerd, wait up to `termTimeoutMs`, then SIGKILL it and its containerd. */
export async function stopDockerd(e: EngineDef, termTimeoutMs = 30_000): Promise<StopResult> {
  const t0 = Date.now();
  const pid = dockerdPid(e);
  if (pid === null) return { wasRunning: false, forced: false, ms: 0 };
  signal(pid, 'SIGTERM');
  let alive = await waitGone([pid], termTimeoutMs);
  let forced = false;
  if (alive.length > 0) {
    forced = true;
    // Also its containerd: a fresh dockerd would reuse it, but a wedged one is better gone.
    const containerd = findLabProcesses(new Set()).filter(
      (p) => p.comm === 'containerd' && p.argv.some((a) => a.startsWith(`${e.execRoot}/`)),
    );
    for (const p of [pid, ...containerd.map((c) => c.pid)]) signal(p, 'SIGKILL');
    alive = await waitGone([pid], 5000);
    if (alive.length > 0) throw new LabError(`dockerd of ${e.name} (pid ${pid}) survived SIGKILL`);
  }
  if (isAlive(pid)) throw new LabError(`dockerd of ${e.name} (pid ${pid}) is still running`);
  return { wasRunning: true, forced, ms: Date.now() - t0 };
}
