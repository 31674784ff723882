// All resolvers, keyed by GraphQL type.
import type { Resolvers } from '../generated/types.ts';
import { Mutation } from './mutation.ts';
import { Node, Service, Task } from './objects.ts';
import { Query } from './query.ts';
import { Swarm } from './swarm.ts';

export const resolvers: Resolvers = { Query, Mutation, Swarm, Node, Service, Task };
