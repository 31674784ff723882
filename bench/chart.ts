// var/bench/results.svg, written by hand: horizontal bars of the reads' req/s, of latency and resident memory as
// the simulated swarms grow, and of the time to accept a mutation; dashed lines mark the issue's limits.
import { formatMs, formatRate } from './report.ts';
import type { BenchResults } from './types.ts';

const WIDTH = 960;
const LABEL_WIDTH = 300;
const BAR_HEIGHT = 16;
const GAP = 6;
const COLORS: Record<string, string> = {
  REST: '#2f6db5',
  GraphQL: '#c2185b',
  'Docker API': '#6d6d6d',
  fastify: '#2e7d32',
  mercurius: '#8e24aa',
  nodes: '#2f6db5',
  tasks: '#ef6c00',
  rss: '#00897b',
  peak: '#80cbc4',
  p50: '#5e35b1',
  p99: '#b39ddb',
};

interface Bar {
  label: string;
  value: number;
  color: string;
  text: string;
}

interface Limit {
  value: number;
  label: string;
}

const escape = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * One panel of bars, drawn from `top`; returns its SVG and height. A logarithmic panel starts its bars at 1 and
 * shows ratios as equal lengths (the reads span from tens to tens of thousands per second).
 */
function panel(
  title: string,
  bars: Bar[],
  top: number,
  limit?: Limit,
  logarithmic = false,
): { svg: string; height: number } {
  const plotWidth = WIDTH - LABEL_WIDTH - 170;
  const finite = bars.map((bar) => (Number.isFinite(bar.value) ? bar.value : 0));
  const max = Math.max(...finite, limit?.value ?? 0, 1e-9);
  const scale = logarithmic
    ? (value: number) => (Math.log10(Math.max(1, value)) / Math.log10(Math.max(10, max))) * plotWidth
    : (value: number) => (Math.max(0, value) / max) * plotWidth;
  const parts = [`<text x="10" y="${top + 18}" font-size="15" font-weight="bold">${escape(title)}</text>`];
  let y = top + 30;
  for (const [index, bar] of bars.entries()) {
    const width = scale(finite[index]!);
    parts.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 12}" font-size="12" text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y}" width="${width.toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.color}"/>`,
      `<text x="${(LABEL_WIDTH + width + 5).toFixed(1)}" y="${y + 12}" font-size="11">${escape(bar.text)}</text>`,
    );
    y += BAR_HEIGHT + GAP;
  }
  if (limit) {
    const x = (LABEL_WIDTH + scale(limit.value)).toFixed(1);
    parts.push(
      `<line x1="${x}" y1="${top + 26}" x2="${x}" y2="${y}" stroke="#d32f2f" stroke-dasharray="5,4"/>`,
      `<text x="${x}" y="${top + 24}" font-size="11" fill="#d32f2f" text-anchor="middle">${escape(limit.label)}</text>`,
    );
  }
  return { svg: parts.join('\n'), height: y - top + 20 };
}

export function renderChart(results: BenchResults): string {
  const panels: { title: string; bars: Bar[]; limit?: Limit; logarithmic?: boolean }[] = [];
  if (results.reads.length > 0) {
    panels.push({
      title: `Reads, requests per second, logarithmic (${results.settings.connections} connections; more is better)`,
      logarithmic: true,
      bars: results.reads.map((row) => ({
        label: row.label,
        value: row.load.rps,
        color: COLORS[row.door] ?? '#444',
        text: `${formatRate(row.load.rps)} req/s, p50 ${formatMs(row.load.p50)} ms`,
      })),
    });
  }
  if (results.growth.length > 0) {
    const name = (row: BenchResults['growth'][number]) =>
      `${row.swarms} x ${row.nodesPerSwarm} nodes, ${row.tasksPerSwarm} tasks`;
    panels.push({
      title: `Growth: p50 read latency, ${results.settings.growthConnections} connections (ms; less is better)`,
      bars: results.growth.flatMap((row) => [
        {
          label: `${name(row)} — node list`,
          value: row.nodes.p50,
          color: COLORS.nodes!,
          text: `${formatMs(row.nodes.p50)} ms (p99 ${formatMs(row.nodes.p99)})`,
        },
        {
          label: `${name(row)} — task list`,
          value: row.tasks.p50,
          color: COLORS.tasks!,
          text: `${formatMs(row.tasks.p50)} ms (p99 ${formatMs(row.tasks.p99)})`,
        },
      ]),
      limit: { value: 20, label: '20 ms' },
    });
    panels.push({
      title: 'Growth: gateway resident memory after the reads (MB; less is better)',
      bars: results.growth.flatMap((row) => [
        {
          label: `${name(row)} — RSS`,
          value: (row.memory.loaded?.rss ?? 0) / 2 ** 20,
          color: COLORS.rss!,
          text: `${Math.round((row.memory.loaded?.rss ?? 0) / 2 ** 20)} MB`,
        },
        {
          label: `${name(row)} — peak RSS`,
          value: (row.memory.loaded?.peak ?? 0) / 2 ** 20,
          color: COLORS.peak!,
          text: `${Math.round((row.memory.loaded?.peak ?? 0) / 2 ** 20)} MB`,
        },
      ]),
      limit: { value: 300, label: '300 MB' },
    });
  }
  if (results.mutations.length > 0) {
    panels.push({
      title: 'Accepting a mutation vs a raw queue add, sequential (ms; less is better)',
      bars: results.mutations.flatMap((row) => [
        {
          label: `${row.label} — p50`,
          value: row.latency.p50,
          color: COLORS.p50!,
          text: `${formatMs(row.latency.p50)} ms`,
        },
        {
          label: `${row.label} — p99`,
          value: row.latency.p99,
          color: COLORS.p99!,
          text: `${formatMs(row.latency.p99)} ms`,
        },
      ]),
    });
  }
  const held = results.targets.filter((row) => row.holds === true).length;
  const body: string[] = [
    `<text x="10" y="22" font-size="17" font-weight="bold">${escape(
      `swarmgate benchmark, ${results.startedAt.slice(0, 16).replace('T', ' ')} UTC — ` +
        `${held} of ${results.targets.length} targets hold`,
    )}</text>`,
    `<text x="10" y="40" font-size="11" fill="#555">${escape(
      `${results.machine.cpus} CPUs, Node ${results.machine.node}; ${results.machine.pinning}`,
    )}</text>`,
    `<text x="10" y="54" font-size="11" fill="#555">${escape(results.gateway.cache)}</text>`,
  ];
  let top = 64;
  for (const { title, bars, limit, logarithmic } of panels) {
    const drawn = panel(title, bars, top, limit, logarithmic);
    body.push(drawn.svg);
    top += drawn.height;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top}" viewBox="0 0 ${WIDTH} ${top}" ` +
      `font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
