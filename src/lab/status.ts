// `status`: one table row per engine (namespace, dockerd, link, swarm state) plus one line per swarm.
import { dockerdPid, socketClient } from './engine.ts';
import { errorMessage } from './exec.ts';
import { linkState, netnsPresent } from './netns.ts';
import { labEngineInfo, swarmProblems, type EngineInfo } from './swarm.ts';
import { ENGINES, SWARMS } from './topology.ts';

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export async function status(): Promise<string> {
  const rows: string[][] = [['ENGINE', 'ADDRESS', 'NETNS', 'DOCKERD', 'LINK', 'SWARM', 'ROLE', 'NODE ID']];
  const infos = await Promise.all(
    ENGINES.map(async (e): Promise<EngineInfo | null> => {
      if (dockerdPid(e) === null) return null;
      try {
        return await labEngineInfo(socketClient(e, 3000));
      } catch {
        return null;
      }
    }),
  );
  ENGINES.forEach((e, i) => {
    const pid = dockerdPid(e);
    const info = infos[i] ?? null;
    const state = info?.Swarm.LocalNodeState;
    const role = state === 'active' ? (info?.Swarm.ControlAvailable ? 'manager' : 'worker') : '-';
    rows.push([
      e.name,
      e.address,
      netnsPresent(e) ? 'yes' : 'no',
      pid === null ? 'stopped' : info ? `running (${pid})` : `no answer (${pid})`,
      linkState(e),
      state ? state : '-',
      role,
      info?.Swarm.NodeID || '-',
    ]);
  });
  const lines = [table(rows), ''];
  for (const s of SWARMS) {
    let verdict: string;
    try {
      verdict = (await swarmProblems(s)) ?? 'ready';
    } catch (err) {
      verdict = errorMessage(err);
    }
    lines.push(`swarm ${s.name}: ${verdict}`);
  }
  return lines.join('\n');
}
