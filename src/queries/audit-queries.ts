// Audit reads both doors share: which tenants the caller may see, filtered pages (as views), exports and chain checks.
import { requirePlatformAdmin, requireRole } from '../auth/authorize.ts';
import type { Principal } from '../auth/principal.ts';
import type { AuditStore, ChainReport } from '../audit/store.ts';
import type { AuditFilter, AuditPhase } from '../audit/types.ts';
import { badInput } from '../errors.ts';
import type { Page } from './pagination.ts';
import { toAuditEventView, type AuditEventView } from './views.ts';

export interface AuditQueryFilter extends Omit<AuditFilter, 'outcome'> {
  /** Upper- or lower-case outcome name. */
  outcome?: string | null | undefined;
  /** platform-admin only. */
  tenant?: string | null | undefined;
}

const OUTCOMES = new Set<AuditPhase>(['requested', 'succeeded', 'failed', 'refused']);

/** The tenants whose events the caller may read: its own, or (platform-admin) all or the one asked for. */
export function auditTenants(principal: Principal, tenant?: string | null): string[] | null {
  requireRole(principal, 'viewer', 'read the audit log');
  if (principal.roles.includes('platform-admin')) return tenant ? [tenant] : null;
  if (tenant && tenant !== principal.tenant) {
    requirePlatformAdmin(principal, "read another tenant's audit log");
  }
  return [principal.tenant];
}

export function toStoreFilter(filter: AuditQueryFilter | null | undefined): AuditFilter {
  const { tenant: _tenant, outcome, ...rest } = filter ?? {};
  const phase = outcome?.toLowerCase();
  if (phase !== undefined && !OUTCOMES.has(phase as AuditPhase)) {
    throw badInput('outcome must be one of REQUESTED, SUCCEEDED, FAILED, REFUSED');
  }
  return { ...rest, outcome: phase as AuditPhase | undefined };
}

/** A page of the events the caller may read, newest first, as views. */
export async function listAuditEvents(
  audit: AuditStore,
  principal: Principal,
  filter: AuditQueryFilter | null | undefined,
  first?: number | null,
  after?: string | null,
): Promise<Pick<Page<AuditEventView>, 'items' | 'pageInfo'>> {
  const page = await audit.list(
    auditTenants(principal, filter?.tenant),
    toStoreFilter(filter),
    first ?? 50,
    after,
  );
  return { items: page.items.map(toAuditEventView), pageInfo: page.pageInfo };
}

export async function auditIntegrity(
  audit: AuditStore,
  principal: Principal,
  tenant?: string | null,
): Promise<{ ok: boolean; tenants: ChainReport[] }> {
  const tenants = auditTenants(principal, tenant);
  const reports =
    tenants === null
      ? await audit.verify()
      : (await Promise.all(tenants.map((name) => audit.verify(name)))).flat();
  return { ok: reports.every((report) => report.ok), tenants: reports };
}
