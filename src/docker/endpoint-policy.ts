// The engine endpoint policy: which endpoints a principal may hand the gateway, and where they may point. Every input
// that carries an endpoint (registerSwarm, updateSwarm, initSwarm, joinNode, leaveSwarm) goes through check().
//
// Tenant roles give `tcp://HOST:PORT` with mutual TLS only, to an address that is not loopback, link-local,
// unspecified, multicast or broadcast (IPv4-mapped IPv6 forms included), and, when SWARMGATE_ENGINE_NETWORKS is set,
// inside one of those networks. `unix://`, plain tcp and the addresses above are platform-admin's. Host names are
// resolved first and every address they resolve to is checked; the endpoint then carries the checked address, which
// is what the gateway connects to, so a name cannot resolve to a checked address now and to loopback later.
// Addresses are parsed and matched with node's own net.isIP and net.BlockList (no dependency to add).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { isPlatformAdmin } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import { badInput } from '../errors.ts';
import { withTimeout } from '../util/timeout.ts';
import { parseEndpoint, type EngineEndpoint } from './endpoint.ts';

export interface EndpointPolicyOptions {
  /** CIDRs a tenant's engine address must fall in; empty: any address the fixed rules allow. */
  networks: readonly string[];
  /** Name resolution (every address of a name); node's dns.lookup with `all: true` unless a test gives another. */
  resolve?: (host: string) => Promise<string[]>;
  /** Bound of one resolution. */
  resolveTimeoutMs?: number;
}

export interface EndpointPolicy {
  /**
   * Checks one endpoint `principal` gave in `field` and returns it normalized, with the checked address pinned.
   * BAD_INPUT naming the field and the rule when it is refused.
   */
  check(endpoint: EngineEndpoint, principal: Principal, field?: string): Promise<EngineEndpoint>;
  /** check() of each endpoint of a list (`endpoints[0]`, ...). */
  checkAll(
    endpoints: readonly EngineEndpoint[],
    principal: Principal,
    field?: string,
  ): Promise<EngineEndpoint[]>;
}

const MAX_ADDRESSES = 16;

/** Addresses no tenant's engine may have, whatever SWARMGATE_ENGINE_NETWORKS says. */
const FORBIDDEN: readonly { cidr: string; family: 'ipv4' | 'ipv6'; what: string }[] = [
  { cidr: '0.0.0.0/8', family: 'ipv4', what: 'an unspecified ("this network") address' },
  { cidr: '127.0.0.0/8', family: 'ipv4', what: 'a loopback address' },
  { cidr: '169.254.0.0/16', family: 'ipv4', what: 'a link-local address' },
  { cidr: '224.0.0.0/4', family: 'ipv4', what: 'a multicast address' },
  { cidr: '240.0.0.0/4', family: 'ipv4', what: 'a reserved or broadcast address' },
  { cidr: '::/128', family: 'ipv6', what: 'an unspecified address' },
  { cidr: '::1/128', family: 'ipv6', what: 'a loopback address' },
  // IPv4-compatible addresses (deprecated): ::127.0.0.1 must not reach loopback through a lenient stack.
  { cidr: '::/96', family: 'ipv6', what: 'an IPv4-compatible address' },
  { cidr: 'fe80::/10', family: 'ipv6', what: 'a link-local address' },
  { cidr: 'ff00::/8', family: 'ipv6', what: 'a multicast address' },
];

const forbiddenLists = FORBIDDEN.map((rule) => {
  const list = new BlockList();
  const [network, bits] = rule.cidr.split('/') as [string, string];
  list.addSubnet(network, Number(bits), rule.family);
  return { list, what: rule.what };
});

/**
 * The address as the policy matches it: IPv6 canonical and lower case, an IPv4-mapped IPv6 address (::ffff:a.b.c.d,
 * in any of its spellings) as the IPv4 address it maps, since that is what a connection to it reaches.
 */
export function canonicalAddress(address: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const family = isIP(address);
  if (family === 4) return { address, family: 'ipv4' };
  if (family !== 6) return null;
  // The WHATWG URL parser writes IPv6 in its canonical compressed form, and IPv4-mapped as ::ffff:HHHH:HHHH.
  const canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return { address: [high >> 8, high & 255, low >> 8, low & 255].join('.'), family: 'ipv4' };
  }
  return { address: canonical, family: 'ipv6' };
}

/** Why no tenant may give this (canonical) address, or null when the fixed rules allow it. */
export function forbiddenReason(address: { address: string; family: 'ipv4' | 'ipv6' }): string | null {
  for (const { list, what } of forbiddenLists) if (list.check(address.address, address.family)) return what;
  return null;
}

