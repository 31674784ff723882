// The runner's side of the load generator process (bench/load.ts): one process for the whole run, one command
// at a time.
import path from 'node:path';
import type { LoadAnswer, LoadCommand, LoadResult } from './load.ts';
import { BENCH_DIR, startChild, type Child } from './processes.ts';

export type LoadSpec = Omit<LoadCommand, 'id'>;

export class LoadGenerator {
  private nextId = 1;

  private constructor(private readonly child: Child) {}

  static async start(cpu: number | null): Promise<LoadGenerator> {
    const child = startChild({ name: 'load', cpu, script: path.join(BENCH_DIR, 'load.ts') });
    await child.nextLine(30_000);
    return new LoadGenerator(child);
  }

  get pid(): number {
    return this.child.pid;
  }

  async run(spec: LoadSpec): Promise<LoadResult> {
    const id = this.nextId++;
    this.child.send(JSON.stringify({ ...spec, id }));
    const limit = ((spec.duration ?? 0) + 120) * 1000;
    const answer = JSON.parse(await this.child.nextLine(limit)) as LoadAnswer;
    if (answer.id !== id) throw new Error(`load generator answered command ${answer.id}, expected ${id}`);
    if ('error' in answer) throw new Error(`load generator: ${answer.error}`);
    return answer.result;
  }

  stop(): Promise<void> {
    return this.child.stop();
  }
}
