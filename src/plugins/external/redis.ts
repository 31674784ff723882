// Decorates the instance with `redis`, an ioredis client that fails fast while Redis is away.
import fp from 'fastify-plugin';
import { Redis } from 'ioredis';
import { withTimeout } from '../../util/timeout.ts';

const FIRST_CONNECT_WAIT_MS = 2000;

declare module 'fastify' {
  interface FastifyInstance {
    redis: Redis;
  }
}

export interface RedisPluginOptions {
  url: string;
}

export default fp<RedisPluginOptions>(
  (app, options, done) => {
    const redis = new Redis(options.url, {
      lazyConnect: true,
      // Producers must not queue commands while Redis is down: callers get an error they can map.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    let lastError = '';
    redis.on('error', (error: Error) => {
      // Log each distinct failure once rather than on every reconnect attempt.
      if (error.message !== lastError) app.log.warn({ err: error }, 'Redis connection problem');
      lastError = error.message;
    });
    redis.on('ready', () => {
      lastError = '';
    });
    app.decorate('redis', redis);
    app.addHook('onClose', (_instance, closed) => {
      redis.disconnect();
      closed();
    });
    // The gateway starts while Redis is down (/readyz reports it until it returns), but waits briefly for a
    // first connection so that a healthy start is ready at once.
    withTimeout(redis.connect(), FIRST_CONNECT_WAIT_MS, 'Redis').then(
      () => done(),
      () => done(),
    );
  },
  { name: 'redis' },
);
