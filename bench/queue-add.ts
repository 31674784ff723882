// The floor for accepting a mutation: BullMQ Queue.add() in a sequential loop, timed in this process (pinned like
// the gateway). Same job options and connection settings as the gateway's producer (src/jobs/queue.ts).
// Usage: node --import tsx bench/queue-add.ts '<json {"redisUrl", "warmup", "count"}>'; prints one JSON line.
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { summarize } from './stats.ts';

const { redisUrl, warmup, count } = JSON.parse(process.argv[2] ?? '{}') as {
  redisUrl: string;
  warmup: number;
  count: number;
};
const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
await new Promise<void>((resolve, reject) => {
  connection.once('ready', resolve);
  connection.once('error', reject);
});
const queue = new Queue('swarmgate-bench-raw', {
  connection,
  defaultJobOptions: {
    attempts: 1,
    removeOnComplete: { count: 1000, age: 24 * 3600 },
    removeOnFail: { count: 5000, age: 7 * 24 * 3600 },
  },
});
const add = () => {
  const jobId = randomUUID();
  return queue.add('node.labels.update', { jobId }, { jobId });
};
for (let index = 0; index < warmup; index += 1) await add();
const samples: number[] = [];
const started = performance.now();
for (let index = 0; index < count; index += 1) {
  const before = performance.now();
  await add();
  samples.push(performance.now() - before);
}
const seconds = (performance.now() - started) / 1000;
await queue.obliterate({ force: true });
await queue.close();
connection.disconnect();
process.stdout.write(`${JSON.stringify({ ...summarize(samples), rps: count / seconds, seconds })}\n`);
