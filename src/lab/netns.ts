// Lab networking: the root-namespace bridge, one network namespace + veth per engine, firewall rules, cut/heal.
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LabError, progress, run, runOk } from './exec.ts';
import { BRIDGE, ENGINES, IPTABLES_COMMENT, NETNS_DIR, type EngineDef } from './topology.ts';

const NS_IFACE = 'eth0';

interface LinkInfo {
  index: number;
  /** ifindex of the veth peer (in the other namespace), when the link is a veth. */
  peerIndex: number | null;
  up: boolean;
  master: string | null;
}

/** Parses one `ip -o link show dev X` line, e.g. `5: sgl-alpha-m1@if2: <BROADCAST,UP> ... master sglab0 ...`. */
function linkInfo(name: string, netns?: string): LinkInfo | null {
  const args = netns ? ['-n', netns, '-o', 'link', 'show', 'dev', name] : ['-o', 'link', 'show', 'dev', name];
  const r = run('ip', args);
  if (r.code !== 0) return null;
  const m = /^(\d+):\s+[^@:\s]+(?:@(?:if(\d+)|[^:\s]+))?:\s+<([^>]*)>(.*)$/m.exec(r.stdout);
  if (!m) return null;
  const flags = (m[3] ?? '').split(',');
  const master = /\smaster\s+(\S+)/.exec(m[4] ?? '');
  return {
    index: Number(m[1]),
    peerIndex: m[2] ? Number(m[2]) : null,
    up: flags.includes('UP'),
    master: master?.[1] ?? null,
  };
}

export function netnsPath(e: EngineDef): string {
  return join(NETNS_DIR, e.netns);
}

/** True when the namespace file exists and really is a namespace (`ip -n` can enter it). */
export function netnsPresent(e: EngineDef): boolean {
  return existsSync(netnsPath(e)) && run('ip', ['-n', e.netns, 'link', 'show', 'lo']).code === 0;
}

/** The nsfs inode of the engine's namespace, to recognise processes living in it. */
export function netnsInode(path: string): number | null {
  try {
    return statSync(path).ino;
  } catch {
    return null;
  }
}

export function ensureBridge(): void {
  // Refuse to fight over the subnet with something else on this machine.
  const addrs = run('ip', ['-4', '-o', 'addr', 'show']).stdout.split('\n');
  const prefix = BRIDGE.address.split('.').slice(0, 3).join('.') + '.';
  for (const line of addrs) {
    const m = /^\d+:\s+(\S+)\s+inet\s+(\S+)/.exec(line);
    if (m && m[1] !== BRIDGE.name && (m[2] ?? '').startsWith(prefix)) {
      throw new LabError(
        `${m[1]} already has ${m[2]} in the lab subnet ${BRIDGE.subnet}; the lab cannot use it`,
      );
    }
  }
  if (!linkInfo(BRIDGE.name)) {
    progress(`creating bridge ${BRIDGE.name} ${BRIDGE.address}/${BRIDGE.prefixLength}`);
    runOk('ip', ['link', 'add', BRIDGE.name, 'type', 'bridge', 'stp_state', '0']);
  }
  const cidr = `${BRIDGE.address}/${BRIDGE.prefixLength}`;
  const own = run('ip', ['-4', '-o', 'addr', 'show', 'dev', BRIDGE.name]).stdout;
  if (!own.includes(` ${cidr} `)) runOk('ip', ['addr', 'replace', cidr, 'dev', BRIDGE.name]);
  runOk('ip', ['link', 'set', BRIDGE.name, 'up']);
}

/**
 * Forwarding rules in the root namespace. With bridge netfilter on, frames crossing the bridge pass
 * the FORWARD chain, whose policy another dockerd may have set to DROP: accept lab-to-lab traffic and
 * drop anything routed into or out of the lab, so the lab can never reach beyond itself.
 */
export const FIREWALL_RULES: readonly (readonly string[])[] = [
  ['-i', BRIDGE.name, '-o', BRIDGE.name, '-m', 'comment', '--comment', IPTABLES_COMMENT, '-j', 'ACCEPT'],
  ['-i', BRIDGE.name, '-m', 'comment', '--comment', IPTABLES_COMMENT, '-j', 'DROP'],
  ['-o', BRIDGE.name, '-m', 'comment', '--comment', IPTABLES_COMMENT, '-j', 'DROP'],
];

/** Lines of `iptables -S` (filter table) that carry the lab's comment. */
export function labFirewallRules(): string[] {
  const r = run('iptables', ['-w', '5', '-S']);
  if (r.code !== 0) return [];
  return r.stdout.split('\n').filter((l) => l.includes(`--comment ${IPTABLES_COMMENT}`));
}

