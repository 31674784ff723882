// A Redis server of a test's own (Debian's redis-server on a free port, keeping nothing on disk), for tests that
// configure it badly or stop it under a running gateway.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { freePort } from './net.ts';

export interface OwnRedis {
  url: string;
  process: ChildProcess;
  /** Kills it at once (SIGKILL): the gateway loses Redis without a goodbye. */
  kill(): void;
}

/** Starts redis-server with `args` added and waits until it accepts connections (fails after 5 s). */
export async function startOwnRedis(args: string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const own: OwnRedis = {
    url: `redis://127.0.0.1:${port}`,
    process: child,
    kill: () => void child.kill('SIGKILL'),
  };
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return own;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  own.kill();
  throw new Error(
    `redis-server on port ${port} did not accept connections within 5 s (is redis-server installed?)`,
  );
}
