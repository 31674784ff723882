// A gateway on a fresh database with the lab's swarms registered: alpha in tenant red, beta in tenant blue.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { buildTestApp, type TestApp } from '../helper.ts';
import { dataOf, gql, tokenFor } from './graphql.ts';
import { requireLab, type Inventory } from './lab.ts';

/** The endpoint input for engines of the lab, over mutual TLS with the inventory's material. */
export function tlsEndpointsOf(inventory: Inventory, names: string[]) {
  return names.map((name) => {
    const engine = inventory.engines.find((candidate) => candidate.name === name);
    assert.ok(engine, `engine ${name} is in the inventory`);
    return {
      url: engine.tlsEndpoint,
      tls: {
        ca: readFileSync(engine.ca, 'utf8'),
        cert: readFileSync(engine.cert, 'utf8'),
        key: readFileSync(engine.key, 'utf8'),
      },
    };
  });
}

export const REGISTER = `mutation ($input: RegisterSwarmInput!) { registerSwarm(input: $input) { swarm { id name tenant clusterId } } }`;

export interface RedBlue {
  subject: TestApp;
  app: FastifyInstance;
  inventory: Inventory;
  alpha: { id: string; name: string };
  beta: { id: string; name: string };
  tokens: { redAdmin: string; redViewer: string; redOperator: string; blueAdmin: string; blueViewer: string };
}

export async function setupRedBlue(overrides: Record<string, string> = {}): Promise<RedBlue> {
  const inventory = await requireLab();
  const subject = await buildTestApp(overrides);
  const tokens = {
    redAdmin: tokenFor('red', ['admin']),
    redViewer: tokenFor('red', ['viewer']),
    redOperator: tokenFor('red', ['operator']),
    blueAdmin: tokenFor('blue', ['admin']),
    blueViewer: tokenFor('blue', ['viewer']),
  };
  const alphaManagers = inventory.swarms.find((swarm) => swarm.name === 'alpha')!.managers;
  const betaManagers = inventory.swarms.find((swarm) => swarm.name === 'beta')!.managers;
  const alpha = dataOf(
    await gql<{ registerSwarm: { swarm: { id: string; name: string } } }>(
      subject.app,
      tokens.redAdmin,
      REGISTER,
      {
        input: {
          name: 'alpha',
          endpoints: tlsEndpointsOf(inventory, alphaManagers),
          labels: [{ key: 'env', value: 'lab' }],
        },
      },
    ),
  ).registerSwarm.swarm;
  const beta = dataOf(
    await gql<{ registerSwarm: { swarm: { id: string; name: string } } }>(
      subject.app,
      tokens.blueAdmin,
      REGISTER,
      {
        input: { name: 'beta', endpoints: tlsEndpointsOf(inventory, betaManagers) },
      },
    ),
  ).registerSwarm.swarm;
  return { subject, app: subject.app, inventory, alpha, beta, tokens };
}
