// The targets evaluated on one run's numbers, and the table printed at the end of `npm run bench`.
import type { BenchResults, GrowthRow, ProtectionResult, ReadRow, TargetRow } from './types.ts';

const MB = 1024 * 1024;

export const formatRate = (value: number) => Math.round(value).toLocaleString('en-US');
export const formatMs = (value: number) =>
  Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : '-';
export const formatRatio = (value: number | null) =>
  value === null || !Number.isFinite(value) ? '-' : `${value < 10 ? value.toFixed(2) : value.toFixed(1)}x`;
export const formatMb = (bytes: number | undefined) =>
  bytes === undefined || !Number.isFinite(bytes) ? '-' : `${Math.round(bytes / MB)} MB`;

/**
 * The ratio of two reads' rates: measured in the same rounds, the median of the rounds' ratios (each round's two runs
 * ran seconds apart, so a slow spell of the machine weighs on both); otherwise the ratio of the rates shown.
 */
export function ratio(a: ReadRow | undefined, b: ReadRow | undefined): number | null {
  if (!a || !b) return null;
  const rounds = a.roundsRps.length;
  if (rounds >= 2 && b.roundsRps.length === rounds) {
    const ratios = a.roundsRps
      .map((rate, round) => rate / b.roundsRps[round]!)
      .filter((value) => Number.isFinite(value))
      .sort((x, y) => x - y);
    if (ratios.length === 0) return null;
    const middle = Math.floor(ratios.length / 2);
    return ratios.length % 2 === 1 ? ratios[middle]! : (ratios[middle - 1]! + ratios[middle]!) / 2;
  }
  return b.load.rps > 0 ? a.load.rps / b.load.rps : null;
}

function target(
  name: string,
  goal: string,
  value: number | null,
  holds: (value: number) => boolean,
  show: (value: number) => string,
): TargetRow {
  if (value === null || !Number.isFinite(value)) {
    return { target: name, goal, measured: 'not measured', holds: null };
  }
  return { target: name, goal, measured: show(value), holds: holds(value) };
}