async function resolveAll(host: string): Promise<string[]> {
  const answers = await lookup(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}

export function createEndpointPolicy(options: EndpointPolicyOptions): EndpointPolicy {
  const allowed = new BlockList();
  for (const cidr of options.networks) {
    const [network, bits] = cidr.split('/') as [string, string];
    const parsed = canonicalAddress(network);
    if (parsed) allowed.addSubnet(parsed.address, Number(bits), parsed.family);
  }
  const networksText = options.networks.join(', ');
  const resolve = options.resolve ?? resolveAll;
  const resolveTimeoutMs = options.resolveTimeoutMs ?? 5000;

  async function addressesOf(host: string, field: string): Promise<string[]> {
    if (isIP(host)) return [host];
    let addresses: string[];
    try {
      addresses = await withTimeout(resolve(host), resolveTimeoutMs, `resolving ${host}`);
    } catch {
      throw badInput(
        `${field}.url: the host name ${host} does not resolve; give a name that does, or an IP address`,
      );
    }
    if (addresses.length === 0) throw badInput(`${field}.url: the host name ${host} resolves to no address`);
    return addresses.slice(0, MAX_ADDRESSES);
  }

  const policy: EndpointPolicy = {
    async check(endpoint, principal, field = 'endpoint') {
      const parsed = parseEndpoint(endpoint, field);
      const admin = isPlatformAdmin(principal);
      if (parsed.kind === 'unix') {
        if (!admin) {
          throw badInput(
            `${field}.url: unix sockets are for platform-admin only; give the engine's tcp://HOST:PORT endpoint ` +
              'with mutual TLS (tls: ca, cert, key)',
          );
        }
        return { url: parsed.url, platformGranted: true };
      }
      if (!parsed.tls && !admin) {
        throw badInput(
          `${field}.tls (ca, cert, key) is required: tenants reach engines over mutual TLS only (plain tcp is for ` +
            'platform-admin)',
        );
      }
      const addresses = await addressesOf(parsed.host, field);
      const checked: string[] = [];
      for (const raw of addresses) {
        const address = canonicalAddress(raw);
        if (!address)
          throw badInput(`${field}.url: ${parsed.host} resolves to something that is not an IP address`);
        if (!admin) {
          const reason = forbiddenReason(address);
          if (reason) {
            throw badInput(
              `${field}.url: ${parsed.host === raw ? parsed.host : `${parsed.host} resolves to ${raw}, which`} is ` +
                `${reason}; tenants' engines must be at routable addresses (such endpoints are for platform-admin)`,
            );
          }
          if (options.networks.length > 0 && !allowed.check(address.address, address.family)) {
            throw badInput(
              `${field}.url: ${parsed.host === raw ? parsed.host : `${parsed.host} resolves to ${raw}, which`} is ` +
                `outside the networks where this gateway reaches tenants' engines (${networksText})`,
            );
          }
        }
        checked.push(address.address);
      }
      // The first address (in the resolver's order) is the one connected to, now and later.
      return {
        url: parsed.url,
        ...(parsed.tls ? { tls: parsed.tls } : {}),
        address: checked[0]!,
        ...(admin ? { platformGranted: true } : {}),
      };
    },

    async checkAll(endpoints, principal, field = 'endpoints') {
      const checked: EngineEndpoint[] = [];
      for (const [index, endpoint] of endpoints.entries()) {
        checked.push(await policy.check(endpoint, principal, `${field}[${index}]`));
      }
      return checked;
    },
  };
  return policy;
}

/**
 * The fixed rules again for an endpoint stored earlier (a job's input), before the gateway connects to it: not to a
 * unix socket, plain tcp or a forbidden address unless the job was requested by a platform-admin. No name is resolved:
 * an endpoint checked by check() connects to its pinned address, and one without (stored before the policy) is held to
 * its host being an address the rules allow.
 */
/**
 * Why a registered swarm's stored endpoint must not be used, or null: one a tenant could not give today (a unix
 * socket, plain tcp, a loopback or link-local address) that no platform-admin gave, such as an endpoint a tenant
 * registered before the policy existed. A platform-admin registers it again (updateSwarm) to allow it.
 */
export function storedEndpointRefusal(endpoint: EngineEndpoint): string | null {
  if (endpoint.platformGranted) return null;
  let parsed: ReturnType<typeof parseEndpoint>;
  try {
    parsed = parseEndpoint(endpoint);
  } catch {
    return STORED_REFUSAL;
  }
  if (parsed.kind === 'unix' || !parsed.tls) return STORED_REFUSAL;
  const address = canonicalAddress(endpoint.address ?? parsed.host);
  // A host name stored before the policy (no pinned address) is allowed only as a routable IP address.
  if (!address || forbiddenReason(address)) return STORED_REFUSAL;
  return null;
}

const STORED_REFUSAL =
  'not used: only a platform-admin may give such an endpoint (a unix socket, plain tcp, loopback or link-local), ' +
  'and none gave this one; a platform-admin registers it again with updateSwarm, or an admin replaces it with a ' +
  'tcp:// endpoint with mutual TLS';

export function recheckStoredEndpoint(endpoint: EngineEndpoint, roles: readonly string[]): void {
  if (roles.includes('platform-admin')) return;
  const parsed = parseEndpoint(endpoint);
  const refuse = () =>
    badInput(
      `the endpoint ${parsed.url} of this job is not one a tenant may use (tcp:// with mutual TLS to a routable ` +
        'address); request the operation again with such an endpoint',
    );
  if (parsed.kind === 'unix' || !parsed.tls) throw refuse();
  const address = canonicalAddress(endpoint.address ?? parsed.host);
  if (!address || forbiddenReason(address)) throw refuse();
}
