// The swarm's networks, secrets and configs: the Swarm fields that read them and the mutations that change them,
// each handing its input to the query or operation of the same name (the REST routes call the same ones).
import { configCreate } from '../../operations/config-create.ts';
import { configRemove } from '../../operations/config-remove.ts';
import { networkCreate } from '../../operations/network-create.ts';
import { networkRemove } from '../../operations/network-remove.ts';
import { secretCreate } from '../../operations/secret-create.ts';
import { secretRemove } from '../../operations/secret-remove.ts';
import { secretRotate } from '../../operations/secret-rotate.ts';
import {
  configPage,
  getConfig,
  getNetwork,
  getSecret,
  networkPage,
  secretPage,
} from '../../queries/swarm-objects.ts';
import { toJobView } from '../../queries/views.ts';
import type { MutationResolvers, SwarmResolvers } from '../generated/types.ts';

export const swarmObjectFields: SwarmResolvers = {
  networks: (swarm, { filter, first, after }, { reads }) => networkPage(reads, swarm, filter, first, after),
  network: (swarm, { ref }, { reads }) => getNetwork(reads, swarm, ref),
  secrets: (swarm, { filter, first, after }, { reads }) => secretPage(reads, swarm, filter, first, after),
  secret: (swarm, { ref }, { reads }) => getSecret(reads, swarm, ref),
  configs: (swarm, { filter, first, after }, { reads }) => configPage(reads, swarm, filter, first, after),
  config: (swarm, { ref }, { reads }) => getConfig(reads, swarm, ref),
};

export const swarmObjectMutations: MutationResolvers = {
  createNetwork: (_root, { input }, { deps, operation }) =>
    networkCreate(deps, operation, input).then(toJobView),
  removeNetwork: (_root, { input }, { deps, operation }) =>
    networkRemove(deps, operation, input).then(toJobView),
  createSecret: (_root, { input }, { deps, operation }) =>
    secretCreate(deps, operation, input).then(toJobView),
  removeSecret: (_root, { input }, { deps, operation }) =>
    secretRemove(deps, operation, input).then(toJobView),
  rotateSecret: (_root, { input }, { deps, operation }) =>
    secretRotate(deps, operation, input).then(toJobView),
  createConfig: (_root, { input }, { deps, operation }) =>
    configCreate(deps, operation, input).then(toJobView),
  removeConfig: (_root, { input }, { deps, operation }) =>
    configRemove(deps, operation, input).then(toJobView),
};
