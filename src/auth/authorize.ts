// Role checks: what a principal may do. Callers load objects within the principal's tenant first
// (another tenant's object is NOT_FOUND, so existence does not leak) and only then check the role here (FORBIDDEN).
import { forbidden } from '../errors.ts';
import { TENANT_ROLES, type Principal, type TenantRole } from './principal.ts';

const RANK: Readonly<Record<TenantRole, number>> = { viewer: 0, operator: 1, admin: 2 };

export function isPlatformAdmin(principal: Principal): boolean {
  return principal.roles.includes('platform-admin');
}

/** True when the principal holds `role` or a stronger one; platform-admin holds every tenant role. */
export function hasRole(principal: Principal, role: TenantRole): boolean {
  if (isPlatformAdmin(principal)) return true;
  return principal.roles.some((held) => held !== 'platform-admin' && RANK[held] >= RANK[role]);
}

/**
 * Throws FORBIDDEN unless the principal holds `role` (or a stronger one). `action`, when given, names what was
 * refused ("drain a node") so the message tells the caller what to ask their identity provider for.
 */
export function requireRole(principal: Principal, role: TenantRole, action?: string): void {
  if (hasRole(principal, role)) return;
  const stronger = TENANT_ROLES.filter((r) => RANK[r] > RANK[role]);
  const accepted = [role, ...stronger].join(' or ');
  const what = action ? `to ${action} ` : '';
  throw forbidden(
    `the ${role} role is needed ${what}in tenant "${principal.tenant}" (${accepted}); ` +
      `the token grants ${describeRoles(principal)}`,
  );
}

/** Throws FORBIDDEN unless the principal is a platform-admin (tenant management). */
export function requirePlatformAdmin(principal: Principal, action?: string): void {
  if (isPlatformAdmin(principal)) return;
  const what = action ? ` to ${action}` : '';
  throw forbidden(`the platform-admin role is needed${what}; the token grants ${describeRoles(principal)}`);
}

/** Whether objects of `tenantSlug` exist for this principal at all; false means answer NOT_FOUND. */
export function canSeeTenant(principal: Principal, tenantSlug: string): boolean {
  return principal.tenant === tenantSlug || isPlatformAdmin(principal);
}

function describeRoles(principal: Principal): string {
  return principal.roles.length === 0 ? 'no role' : principal.roles.join(', ');
}
