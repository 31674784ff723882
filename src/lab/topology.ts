// The lab's fixed shape: engines, swarms, addresses, names and paths (the single source of truth).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type SwarmName = 'alpha' | 'beta';
export type EngineRole = 'manager' | 'worker';

/** Repository root, found from this file's location so the CLI works from any cwd. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LAB_VAR_DIR = join(REPO_ROOT, 'var', 'lab');
export const INVENTORY_PATH = join(LAB_VAR_DIR, 'inventory.json');
export const CERTS_DIR = join(LAB_VAR_DIR, 'certs');
export const LOGS_DIR = join(LAB_VAR_DIR, 'logs');

/** Engine data roots (overlay2 layers, swarm raft state). Kept short: socket paths must stay < 108 chars. */
export const DATA_ROOT_BASE = '/var/lib/swarmgate-lab';
/** Engine exec roots: sockets, pidfiles, containerd state, docker-made netns files. */
export const EXEC_ROOT_BASE = '/run/swarmgate-lab';
/** Parent cgroup of every lab container, so teardown finds orphaned container processes. */
export const CGROUP_PARENT_BASE = '/swarmgate-lab';
export const CGROUP_FS_ROOT = '/sys/fs/cgroup';
export const NETNS_DIR = '/run/netns';
/** Tag carried by every iptables rule the lab adds, so `down` removes exactly those. */
export const IPTABLES_COMMENT = 'swarmgate-lab';

export const BRIDGE = {
  name: 'sglab0',
  address: '192.168.77.1',
  prefixLength: 24,
  subnet: '192.168.77.0/24',
} as const;

export const ENGINE_TLS_PORT = 2376;
export const SWARM_PORT = 2377;
/** Dispatcher heartbeat: short so a stopped node is marked Down within seconds (Docker's default is 5s). */
export const SWARM_HEARTBEAT_NS = 2_000_000_000;

export const PROBE_REPO = 'swarmgate/probe';
export const PROBE_TAGS = ['1', '2'] as const;

export interface EngineDef {
  name: string;
  address: string;
  swarm: SwarmName | null;
  role: EngineRole | null;
  /** Network namespace name, file under /run/netns. */
  netns: string;
  /** Host-side veth in the root namespace, enslaved to the bridge (max 15 chars). */
  veth: string;
  dataRoot: string;
  execRoot: string;
  socket: string;
  pidfile: string;
  daemonConfig: string;
  logFile: string;
  cgroupParent: string;
  certDir: string;
}

export interface SwarmDef {
  name: SwarmName;
  managers: string[];
  workers: string[];
}

function engine(
  name: string,
  hostOctet: number,
  swarm: SwarmName | null,
  role: EngineRole | null,
): EngineDef {
  const execRoot = join(EXEC_ROOT_BASE, name);
  return {
    name,
    address: `192.168.77.${hostOctet}`,
    swarm,
    role,
    netns: `sglab-${name}`,
    veth: `sgl-${name}`,
    dataRoot: join(DATA_ROOT_BASE, name),
    execRoot,
    socket: join(execRoot, 'docker.sock'),
    pidfile: join(execRoot, 'docker.pid'),
    daemonConfig: join(execRoot, 'daemon.json'),
    logFile: join(LOGS_DIR, `${name}.log`),
    cgroupParent: `${CGROUP_PARENT_BASE}/${name}`,
    certDir: join(CERTS_DIR, name),
  };
}

export const ENGINES: readonly EngineDef[] = [
  engine('alpha-m1', 11, 'alpha', 'manager'),
  engine('alpha-m2', 12, 'alpha', 'manager'),
  engine('alpha-m3', 13, 'alpha', 'manager'),
  engine('alpha-w1', 14, 'alpha', 'worker'),
  engine('alpha-w2', 15, 'alpha', 'worker'),
  engine('beta-m1', 21, 'beta', 'manager'),
  engine('beta-w1', 22, 'beta', 'worker'),
  engine('spare-1', 31, null, null),
  engine('spare-2', 32, null, null),
];

export const SWARMS: readonly SwarmDef[] = (['alpha', 'beta'] as const).map((name) => ({
  name,
  managers: ENGINES.filter((e) => e.swarm === name && e.role === 'manager').map((e) => e.name),
  workers: ENGINES.filter((e) => e.swarm === name && e.role === 'worker').map((e) => e.name),
}));

export function findEngine(name: string): EngineDef | undefined {
  return ENGINES.find((e) => e.name === name);
}

export function mustEngine(name: string): EngineDef {
  const e = findEngine(name);
  if (!e) throw new Error(`unknown lab engine ${name}`);
  return e;
}

for (const e of ENGINES) {
  if (e.veth.length > 15) throw new Error(`veth name ${e.veth} is longer than 15 characters`);
  if (e.socket.length >= 100) throw new Error(`socket path ${e.socket} is too long for a unix socket`);
}
