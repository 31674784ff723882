// The OpenAPI document (GET /openapi.json) built from the routes' schemas, and Swagger UI at /docs; no token needed.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { VERSION } from '../../version.ts';

const DESCRIPTION = [
  'REST mirror of the swarmgate GraphQL API (`POST /graphql`): the same views, field names and error codes.',
  'Every `/v1` request needs `Authorization: Bearer <JWT>` whose claims name the tenant and roles;',
  "another tenant's objects are NOT_FOUND. Errors are `application/problem+json` with a `code`.",
].join(' ');

export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        // 3.1: its schemas are JSON Schema, so the routes' own schemas (nullable types, closed inputs) stand as written.
        openapi: '3.1.0',
        info: { title: 'swarmgate', version: VERSION, description: DESCRIPTION },
        components: {
          securitySchemes: {
            bearerAuth: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'JWT',
              description:
                'Claims: sub, tenant, roles (viewer, operator, admin, platform-admin), exp; optional act',
            },
          },
        },
        tags: [
          { name: 'identity', description: 'Who the caller is' },
          { name: 'swarms', description: 'Registered swarms: registration, status, docker info, quorum' },
          { name: 'nodes', description: 'Nodes of a swarm' },
          { name: 'services', description: 'Services of a swarm' },
          { name: 'tasks', description: 'Tasks of a swarm' },
          { name: 'stacks', description: 'Stacks of a swarm, as `docker stack` deploys them' },
          { name: 'networks', description: "The swarm's overlay networks" },
          { name: 'secrets', description: 'Secrets of a swarm (their values are write-only)' },
          { name: 'configs', description: 'Configs of a swarm' },
          { name: 'health', description: 'Probes; no token' },
        ],
      },
      // Untagged routes are plumbing (GraphQL, GraphiQL, the docs themselves), not part of the REST API.
      hideUntagged: true,
    });
    // Its assets are served from the package (no CDN). BaseLayout: the standalone layout's top bar draws Swagger's
    // logo as an SVG holding an inline <style>, which the strict CSP (src/plugins/external/helmet.ts) refuses; the
    // bar only held that logo and a box to open another document.
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      uiConfig: { persistAuthorization: true, layout: 'BaseLayout' },
    });
    app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  },
  { name: 'swagger', fastify: '5.x' },
);
