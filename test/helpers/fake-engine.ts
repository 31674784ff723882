// A hostile party's "engine" for security tests: an HTTPS (or plain HTTP) server with its own CA, on the lab bridge's
// host-side address only, answering whatever the test scripts. It plays an attacker's fake manager or an endpoint
// that sends garbage; the gateway's real engines are never mocked.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labBridgeHost } from './engines.ts';

export interface FakeTls {
  /** The fake's own CA (what a client must trust to talk to it). */
  ca: string;
  /** A client certificate and key issued by that CA (what the attacker registers with). */
  cert: string;
  key: string;
}

/** A CA, a server certificate for `ip` and a client certificate, made with openssl (P-256), as PEM text. */
export function makeFakeCa(ip: string): FakeTls & { serverCert: string; serverKey: string } {
  const dir = mkdtempSync(join(tmpdir(), 'swarmgate-fake-ca-'));
  const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) =>
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name]);
  try {
    key('ca-key.pem');
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      'ca-key.pem',
      '-subj',
      '/CN=attacker CA',
      '-days',
      '2',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      'ca.pem',
    ]);
    const issue = (name: string, subject: string, ext: string[]) => {
      key(`${name}-key.pem`);
      openssl(['req', '-new', '-key', `${name}-key.pem`, '-subj', subject, '-out', `${name}.csr`]);
      writeFileSync(join(dir, `${name}.cnf`), ['[ext]', ...ext, ''].join('\n'));
      openssl([
        'x509',
        '-req',
        '-in',
        `${name}.csr`,
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca-key.pem',
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${name}.cnf`,
        '-extensions',
        'ext',
        '-out',
        `${name}.pem`,
      ]);
    };
    issue('server', '/CN=fake-manager', [
      `subjectAltName = IP:${ip}`,
      'extendedKeyUsage = serverAuth',
      'keyUsage = critical, digitalSignature',
    ]);
    issue('client', '/CN=attacker', [
      'extendedKeyUsage = clientAuth',
      'keyUsage = critical, digitalSignature',
    ]);
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    return {
      ca: read('ca.pem'),
      cert: read('client.pem'),
      key: read('client-key.pem'),
      serverCert: read('server.pem'),
      serverKey: read('server-key.pem'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FakeEngine {
  /** tcp://HOST:PORT, as an endpoint names it. */
  url: string;
  /** The material a client registers with (undefined for a plain HTTP fake). */
  tls: FakeTls | undefined;
  /** Every request received, as "METHOD /path". */
  requests: string[];
  close(): Promise<void>;
}

export type FakeHandler = (request: IncomingMessage, response: ServerResponse, path: string) => void;

/**
 * Starts the fake on the lab bridge's host side (never any other address) at a free port. `handler` answers every
 * request; `path` is the request's path without the /v1.xx prefix and query.
 */
export async function startFakeEngine(
  handler: FakeHandler,
  options: { tls?: boolean } = {},
): Promise<FakeEngine> {
  const host = labBridgeHost();
  const requests: string[] = [];
  const listener = (request: IncomingMessage, response: ServerResponse) => {
    const path = (request.url ?? '/').replace(/\?.*$/, '').replace(/^\/v1\.\d+/, '');
    requests.push(`${request.method ?? 'GET'} ${path}`);
    handler(request, response, path);
  };
  let server: Server;
  let tls: FakeTls | undefined;
  if (options.tls === false) {
    server = createHttpServer(listener);
  } else {
    const material = makeFakeCa(host);
    tls = { ca: material.ca, cert: material.cert, key: material.key };
    server = createHttpsServer({ cert: material.serverCert, key: material.serverKey }, listener);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `tcp://${host}:${port}`,
    tls,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers JSON with a status. */
export function json(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

/**
 * A TLS server under its own CA on the lab bridge that hands each connection, once its handshake is done, to
 * `onConnection` (bytes that are not HTTP at all, or nothing).
 */
export async function startRawTlsServer(onConnection: (socket: TLSSocket) => void): Promise<FakeEngine> {
  const host = labBridgeHost();
  const material = makeFakeCa(host);
  const sockets = new Set<Socket>();
  const server = createTlsServer({ cert: material.serverCert, key: material.serverKey }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `tcp://${host}:${port}`,
    tls: { ca: material.ca, cert: material.cert, key: material.key },
    requests: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
