// Fastify gives every request a child logger carrying its request id. A pino child serialises its bindings when it is
// made, which costs about as much as answering a kept read; most requests log nothing at the levels production runs
// at (warn, or info with request logging off). The request's logger here makes that child only when something is
// logged at a level that is enabled, so a request that logs nothing costs one small object.
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

type ChildLoggerFactory = NonNullable<FastifyServerOptions['childLoggerFactory']>;
type Bindings = Parameters<FastifyBaseLogger['child']>[0];
type ChildLoggerOptions = NonNullable<Parameters<FastifyBaseLogger['child']>[1]>;
type LevelName = FastifyBaseLogger['level'];

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** A pino logger's own level test (absent from fastify's base logger type). */
interface LevelTest {
  isLevelEnabled(level: string): boolean;
}

const canTestLevel = (logger: FastifyBaseLogger): logger is FastifyBaseLogger & LevelTest =>
  typeof (logger as Partial<LevelTest>).isLevelEnabled === 'function';

class LazyChildLogger implements FastifyBaseLogger {
  private made: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: FastifyBaseLogger & LevelTest,
    private readonly childBindings: Bindings,
    private readonly childOptions: ChildLoggerOptions,
  ) {}

  private real(): FastifyBaseLogger {
    this.made ??= this.parent.child(this.childBindings, this.childOptions);
    return this.made;
  }

  private enabled(level: Level): boolean {
    // A child given its own level (a route's logLevel) decides for itself.
    if (this.made === null && this.childOptions.level === undefined) return this.parent.isLevelEnabled(level);
    const real = this.real();
    return canTestLevel(real) ? real.isLevelEnabled(level) : true;
  }

  private log(level: Level, args: unknown[]): void {
    if (!this.enabled(level)) return;
    this.real()[level](...(args as [unknown]));
  }

  get level(): LevelName {
    return this.made?.level ?? this.childOptions.level ?? this.parent.level;
  }

  set level(level: LevelName) {
    this.real().level = level;
  }

  isLevelEnabled(level: string): boolean {
    return this.enabled(level as Level);
  }

  // Methods, not per-instance closures: a request's logger is one small object.
  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.log('error', args);
  }
  warn(...args: unknown[]): void {
    this.log('warn', args);
  }
  info(...args: unknown[]): void {
    this.log('info', args);
  }
  debug(...args: unknown[]): void {
    this.log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.log('trace', args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real().child(bindings, options);
  }
}

/** fastify's `childLoggerFactory`: the request's logger, made real on its first enabled log line. */
export const lazyChildLogger: ChildLoggerFactory = (logger, bindings, options) =>
  canTestLevel(logger) ? new LazyChildLogger(logger, bindings, options) : logger.child(bindings, options);
