// The ceiling for GraphQL: a bare mercurius server answering `{ hello }`, its own process.
import Fastify from 'fastify';
import mercurius from 'mercurius';

const app = Fastify({ logger: false });
await app.register(mercurius, {
  schema: 'type Query { hello: String! }',
  resolvers: { Query: { hello: () => 'world' } },
});
app.get('/healthz', () => ({ status: 'ok' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
