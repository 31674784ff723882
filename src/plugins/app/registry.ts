// Decorates the instance with `registry`: tenants and registered swarms, credentials sealed with SWARMGATE_SECRET_KEY.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fp from 'fastify-plugin';
import { createRegistryRepository, type RegistryRepository } from '../../registry/repository.ts';
import { createSealer } from '../../util/seal.ts';

declare module 'fastify' {
  interface FastifyInstance {
    registry: RegistryRepository;
  }
}

export interface RegistryPluginOptions {
  /** SWARMGATE_SECRET_KEY; when unset outside production, a key kept in `devKeyFile` is used. */
  secretKey: string | undefined;
  devKeyFile: string;
}

/** Development convenience: a random key made once and kept beside the embedded database under var/. */
function developmentKey(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

export default fp<RegistryPluginOptions>(
  (app, options, done) => {
    let key = options.secretKey;
    if (!key) {
      key = developmentKey(options.devKeyFile);
      app.log.warn(
        { file: options.devKeyFile },
        'SWARMGATE_SECRET_KEY is unset: using a development key from a file',
      );
    }
    app.decorate('registry', createRegistryRepository(app.pg, createSealer(key)));
    done();
  },
  { name: 'registry', dependencies: ['postgres'] },
);
