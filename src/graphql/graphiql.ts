// GraphiQL served by the gateway itself, its assets from npm packages (graphiql 3's standalone bundle on React 18's
// UMD builds): it works without internet and under the strict CSP (no inline script, no other origin). mercurius's
// own GraphiQL loads its assets from a CDN and is off (src/graphql/index.ts).
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const asset = (name: string, file: string, type: string) => ({
  file: path.join(packageDir(name), file),
  type,
});

/** Files under /graphiql/assets/, each from its npm package. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.production.min.js': asset('react', 'umd/react.production.min.js', JS),
  'react-dom.production.min.js': asset('react-dom', 'umd/react-dom.production.min.js', JS),
  'graphiql.min.js': asset('graphiql', 'graphiql.min.js', JS),
  'graphiql.min.css': asset('graphiql', 'graphiql.min.css', CSS),
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>swarmgate GraphiQL</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/graphiql/assets/graphiql.min.css" />
    <link rel="stylesheet" href="/graphiql/assets/page.css" />
  </head>
  <body>
    <div id="graphiql">Loading GraphiQL…</div>
    <script src="/graphiql/assets/react.production.min.js"></script>
    <script src="/graphiql/assets/react-dom.production.min.js"></script>
    <script src="/graphiql/assets/graphiql.min.js"></script>
    <script src="/graphiql/assets/start.js"></script>
  </body>
</html>
`;

const PAGE_CSS = `html, body { height: 100%; margin: 0; }
#graphiql { height: 100vh; }
`;

/**
 * Mounts GraphiQL: queries go to /graphql with the headers of GraphiQL's headers editor, which starts with an
 * Authorization header to fill in; until it holds a token nothing is sent (an answer says what to do instead).
 */
const START = `(function () {
  'use strict';
  var HINT = 'Put a token in the Headers tab below: {"Authorization": "Bearer <JWT>"}';
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + '/graphql' });
  function hasToken(headers) {
    return Object.keys(headers || {}).some(function (name) {
      var value = headers[name];
      return name.toLowerCase() === 'authorization' && typeof value === 'string' && /^Bearer [^<\\s]+$/.test(value);
    });
  }
  function guarded(params, options) {
    if (!hasToken(options && options.headers)) return Promise.resolve({ errors: [{ message: HINT }] });
    return fetcher(params, options);
  }
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: guarded,
      defaultEditorToolsVisibility: 'headers',
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultHeaders: '{\\n  "Authorization": "Bearer <JWT>"\\n}',
      defaultQuery: '# swarmgate: put a token in the Headers tab below, then run a query.\\n{\\n  me {\\n    sub\\n    tenant\\n    roles\\n  }\\n  swarms {\\n    name\\n    status {\\n      state\\n    }\\n  }\\n}\\n',
    }),
  );
})();
`;

/** Registers GET /graphiql and its assets (no token needed: the page is static, its queries carry the token). */
export default function graphiqlPage(app: FastifyInstance): Promise<void> {
  const sendText = (type: string, body: string) => ({ type, body });
  const own: Record<string, { type: string; body: string }> = {
    'start.js': sendText('text/javascript; charset=utf-8', START),
    'page.css': sendText('text/css; charset=utf-8', PAGE_CSS),
  };
  app.get('/graphiql', { schema: { hide: true } }, (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(PAGE),
  );
  app.get<{ Params: { name: string } }>(
    '/graphiql/assets/:name',
    { schema: { hide: true } },
    (request, reply) => {
      const name = request.params.name;
      const text = Object.hasOwn(own, name) ? own[name] : undefined;
      if (text) return reply.type(text.type).header('cache-control', 'no-cache').send(text.body);
      const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
      if (!asset) return reply.code(404).type('text/plain; charset=utf-8').send('no such GraphiQL asset');
      return reply
        .type(asset.type)
        .header('cache-control', 'public, max-age=86400')
        .send(createReadStream(asset.file));
    },
  );
  return Promise.resolve();
}
