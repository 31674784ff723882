// The ceiling for REST: a bare fastify hello-world (GET, and POST with a body), same fastify version and Node as the gateway, its own process.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', () => ({ hello: 'world' }));
// The same answer to a POST with a JSON body (parsed, then ignored): what reading a request body costs by itself.
app.post('/', () => ({ hello: 'world' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