export function evaluateTargets(
  reads: ReadRow[],
  growth: GrowthRow[],
  protection: ProtectionResult | null = null,
): TargetRow[] {
  const read = (id: string) => reads.find((row) => row.id === id);
  const largest = growth.find((row) => row.swarms === 1 && row.nodesPerSwarm === 1000);
  const gatewayReads = reads.filter((row) => row.dockerCallsPer1000 !== null);
  const worst = gatewayReads.reduce<ReadRow | null>(
    (found, row) => (found === null || row.dockerCallsPer1000! > found.dockerCallsPer1000! ? row : found),
    null,
  );
  // Three decimals below 1x: a ratio just under a goal (0.4986x) must not read as the goal itself (0.50x).
  const show = (value: number) => (value < 1 ? `${value.toFixed(3)}x` : formatRatio(value));
  return [
    target(
      'cached REST node list vs bare fastify hello-world (req/s)',
      '>= 0.5x',
      ratio(read('rest-nodes'), read('fastify-hello')),
      (value) => value >= 0.5,
      show,
    ),
    target(
      'cached REST node list vs direct Docker API (req/s)',
      '>= 5x',
      ratio(read('rest-nodes'), read('direct-nodes')),
      (value) => value >= 5,
      show,
    ),
    target(
      'cached REST task list (1,000 tasks) vs direct Docker API (req/s)',
      '>= 10x',
      ratio(read('rest-tasks'), read('direct-tasks')),
      (value) => value >= 10,
      show,
    ),
    // Like for like (both doors read with GET), then as most GraphQL clients send queries (POST with a JSON body,
    // whose reading alone costs a bare fastify the share shown by its POST hello-world).
    ...(['nodes', 'services', 'tasks'] as const).flatMap((list) => [
      target(
        `GraphQL vs REST, ${list}, both GET (req/s)`,
        '>= 0.8x',
        ratio(read(`graphql-get-${list}`), read(`rest-${list}`)),
        (value) => value >= 0.8,
        show,
      ),
      target(
        `GraphQL POST vs REST GET, ${list} (req/s)`,
        '>= 0.8x',
        ratio(read(`graphql-${list}`), read(`rest-${list}`)),
        (value) => value >= 0.8,
        show,
      ),
    ]),
    target(
      `Docker API calls per 1,000 gateway reads (worst: ${worst?.label ?? '-'})`,
      '<= 5',
      worst?.dockerCallsPer1000 ?? null,
      (value) => value <= 5,
      (value) => value.toFixed(2),
    ),
    ...(
      [
        ['node list (whole, 1,000 nodes)', largest?.nodes, largest?.nodesAlone],
        ['task list (page of 1,000 of 10,000 tasks)', largest?.tasks, largest?.tasksAlone],
      ] as const
    ).flatMap(([list, loaded, alone]) => [
      target(
        `1,000 nodes + 10,000 tasks: ${list} p50, ${largest?.connections ?? '?'} connections`,
        '< 20 ms',
        loaded?.p50 ?? null,
        (value) => value < 20,
        (value) => `${formatMs(value)} ms`,
      ),
      target(
        `1,000 nodes + 10,000 tasks: ${list} p50, 1 connection`,
        '< 20 ms',
        alone?.p50 ?? null,
        (value) => value < 20,
        (value) => `${formatMs(value)} ms`,
      ),
    ]),
    target(
      '1,000 nodes + 10,000 tasks: gateway peak RSS',
      '< 300 MB',
      largest?.memory.loaded?.peak ?? null,
      (value) => value < 300 * MB,
      (value) => formatMb(value),
    ),
    // Issue 11: what the protections cost, and what they protect.
    target(
      'cached REST node list, rate limiting on vs off (req/s)',
      '>= 0.9x',
      ratio(read('rest-nodes'), read('rest-nodes-rl-off')),
      (value) => value >= 0.9,
      show,
    ),
    target(
      'GraphQL node list (POST), bounds and cost rules on vs off (req/s)',
      '>= 0.9x',
      ratio(read('graphql-nodes'), read('graphql-nodes-bounds-off')),
      (value) => value >= 0.9,
      show,
    ),
    ...protectionTargets(protection),
  ];
}

function protectionTargets(protection: ProtectionResult | null): TargetRow[] {
  return (['repeated', 'unique'] as const).flatMap((variant) => {
    const row = (id: string) =>
      protection?.rows.find((candidate) => candidate.id === id && candidate.variant === variant);
    const refusal = (id: string, name: string): TargetRow => {
      const found = row(id);
      const goal = '< 5 ms';
      const title = `${name} (${variant}) refused, 1 connection: p99 (p50)`;
      if (!found) return { target: title, goal, measured: 'not measured', holds: null };
      if (!found.alone) {
        return { target: title, goal, measured: `NOT refused (HTTP ${found.status})`, holds: false };
      }
      const { p50, p99 } = found.alone;
      return { target: title, goal, measured: `${formatMs(p99)} ms (${formatMs(p50)} ms)`, holds: p99 < 5 };
    };
    const flood = protection?.floods.find((candidate) => candidate.variant === variant) ?? null;
    const growth =
      flood && flood.rssBefore !== null && flood.rssHighest !== null
        ? flood.rssHighest - flood.rssBefore
        : null;
    return [
      refusal('depth-bomb', 'depth bomb'),
      refusal('alias-bomb', '2,000-alias query'),
      target(
        `/healthz p99 while ${flood?.connections ?? 20} connections send both (${variant}) for ${flood?.seconds ?? 10} s`,
        '< 50 ms',
        flood ? flood.health.p99 : null,
        (value) => value < 50,
        (value) => `${formatMs(value)} ms`,
      ),
      target(
        `gateway RSS growth meanwhile (${variant}; highest sample - before)`,
        '< 50 MB',
        growth,
        (value) => value < 50 * MB,
        (value) => `${(value / MB).toFixed(1)} MB`,
      ),
    ];
  });
}

