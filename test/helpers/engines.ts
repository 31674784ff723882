// Engine endpoints for tests that need one a tenant may give (tcp:// with mutual TLS, src/docker/endpoint-policy.ts)
// but that never answers: a closed port on the lab bridge's host side, with the lab's client TLS material.
import { readFileSync } from 'node:fs';
import { labInventory } from './lab.ts';

/** The lab bridge's host-side address (192.168.77.1 for 192.168.77.0/24): the engines' first address with .1. */
export function labBridgeHost(): string {
  const first = labInventory().engines[0];
  if (!first) throw new Error('the lab inventory lists no engine');
  return first.address.replace(/\.\d+$/, '.1');
}

/** The lab's CA and client certificate and key, as PEM text (what an endpoint's `tls` carries). */
export function labTls(): { ca: string; cert: string; key: string } {
  const engine = labInventory().engines[0];
  if (!engine) throw new Error('the lab inventory lists no engine');
  return {
    ca: readFileSync(engine.ca, 'utf8'),
    cert: readFileSync(engine.cert, 'utf8'),
    key: readFileSync(engine.key, 'utf8'),
  };
}

/** tcp://BRIDGE-HOST:PORT with the lab's TLS material, where nothing listens: refused at once ("could not connect"). */
export function silentTlsEndpoint(port = 9): { url: string; tls: { ca: string; cert: string; key: string } } {
  return { url: `tcp://${labBridgeHost()}:${port}`, tls: labTls() };
}