export function removeFirewallRules(): void {
  for (const line of labFirewallRules()) {
    const args = line.trim().split(/\s+/);
    if (args[0] !== '-A') continue;
    args[0] = '-D';
    run('iptables', ['-w', '5', ...args]);
  }
}

export function ensureFirewall(): void {
  const expected = FIREWALL_RULES.map((r) => ['-A', 'FORWARD', ...r].join(' '));
  const present = labFirewallRules();
  if (present.length === expected.length && present.every((l, i) => l === expected[i])) return;
  removeFirewallRules();
  // Insert at the top, in order, so they are evaluated before anything another dockerd added.
  FIREWALL_RULES.forEach((rule, i) =>
    runOk('iptables', ['-w', '5', '-I', 'FORWARD', String(i + 1), ...rule]),
  );
  const after = labFirewallRules();
  if (!(after.length === expected.length && after.every((l, i) => l === expected[i]))) {
    throw new LabError(`iptables rules not as expected after adding them:\n${after.join('\n')}`);
  }
  progress('iptables FORWARD rules for the lab bridge in place');
}

/** Creates or repairs the engine's namespace, veth pair, address and routes. Idempotent. */
export function ensureEngineNetwork(e: EngineDef): void {
  if (existsSync(netnsPath(e)) && !netnsPresent(e)) {
    run('ip', ['netns', 'del', e.netns]);
    rmSync(netnsPath(e), { force: true });
  }
  if (!existsSync(netnsPath(e))) runOk('ip', ['netns', 'add', e.netns]);

  const host = linkInfo(e.veth);
  const inner = linkInfo(NS_IFACE, e.netns);
  const paired =
    host !== null && inner !== null && host.peerIndex === inner.index && inner.peerIndex === host.index;
  if (!paired) {
    if (host) run('ip', ['link', 'del', e.veth]);
    if (inner) run('ip', ['-n', e.netns, 'link', 'del', NS_IFACE]);
    runOk('ip', ['link', 'add', e.veth, 'type', 'veth', 'peer', 'name', NS_IFACE, 'netns', e.netns]);
  }
  const hostNow = linkInfo(e.veth);
  if (hostNow?.master !== BRIDGE.name) runOk('ip', ['link', 'set', e.veth, 'master', BRIDGE.name]);
  if (!hostNow?.up) runOk('ip', ['link', 'set', e.veth, 'up']);

  runOk('ip', ['-n', e.netns, 'link', 'set', 'lo', 'up']);
  const cidr = `${e.address}/${BRIDGE.prefixLength}`;
  const addrs = run('ip', ['-n', e.netns, '-4', '-o', 'addr', 'show', 'dev', NS_IFACE]).stdout;
  if (!addrs.includes(` ${cidr} `)) {
    runOk('ip', ['-n', e.netns, 'addr', 'flush', 'dev', NS_IFACE]);
    runOk('ip', ['-n', e.netns, 'addr', 'add', cidr, 'dev', NS_IFACE]);
  }
  runOk('ip', ['-n', e.netns, 'link', 'set', NS_IFACE, 'up']);
  // The only way out of a lab host is the lab subnet: never a default route (see LAB-NOTES).
  for (const family of ['-4', '-6'] as const) {
    while (defaultRoutes(e, family).length > 0) {
      if (run('ip', ['-n', e.netns, family, 'route', 'del', 'default']).code !== 0) break;
    }
  }
}

export function defaultRoutes(e: EngineDef, family: '-4' | '-6' = '-4'): string[] {
  const r = run('ip', ['-n', e.netns, family, 'route', 'show', 'default']);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

export type LinkState = 'up' | 'cut' | 'missing';

export function linkState(e: EngineDef): LinkState {
  const host = linkInfo(e.veth);
  if (!host) return 'missing';
  return host.up ? 'up' : 'cut';
}

/** Cut = the host side of the engine's veth goes down: the engine keeps running but hears nothing. */
export function setLink(e: EngineDef, up: boolean): void {
  if (!linkInfo(e.veth)) {
    throw new LabError(`${e.name} has no network link (${e.veth}); is the lab up? run npm run lab -- up`);
  }
  runOk('ip', ['link', 'set', e.veth, up ? 'up' : 'down']);
}

export function ensureAllNetworks(): void {
  ensureBridge();
  ensureFirewall();
  for (const e of ENGINES) ensureEngineNetwork(e);
  progress(`network: bridge ${BRIDGE.name}, ${ENGINES.length} namespaces with veths, no default routes`);
}
