// The tokens the bot sends: one per chat user, carrying the RFC 8693 act chain, so the gateway checks the user's own
// roles and the audit records both who asked (`sub`: the chat user) and through what (`act.sub`: the bot).
//
// This example mints them itself from SWARMGATE_JWT_SECRET (HS256), with the user's tenant and roles from a small
// directory in its configuration. A production bot holds no signing key: it asks the identity provider for a token
// for the chat user with itself as actor (an OAuth 2.0 token exchange, RFC 8693, `actor_token` = the bot's own
// credential), and the provider, not the bot, decides the user's roles. Replace createLocalSigner with such a
// TokenSource; nothing else changes.
import { createSigner } from 'fast-jwt';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A token for a chat user, or an UnknownUserError for a user the bot may not act for. */
export interface TokenSource {
  tokenFor(user: string): Promise<string>;
}

export class UnknownUserError extends Error {
  constructor(user: string) {
    super(`${user} is not in this bot's user directory: ask an admin to add you`);
    this.name = 'UnknownUserError';
  }
}

export interface LocalSignerOptions {
  /** SWARMGATE_JWT_SECRET: the gateway's HS256 secret. */
  secret: string;
  /** The tenant every user of this chat acts in. */
  tenant: string;
  /** Chat user → roles. */
  users: ReadonlyMap<string, readonly Role[]>;
  /** The actor named in `act.sub` (default chatops-bot). */
  botName?: string;
  /** How long a token lives (default 5 minutes): a fresh one is minted for every call. */
  ttlSeconds?: number;
  /** SWARMGATE_JWT_ISSUER / SWARMGATE_JWT_AUDIENCE when the gateway checks them. */
  issuer?: string;
  audience?: string;
}

export function createLocalSigner(options: LocalSignerOptions): TokenSource {
  const sign = createSigner({
    key: options.secret,
    algorithm: 'HS256',
    expiresIn: (options.ttlSeconds ?? 300) * 1000,
    ...(options.issuer ? { iss: options.issuer } : {}),
    ...(options.audience ? { aud: options.audience } : {}),
  });
  const actor = options.botName ?? 'chatops-bot';
  return {
    tokenFor(user) {
      const roles = options.users.get(user);
      if (!roles) return Promise.reject(new UnknownUserError(user));
      return Promise.resolve(
        sign({ sub: user, tenant: options.tenant, roles: [...roles], act: { sub: actor } }),
      );
    },
  };
}

/** The directory as configured: `alice=operator,bob=admin,carol=viewer` (a user may list roles with `+`). */
export function parseUserDirectory(text: string): Map<string, Role[]> {
  const users = new Map<string, Role[]>();
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [user, roles] = entry.split('=');
    if (!user || !roles) throw new Error(`user directory: "${entry}" is not user=role`);
    const parsed = roles.split('+').map((role) => {
      if (!(ROLES as readonly string[]).includes(role)) {
        throw new Error(`user directory: ${user}'s role "${role}" is not one of ${ROLES.join(', ')}`);
      }
      return role as Role;
    });
    users.set(user, parsed);
  }
  return users;
}
