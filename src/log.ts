/**
 * The node's logger: pino, one JSON object a line on stdout when stdout is not a terminal (what a
 * log shipper reads), pino-pretty's coloured lines when it is (what a person reads). Every line
 * has `level` (a name, not pino's number), `time` (ISO 8601), `msg`, and usually `component`
 * (http, cluster, shards, journal, views, live, imports…) and, for a request's lines, `reqId`.
 *
 * Secrets: fields named like one (authorization, token, secret, password, adminToken, cookie, at
 * the top, one level down, or in `headers`) are replaced by "[redacted]", and the values the node
 * knows to be secret (the cluster secret, the admin token) are cut out of every written line,
 * since a message or an error built from a URL or a config could carry them whatever the field
 * names say.
 *
 * Library code and tests that want plain lines pass a function of a line instead of a logger;
 * `toLogger` wraps it (info and above, the message text as the node's lines read before).
 */
import { Writable } from 'node:stream';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** The levels `--log-level` takes, quietest last ('silent' writes nothing). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

/** A logger, or the line function older callers and tests pass (see toLogger). */
export type LogSink = Logger | ((line: string) => void);

/** Field paths pino replaces with "[redacted]" wherever a line carries them. */
export const REDACT_PATHS: readonly string[] = ['authorization', 'token', 'secret', 'password', 'adminToken', 'cookie'].flatMap((k) => [
  k,
  `*.${k}`,
  `*.headers.${k}`,
]);

const REDACTED = '[redacted]';

export interface LoggerSettings {
  readonly level: LogLevel;
  /** Values never to print (the cluster secret, the admin token); undefined and short ones are skipped. */
  readonly secrets?: readonly (string | undefined)[];
  /** Default: stdout (`fd` 1), pretty when it is a terminal. Tests pass a stream to read the JSON lines. */
  readonly destination?: DestinationStream;
  /** Without a destination: 2 writes to stderr (libraries, worker threads), keeping stdout for a program's own output. */
  readonly fd?: 1 | 2;
  readonly pretty?: boolean;
}

function baseOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
  };
}

/**
 * Cuts `secrets` out of each serialised line, whatever field or message carries them (an error's
 * stack, a URL). Only written lines pass here, so the cost is a few `includes` per line, never
 * per request. A secret appears in JSON either as it is or escaped.
 */
function scrubbing(destination: DestinationStream, secrets: readonly string[]): DestinationStream {
  if (secrets.length === 0) return destination;
  const forms = [...new Set(secrets.flatMap((s) => [s, JSON.stringify(s).slice(1, -1)]))];
  return {
    write(line: string) {
      let out = line;
      for (const s of forms) if (out.includes(s)) out = out.split(s).join(REDACTED);
      destination.write(out);
    },
  };
}

/** The node's logger (src/main.ts). */
export function createLogger(settings: LoggerSettings): Logger {
  // A secret shorter than this would cut ordinary words out of lines; the settings refuse such anyway.
  const secrets = (settings.secrets ?? []).filter((s): s is string => s !== undefined && s.length >= 6);
  const fd = settings.fd ?? 1;
  const usePretty = settings.pretty ?? (settings.destination === undefined && (fd === 1 ? process.stdout : process.stderr).isTTY === true);
  // Synchronously: a line written just before process.exit is not lost, and the node writes few
  // lines (the access line is debug).
  const out: DestinationStream = settings.destination ?? pino.destination({ dest: fd, sync: true });
  const destination = usePretty
    ? pretty({ destination: settings.destination ?? fd, colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid' })
    : out;
  return pino(baseOptions(settings.level), scrubbing(destination, secrets));
}

/**
 * A logger writing each line of info and above to `line`: the message text as it is (callers
 * match on it: "demo season: loaded"), with the request id and an error's stack after it. For
 * tests and tools that collected the node's lines as text before the node had a logger.
 */
export function lineLogger(line: (text: string) => void): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const o = JSON.parse(chunk.toString('utf8')) as { level?: string; msg?: string; reqId?: string; err?: { stack?: string } };
      line(`${o.msg ?? ''}${o.reqId === undefined ? '' : ` (request ${o.reqId})`}${o.err?.stack ? `\n${o.err.stack}` : ''}`);
      done();
    },
  });
  // pino writes to a plain Writable synchronously enough for tests: one write per line.
  return pino({ ...baseOptions('info'), base: null, timestamp: false }, stream);
}

export function toLogger(sink: LogSink): Logger {
  return typeof sink === 'function' ? lineLogger(sink) : sink;
}

/**
 * A line function at one level of one component, for the modules that still take
 * `(line: string) => void`. Their lines carry no level, so one that reads as a failure (failed,
 * unreachable, refused, stopped by, could not) is written as a warning.
 */
export function lines(log: Logger, level: 'debug' | 'info' = 'info'): (line: string) => void {
  return (line) => {
    if (FAILURE.test(line)) log.warn(line);
    else log[level](line);
  };
}

// Not "refused" alone: "12 refused" counts a command's outcomes, it is no failure of the node.
const FAILURE = /\b(fail(ed|s|ure)?|unreachable|not reachable|refused a|stopped by|could not|cannot|error)\b/i;

/** The `(level, line)` loggers of the actor node, the cluster and the shard region, on a pino logger. */
export function leveled(log: Logger): (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void {
  return (level, line) => log[level](line);
}

/**
 * The default of a library part given no log (an actor system, a worker thread, a cluster member
 * started by a test): JSON lines on stderr at `level`, the logger made at the first line written.
 */
export function stderrLog(
  level: LogLevel,
  bindings: Readonly<Record<string, string | number>>,
): (level: 'debug' | 'info' | 'warn' | 'error', line: string) => void {
  let log: Logger | undefined;
  return (at, line) => {
    log ??= createLogger({ level, fd: 2 }).child(bindings);
    log[at](line);
  };
}
