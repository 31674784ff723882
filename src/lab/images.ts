// The probe images swarmgate/probe:1 and :2: a busybox-static rootfs imported into every engine (no registry).
import {
  chmodSync,
  copyFileSync,
  createReadStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { socketClient } from './engine.ts';
import { LabError, errorMessage, runOk } from './exec.ts';
import { findCommand } from './prereqs.ts';
import { PROBE_REPO, PROBE_TAGS, type EngineDef } from './topology.ts';

/**
 * PID 1 in a container ignores signals it has no handler for, so the command traps TERM/INT and
 * sleeps in the background: `docker stop` and service updates end the task at once.
 */
export const PROBE_CMD = ['sh', '-c', "trap 'exit 0' TERM INT; while :; do sleep 1 & wait $!; done"];
export const PROBE_VERSION_LABEL = 'swarmgate.probe.version';

export function probeRef(tag: string): string {
  return `${PROBE_REPO}:${tag}`;
}

/** Writes a tar of a minimal root filesystem: /bin/busybox plus a symlink per applet. */
export function buildProbeRootfs(): { tar: string; cleanup: () => void } {
  const busybox = findCommand('busybox');
  if (!busybox) throw new LabError('busybox not found (Debian package busybox-static)');
  const work = mkdtempSync(join(tmpdir(), 'swarmgate-probe-'));
  const root = join(work, 'rootfs');
  for (const d of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev', 'root', 'var/www', 'var/tmp']) {
    mkdirSync(join(root, d), { recursive: true });
  }
  copyFileSync(busybox, join(root, 'bin', 'busybox'));
  const applets = runOk(busybox, ['--list'])
    .split('\n')
    .map((a) => a.trim())
    .filter((a) => a && a !== 'busybox' && /^[\w.[-]+$/.test(a));
  for (const a of applets) symlinkSync('busybox', join(root, 'bin', a));
  writeFileSync(
    join(root, 'etc', 'passwd'),
    'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n',
  );
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'var', 'www', 'index.html'), 'swarmgate probe\n');
  chmodSync(join(root, 'tmp'), 0o1777);
  const tar = join(work, 'rootfs.tar');
  runOk('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', root, '-cf', tar, '.']);
  return { tar, cleanup: () => rmSync(work, { recursive: true, force: true }) };
}

interface ImageInspect {
  Id: string;
  Config?: { Labels?: Record<string, string> | null };
}

export async function probeImagePresent(docker: Docker, tag: string): Promise<boolean> {
  try {
    const info = (await docker.getImage(probeRef(tag)).inspect()) as ImageInspect;
    return info.Config?.Labels?.[PROBE_VERSION_LABEL] === tag;
  } catch {
    return false;
  }
}

async function importProbe(docker: Docker, tar: string, tag: string): Promise<void> {
  const stream = await docker.importImage(createReadStream(tar), {
    repo: PROBE_REPO,
    tag,
    changes: [`CMD ${JSON.stringify(PROBE_CMD)}`, `LABEL ${PROBE_VERSION_LABEL}=${tag}`],
  });
  const modem = docker.modem as {
    followProgress(s: NodeJS.ReadableStream, done: (err: Error | null, output: unknown[]) => void): void;
  };
  await new Promise<void>((resolve, reject) => {
    modem.followProgress(stream, (err, output) => {
      if (err) return reject(err);
      const failed = output.find(
        (o): o is { error: string } => typeof o === 'object' && o !== null && 'error' in o,
      );
      if (failed) return reject(new Error(failed.error));
      resolve();
    });
  });
}

/** Imports whichever probe tags the engine lacks; returns the tags imported. */
export async function ensureProbeImages(e: EngineDef, tar: () => string): Promise<string[]> {
  const docker = socketClient(e, 120_000);
  const imported: string[] = [];
  for (const tag of PROBE_TAGS) {
    if (await probeImagePresent(docker, tag)) continue;
    try {
      await importProbe(docker, tar(), tag);
    } catch (err) {
      throw new LabError(`importing ${probeRef(tag)} into ${e.name} failed: ${errorMessage(err)}`);
    }
    if (!(await probeImagePresent(docker, tag))) {
      throw new LabError(`${probeRef(tag)} is not in ${e.name} after importing it`);
    }
    imported.push(tag);
  }
  return imported;
}
