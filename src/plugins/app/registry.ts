// Decorates the instance with `registry`: tenants and registered swarms, credentials sealed with the secret key.
import fp from 'fastify-plugin';
import { createRegistryRepository, type RegistryRepository } from '../../registry/repository.ts';
import { createSealer } from '../../util/seal.ts';

declare module 'fastify' {
  interface FastifyInstance {
    registry: RegistryRepository;
  }
}

export interface RegistryPluginOptions {
  /** SWARMGATE_SECRET_KEY (or the development key), resolved by the caller. */
  secretKey: string;
}

export default fp<RegistryPluginOptions>(
  (app, options, done) => {
    app.decorate('registry', createRegistryRepository(app.pg, createSealer(options.secretKey)));
    done();
  },
  { name: 'registry', dependencies: ['postgres'] },
);
