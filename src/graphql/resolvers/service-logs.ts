// The serviceLogs subscription: a follow of a service's logs through the same operation as the REST stream
// (src/operations/service-logs.ts), each item a ServiceLogLine; the item a bound ended the stream with is the last.
import { operationDepsOf } from '../../operations/deps.ts';
import { serviceLogs, type ServiceLogItem } from '../../operations/service-logs.ts';
import type { ServiceLogLine, SubscriptionResolvers } from '../generated/types.ts';
import { subscriberOf, type SubscriptionContext } from '../subscriptions.ts';

type Payload = { serviceLogs: ServiceLogLine };

export const serviceLogSubscriptions: Pick<SubscriptionResolvers<SubscriptionContext>, 'serviceLogs'> = {
  serviceLogs: {
    subscribe: async (_root, args, context) => {
      const principal = await subscriberOf(context);
      const { request } = context;
      const timestamps = args.timestamps ?? true;
      const stream = await serviceLogs(
        operationDepsOf(context.app),
        {
          principal,
          source: 'graphql',
          clientAddress: request.ip,
          userAgent: request.headers['user-agent'],
          requestId: request.id,
        },
        {
          swarm: args.swarm,
          service: args.service,
          // A subscription follows; without `tail` it starts with new lines only.
          follow: true,
          tail: args.tail ?? '0',
          since: args.since,
          timestamps,
          stdout: args.stdout,
          stderr: args.stderr,
          lines: args.lines,
          bytes: args.bytes,
          idleSeconds: args.idleSeconds,
          maxSeconds: args.maxSeconds,
        },
        context.app.config.logs,
      );
      return payloadsOf(stream.items, stream.close, (item) => toLine(item, timestamps, stream.service.id));
    },
  },
};

/**
 * The items as subscription payloads. Not an async generator, nor the stream's own iterator: their return() waits
 * for the pending next(), that is for one more log line, before anything closes; this one closes the engine's stream
 * at once when the client stops the subscription or goes away.
 */
function payloadsOf(
  items: AsyncIterable<unknown>,
  close: () => void,
  toLine: (item: ServiceLogItem) => ServiceLogLine,
): AsyncIterableIterator<Payload> {
  const source = items[Symbol.asyncIterator]() as AsyncIterator<ServiceLogItem>;
  const done = { done: true, value: undefined } as const;
  return {
    next: async () => {
      const result = await source.next().catch(() => done);
      if (result.done) return done;
      return { done: false, value: { serviceLogs: toLine(result.value) } };
    },
    return: () => {
      close();
      return Promise.resolve(done);
    },
    throw: () => {
      close();
      return Promise.resolve(done);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function toLine(item: ServiceLogItem, timestamps: boolean, serviceId: string): ServiceLogLine {
  if (item.kind === 'end') return { stream: 'end', line: item.end.message, bound: item.end.bound, serviceId };
  const { line } = item;
  return { ...line, time: timestamps ? line.time : null, bound: null };
}
