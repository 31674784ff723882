// Who is calling: the Principal type and the parser that turns a verified token's claims into one.
import { unauthenticated } from '../errors.ts';
import { isCleanText } from '../util/control-characters.ts';

/** Roles that act inside the principal's own tenant, weakest first. */
export const TENANT_ROLES = ['viewer', 'operator', 'admin'] as const;
export type TenantRole = (typeof TENANT_ROLES)[number];

/** Every role a token may carry; `platform-admin` acts across tenants. */
export const ROLES = [...TENANT_ROLES, 'platform-admin'] as const;
export type Role = (typeof ROLES)[number];

export interface Principal {
  /** The `sub` claim: the person or service the request is made for. */
  readonly sub: string;
  /** The `tenant` claim: slug of the tenant the request acts in. */
  readonly tenant: string;
  readonly roles: readonly Role[];
  /** The RFC 8693 `act` chain flattened, nearest actor first (the bot that sent this request). */
  readonly actors: readonly string[];
  /** The `jti` claim, when the issuer sets one. */
  readonly tokenId?: string;
}

// Same rule as the tenants.slug CHECK constraint, so a token can never name a tenant that cannot exist.
const TENANT_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
// A longer delegation chain is not something any of our bots produce; refusing it bounds the work per request.
const MAX_ACTOR_DEPTH = 8;
const MAX_CLAIM_LENGTH = 256;

/** Where a `platform-admin` role may come from (SWARMGATE_PLATFORM_TENANT, SWARMGATE_PLATFORM_ISSUER). */
export interface PlatformTrust {
  tenant: string;
  /** When set, the token's `iss` must be this too. */
  issuer: string | undefined;
}

/**
 * Builds the Principal from claims whose signature, expiry, issuer and audience were already verified.
 * Throws UNAUTHENTICATED naming the claim at fault: a token without a usable identity is not a login.
 * `platform-admin` is kept only from a token of the platform tenant (and, when configured, the platform issuer):
 * any tenant's identity provider may put the word in a token, and a tenant's own admin must not become everyone's.
 * Elsewhere the role is dropped and the token keeps its other roles.
 */
export function principalFromClaims(claims: unknown, platform: PlatformTrust): Principal {
  if (!isRecord(claims)) throw refused('its payload is not a JSON object of claims');
  const sub = requiredString(claims, 'sub', 'the principal the request is made for');
  const tenant = requiredString(claims, 'tenant', 'the slug of the tenant the request acts in');
  if (!TENANT_SLUG.test(tenant)) {
    throw refused('claim "tenant" is not a tenant slug (lowercase letters, digits and dashes, at most 63)');
  }
  const roles = parseRoles(claims.roles);
  const principal: Principal = {
    sub,
    tenant,
    roles:
      roles.includes('platform-admin') && !fromPlatform(claims, tenant, platform)
        ? roles.filter((role) => role !== 'platform-admin')
        : roles,
    actors: parseActors(claims.act),
  };
  if (claims.jti === undefined) return principal;
  if (
    typeof claims.jti !== 'string' ||
    claims.jti === '' ||
    claims.jti.length > MAX_CLAIM_LENGTH ||
    !isCleanText(claims.jti)
  ) {
    throw refused('claim "jti" must be a non-empty string when present');
  }
  return { ...principal, tokenId: claims.jti };
}

function fromPlatform(claims: Record<string, unknown>, tenant: string, platform: PlatformTrust): boolean {
  if (tenant !== platform.tenant) return false;
  return platform.issuer === undefined || claims.iss === platform.issuer;
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

function parseRoles(value: unknown): Role[] {
  if (value === undefined) {
    throw refused(
      `claim "roles" is missing: it must be an array of ${ROLES.map((r) => `"${r}"`).join(', ')}`,
    );
  }
  if (!Array.isArray(value)) throw refused('claim "roles" must be an array of role names');
  const roles = new Set<Role>();
  for (const role of value as unknown[]) {
    if (!isRole(role)) {
      // The value comes from a verified token, so naming it helps the issuer's admin without leaking anything.
      const shown = typeof role === 'string' ? `"${role.slice(0, 40)}"` : typeof role;
      throw refused(`claim "roles" holds ${shown}, which is not one of ${ROLES.join(', ')}`);
    }
    roles.add(role);
  }
  return [...roles];
}

/** RFC 8693 §4.1: `act.sub` is the current actor, `act.act.sub` the one before it, and so on. */
function parseActors(value: unknown): string[] {
  const actors: string[] = [];
  let act = value;
  while (act !== undefined) {
    if (actors.length === MAX_ACTOR_DEPTH) {
      throw refused(`claim "act" nests more than ${MAX_ACTOR_DEPTH} actors`);
    }
    if (!isRecord(act)) throw refused('claim "act" must be an object such as {"sub": "chatops-bot"}');
    const sub = act.sub;
    if (typeof sub !== 'string' || sub.trim() === '' || sub.length > MAX_CLAIM_LENGTH || !isCleanText(sub)) {
      throw refused('claim "act" must name its actor in a non-empty "sub", e.g. {"sub": "chatops-bot"}');
    }
    actors.push(sub);
    act = act.act;
  }
  return actors;
}

function requiredString(claims: Record<string, unknown>, name: string, meaning: string): string {
  const value = claims[name];
  if (value === undefined) throw refused(`claim "${name}" is missing: it must hold ${meaning}`);
  if (typeof value !== 'string' || value.trim() === '') {
    throw refused(`claim "${name}" must be a non-empty string holding ${meaning}`);
  }
  if (value.length > MAX_CLAIM_LENGTH) {
    throw refused(`claim "${name}" is longer than ${MAX_CLAIM_LENGTH} characters`);
  }
  // The principal is written to every audit event and log line it causes: a NUL or an escape sequence has no place.
  if (!isCleanText(value)) throw refused(`claim "${name}" holds a control character`);
  return value;
}

function refused(reason: string) {
  return unauthenticated(`bearer token refused: ${reason}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
