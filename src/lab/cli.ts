// Lab CLI entry: parses `<cmd> [ENGINE]`, runs it, maps failures to exit codes (1 = failed, 2 = bad usage).
import { dockerdPid, startDockerd, stopDockerd, waitDockerd } from './engine.ts';
import { LabError, elapsed, errorMessage, progress } from './exec.ts';
import { linkState, setLink } from './netns.ts';
import { requireRoot } from './prereqs.ts';
import { status } from './status.ts';
import { down, leftovers } from './teardown.ts';
import { ENGINES, findEngine, type EngineDef } from './topology.ts';
import { up } from './up.ts';

const USAGE = `usage: npm run lab -- <command>
  up               bring the lab up (idempotent: repairs what is missing)
  down             remove everything the lab made; fails listing any leftover
  status           table of engines, links and swarm state
  stop ENGINE      stop the engine's dockerd (SIGTERM, then SIGKILL after 30s)
  start ENGINE     start it again with the same flags and data
  cut ENGINE       take the engine's network link down
  heal ENGINE      bring it back up
  check-clean      exit 0 when no lab leftovers exist, else list them
engines: ${ENGINES.map((e) => e.name).join(', ')}`;

function engineArg(cmd: string, args: string[]): EngineDef {
  const name = args[0];
  if (name === undefined || args.length !== 1)
    throw new LabError(`${cmd} needs exactly one ENGINE\n${USAGE}`, 2);
  const e = findEngine(name);
  if (!e) {
    throw new LabError(`unknown engine "${name}"; engines: ${ENGINES.map((x) => x.name).join(', ')}`, 2);
  }
  return e;
}

function noArgs(cmd: string, args: string[]): void {
  if (args.length > 0) throw new LabError(`${cmd} takes no arguments\n${USAGE}`, 2);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  const t0 = Date.now();
  switch (cmd) {
    case 'up':
      noArgs(cmd, args);
      await up();
      return 0;
    case 'down': {
      noArgs(cmd, args);
      requireRoot(cmd);
      const left = await down();
      if (left.length > 0) {
        process.stderr.write(`lab down left these behind:\n  ${left.join('\n  ')}\n`);
        return 1;
      }
      progress(`lab is down, nothing left behind (${elapsed(t0)})`);
      return 0;
    }
    case 'status':
      noArgs(cmd, args);
      process.stdout.write((await status()) + '\n');
      return 0;
    case 'check-clean': {
      noArgs(cmd, args);
      requireRoot(cmd);
      const left = await leftovers();
      if (left.length > 0) {
        process.stderr.write(`lab leftovers:\n  ${left.join('\n  ')}\n`);
        return 1;
      }
      process.stdout.write('clean: no lab leftovers\n');
      return 0;
    }
    case 'stop': {
      const e = engineArg(cmd, args);
      requireRoot(cmd);
      const r = await stopDockerd(e);
      if (!r.wasRunning) progress(`${e.name}: dockerd was not running`);
      else
        progress(`${e.name}: dockerd stopped in ${(r.ms / 1000).toFixed(1)}s${r.forced ? ' (SIGKILL)' : ''}`);
      return 0;
    }
    case 'start': {
      const e = engineArg(cmd, args);
      requireRoot(cmd);
      if (!startDockerd(e)) {
        progress(`${e.name}: dockerd already running (pid ${dockerdPid(e) ?? '?'})`);
      }
      await waitDockerd(e, 90_000);
      progress(`${e.name}: dockerd answers (${elapsed(t0)})`);
      return 0;
    }
    case 'cut':
    case 'heal': {
      const e = engineArg(cmd, args);
      requireRoot(cmd);
      setLink(e, cmd === 'heal');
      progress(`${e.name}: link ${linkState(e)}`);
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      throw new LabError(`unknown command "${cmd}"\n${USAGE}`, 2);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`lab: ${errorMessage(err)}\n`);
    process.exitCode = err instanceof LabError ? err.exitCode : 1;
  },
);
