// Prerequisites of `up`: root, the Debian packages the lab needs (installed with apt-get), kernel features.
import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { LabError, progress, run } from './exec.ts';

const BIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

interface Requirement {
  /** What must exist (a command name looked up in BIN_DIRS). */
  command: string;
  pkg: string;
  /** Extra condition beyond existence, e.g. "busybox must be statically linked". */
  check?: (path: string) => string | null;
}

const REQUIREMENTS: readonly Requirement[] = [
  { command: 'dockerd', pkg: 'docker.io' },
  { command: 'containerd', pkg: 'containerd' },
  { command: 'containerd-shim-runc-v2', pkg: 'containerd' },
  { command: 'runc', pkg: 'runc' },
  { command: 'busybox', pkg: 'busybox-static', check: (p) => (isStaticElf(p) ? null : `${p} is not static`) },
  { command: 'ip', pkg: 'iproute2' },
  { command: 'iptables', pkg: 'iptables' },
  { command: 'openssl', pkg: 'openssl' },
  { command: 'nsenter', pkg: 'util-linux' },
  { command: 'unshare', pkg: 'util-linux' },
  { command: 'tar', pkg: 'tar' },
  { command: 'umount', pkg: 'mount' },
];

export function findCommand(command: string): string | null {
  for (const dir of BIN_DIRS) {
    const p = `${dir}/${command}`;
    if (existsSync(p)) return p;
  }
  return null;
}

/** True when the ELF file has no PT_INTERP program header (runs inside an empty rootfs). */
export function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(64);
    readSync(fd, head, 0, 64, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46) return false;
    const is64 = head[4] === 2;
    const phoff = is64 ? Number(head.readBigUInt64LE(0x20)) : head.readUInt32LE(0x1c);
    const phentsize = head.readUInt16LE(is64 ? 0x36 : 0x2a);
    const phnum = head.readUInt16LE(is64 ? 0x38 : 0x2c);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    for (let i = 0; i < phnum; i++) {
      if (table.readUInt32LE(i * phentsize) === 3) return false; // PT_INTERP
    }
    return true;
  } finally {
    closeSync(fd);
  }
}

function missingPackages(): { pkgs: string[]; reasons: string[] } {
  const pkgs = new Set<string>();
  const reasons: string[] = [];
  for (const req of REQUIREMENTS) {
    const path = findCommand(req.command);
    const problem = path === null ? `${req.command} not found` : (req.check?.(path) ?? null);
    if (problem !== null) {
      pkgs.add(req.pkg);
      reasons.push(`${problem} (Debian package ${req.pkg})`);
    }
  }
  return { pkgs: [...pkgs], reasons };
}

export function requireRoot(command: string): void {
  if (process.getuid?.() !== 0) {
    throw new LabError(
      `lab ${command} must run as root (it creates network namespaces, bridges, iptables rules and ` +
        `starts dockerd): run it as root, e.g. sudo npm run lab -- ${command}`,
    );
  }
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/** Installs what is missing with apt-get, with a policy-rc.d that keeps the packages from starting daemons. */
export function ensurePackages(): void {
  const first = missingPackages();
  if (first.pkgs.length === 0) {
    progress('prerequisites present');
    return;
  }
  const aptGet = findCommand('apt-get');
  if (aptGet === null) {
    throw new LabError(
      `missing prerequisites and no apt-get to install them:\n  ${first.reasons.join('\n  ')}\n` +
        `install the Debian packages ${first.pkgs.join(' ')} (or their equivalents) and run up again`,
    );
  }
  progress(`installing ${first.pkgs.join(' ')} with apt-get (${first.reasons.join('; ')})`);
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    DEBIAN_FRONTEND: 'noninteractive',
    LANG: 'C.UTF-8',
  };
  const previousPolicy = existsSync(POLICY_RC_D) ? readFileSync(POLICY_RC_D) : null;
  writeFileSync(POLICY_RC_D, '#!/bin/sh\n# written by the swarmgate lab during apt-get install\nexit 101\n', {
    mode: 0o755,
  });
  let lastError = '';
  try {
    const install = (): boolean => {
      const r = run(aptGet, ['install', '-y', '--no-install-recommends', ...first.pkgs], {
        env,
        timeoutMs: 20 * 60_000,
      });
      lastError = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
      return r.code === 0;
    };
    const listsEmpty =
      !existsSync('/var/lib/apt/lists') ||
      readdirSync('/var/lib/apt/lists').filter((f) => f.endsWith('Packages') || f.endsWith('Packages.lz4'))
        .length === 0;
    let ok = !listsEmpty && install();
    if (!ok) {
      progress('apt-get update (package lists empty or install failed)');
      const u = run(aptGet, ['update'], { env, timeoutMs: 10 * 60_000 });
      if (u.code !== 0) lastError = (u.stderr || u.stdout).trim().split('\n').slice(-5).join('\n');
      ok = install();
    }
  } finally {
    if (previousPolicy === null) rmSync(POLICY_RC_D, { force: true });
    else writeFileSync(POLICY_RC_D, previousPolicy, { mode: 0o755 });
  }
  const after = missingPackages();
  if (after.pkgs.length > 0) {
    throw new LabError(
      `could not install the lab's prerequisites:\n  ${after.reasons.join('\n  ')}\n` +
        `apt-get said:\n${lastError}\n` +
        `install them by hand (apt-get install ${after.pkgs.join(' ')}) and run up again`,
    );
  }
  progress('prerequisites installed');
}

/** overlay2 needs the kernel's overlay filesystem; without it the engines fall back to vfs (slow but works). */
export function overlaySupported(): boolean {
  const has = (): boolean => /\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'));
  if (has()) return true;
  run('modprobe', ['overlay']);
  return has();
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * dockerd 20.10 uses a running containerd at /run/containerd/containerd.sock instead of starting its
 * own; all engines would then share it. Refuse to start in that case.
 */
export async function ensureNoSystemContainerd(): Promise<void> {
  const sock = '/run/containerd/containerd.sock';
  if (!existsSync(sock)) return;
  if (!(await socketAnswers(sock))) {
    // dockerd only checks that the file exists, so a dead socket would make every engine fail.
    progress(`removing stale ${sock} (nothing listens on it)`);
    rmSync(sock, { force: true });
    return;
  }
  throw new LabError(
    `a system containerd is running at ${sock}; dockerd 20.10 would share it between all lab engines. ` +
      `Stop it first (e.g. "service docker stop; service containerd stop", or kill the containerd process)`,
  );
}
