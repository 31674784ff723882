// The service a service job acts on, as its operation resolved it when the job was requested.
import type { JobContext } from '../processor.ts';

/** The service id the operation's precheck recorded in the job's target. */
export function serviceIdOf(ctx: JobContext): string {
  const id = ctx.job.target.serviceId;
  if (typeof id !== 'string' || !id) throw new Error(`job ${ctx.job.type} has no service id in its target`);
  return id;
}

/**
 * Docker's version of the service when the job was requested. A different version now means the service was
 * written since: perhaps by this very job before a crash, which must not apply its change a second time.
 */
export function requestedVersionOf(ctx: JobContext): number | null {
  const version = ctx.job.target.serviceVersion;
  return typeof version === 'number' ? version : null;
}