/** Left-aligned text columns, right-aligned numbers. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = header.map((_, column) =>
    rows.every((row) => /^(-|[\d.,/]+( ms| MB|x)?)$/.test(row[column] ?? '-')),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

/** How far apart the rounds' rates are, as a share of the median's. */
function formatSpread(row: ReadRow): string {
  const rates = row.roundsRps;
  if (rates.length < 2 || row.load.rps <= 0) return '-';
  return `${(((Math.max(...rates) - Math.min(...rates)) / row.load.rps) * 100).toFixed(0)}%`;
}

export function renderReport(results: BenchResults): string {
  const out: string[] = [];
  const { settings } = results;
  out.push(
    `swarmgate benchmark — ${results.startedAt}, ${results.durationSeconds.toFixed(0)} s`,
    `machine: ${results.machine.cpus} CPUs, Node ${results.machine.node}, load average ` +
      `${results.machine.loadAverage.start.toFixed(2)} at start, ${results.machine.loadAverage.end.toFixed(2)} at end; ` +
      results.machine.pinning,
    `gateway: ${results.gateway.runtime} (${results.gateway.build}); ${results.gateway.cache}`,
    `reads: ${settings.warmupSeconds} s warm-up each, then ${settings.rounds} round(s) of ` +
      `${(settings.durationSeconds / settings.rounds).toFixed(1)} s per read, every read in turn; a row shows its ` +
      `median round, 'spread' the range of its rounds' rates over the median, and a ratio the median of the ` +
      `rounds' ratios`,
    `runs: ${settings.durationSeconds} s measured per read, ` +
      `${settings.connections} connections (growth: ${settings.growthConnections}; mutations: 1, ` +
      `${settings.mutationRequests} sequential calls)`,
    '',
  );

  if (results.reads.length > 0) {
    const read = (id: string) => results.reads.find((row) => row.id === id);
    const fastify = read('fastify-hello');
    const mercurius = read('mercurius-hello');
    out.push(
      'a-c. reads: alpha through the gateway (cached, JWT + tenant) vs alpha-m1 directly, and the ceiling',
    );
    out.push(
      table(
        [
          'read',
          'items',
          'req/s',
          'spread',
          'p50 ms',
          'p99 ms',
          'vs Docker',
          'vs ceiling',
          'Docker calls/1k',
        ],
        results.reads.map((row) => {
          const direct = read(`direct-${row.list}`);
          const gatewayRow = row.door === 'REST' || row.door === 'GraphQL';
          const ceiling = row.door === 'GraphQL' ? mercurius : row.door === 'REST' ? fastify : undefined;
          return [
            row.label,
            row.items === null ? '-' : String(row.items),
            formatRate(row.load.rps),
            formatSpread(row),
            formatMs(row.load.p50),
            formatMs(row.load.p99),
            gatewayRow ? formatRatio(ratio(row, direct)) : '-',
            gatewayRow ? formatRatio(ratio(row, ceiling)) : '-',
            row.dockerCallsPer1000 === null ? '-' : row.dockerCallsPer1000.toFixed(2),
          ];
        }),
      ),
      '',
    );
  }

  if (results.growth.length > 0) {
    out.push(
      `d. growth on simulated engines: REST node list (whole) and task list (page of 1,000), ` +
        `${settings.growthConnections} connections and alone (1 connection)`,
    );
    out.push(
      table(
        [
          'swarms x nodes',
          'tasks/swarm',
          'nodes p50',
          'nodes p99',
          'tasks p50',
          'tasks p99',
          'alone n/t p50',
          'nodes req/s',
          'tasks req/s',
          'RSS idle',
          'RSS loaded',
          'RSS peak',
          'Docker calls/1k',
        ],
        results.growth.map((row) => [
          `${row.swarms} x ${row.nodesPerSwarm}`,
          String(row.tasksPerSwarm),
          `${formatMs(row.nodes.p50)} ms`,
          `${formatMs(row.nodes.p99)} ms`,
          `${formatMs(row.tasks.p50)} ms`,
          `${formatMs(row.tasks.p99)} ms`,
          `${formatMs(row.nodesAlone.p50)}/${formatMs(row.tasksAlone.p50)} ms`,
          formatRate(row.nodes.rps),
          formatRate(row.tasks.rps),
          formatMb(row.memory.idle?.rss),
          formatMb(row.memory.loaded?.rss),
          formatMb(row.memory.loaded?.peak),
          row.dockerCallsPer1000 === null ? '-' : row.dockerCallsPer1000.toFixed(2),
        ]),
      ),
      '',
    );
  }

  if (results.mutations.length > 0) {
    const raw = results.mutations.find((row) => row.id === 'raw-queue-add');
    out.push(
      'e. accepting a mutation (authorised, audited, job written, queued) vs a raw BullMQ add, sequential',
    );
    out.push(
      table(
        ['call', 'p50 ms', 'p90 ms', 'p99 ms', 'mean ms', 'calls/s', 'p50 vs raw add'],
        results.mutations.map((row) => [
          row.label,
          formatMs(row.latency.p50),
          formatMs(row.latency.p90),
          formatMs(row.latency.p99),
          formatMs(row.latency.mean),
          formatRate(row.latency.rps),
          raw && row !== raw ? formatRatio(row.latency.p50 / raw.latency.p50) : '-',
        ]),
      ),
    );
    const notes = [...new Set(results.mutations.map((row) => row.note))];
    out.push(...notes.map((note) => `  (${note})`), '');
  }

  if (results.protection) {
    const { rows, floods } = results.protection;
    out.push(
      'f. protection: hostile GraphQL documents, the same one repeated, or a new one each request (parsed every time)',
    );
    out.push(
      table(
        ['document', 'variant', 'bytes', 'answer', 'alone: req/s', 'p50 ms', 'p99 ms', 'max ms'],
        rows.map((row) => [
          row.label,
          row.variant,
          String(row.bytes),
          `${row.status} ${row.code ?? ''}`.trim(),
          row.alone ? formatRate(row.alone.rps) : '-',
          row.alone ? formatMs(row.alone.p50) : '-',
          row.alone ? formatMs(row.alone.p99) : '-',
          row.alone ? formatMs(row.alone.max) : '-',
        ]),
      ),
    );
    for (const flood of floods) {
      out.push(
        `  both ${flood.variant}, ${flood.connections} connections for ${flood.seconds} s: ` +
          `${formatRate(flood.load.rps)} answers/s (${JSON.stringify(flood.load.statusCodes)}), p50 ` +
          `${formatMs(flood.load.p50)} ms, p99 ${formatMs(flood.load.p99)} ms; /healthz meanwhile ` +
          `(${flood.health.count} probes, ${flood.health.failures} failed): p50 ${formatMs(flood.health.p50)} ms, ` +
          `p99 ${formatMs(flood.health.p99)} ms, max ${formatMs(flood.health.max)} ms; RSS ` +
          `${formatMb(flood.rssBefore ?? undefined)} before, ${formatMb(flood.rssHighest ?? undefined)} at most, ` +
          `${formatMb(flood.rssAfter ?? undefined)} after`,
      );
    }
    out.push('');
  }

  out.push('targets (issues 6 and 11)');
  out.push(
    table(
      ['target', 'goal', 'measured', 'holds'],
      results.targets.map((row) => [
        row.target,
        row.goal,
        row.measured,
        row.holds === null ? 'NOT MEASURED' : row.holds ? 'yes' : 'NO',
      ]),
    ),
  );
  const held = results.targets.filter((row) => row.holds === true).length;
  out.push(`${held} of ${results.targets.length} targets hold`, '');
  if (results.notes.length > 0) out.push('notes:', ...results.notes.map((note) => `- ${note}`), '');
  return out.join('\n');
}
