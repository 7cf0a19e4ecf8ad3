/**
 * pino, JSON lines to stderr (journald under systemd; stdout stays free for a
 * command's own output). Pretty only on a TTY: pino-pretty is loaded then and
 * only then, and formats in this thread (no transport worker to start for a
 * person reading along). Every field name that can carry
 * card data or key material is redacted at any depth,
 * as a second line of defence behind `Sensitive`, which masks itself.
 */
import { createRequire } from 'node:module';
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import type PinoPretty from 'pino-pretty';
import { PosError } from '../util/errors.js';
import { Sensitive } from '../util/sensitive.js';

export type { Logger } from 'pino';

/** Field names whose values are never written, whatever object they sit in. */
export const SENSITIVE_FIELDS = [
  'pan',
  'track',
  'track1',
  'track2',
  'track3',
  'tracks',
  'pin',
  'pinBlock',
  'cvv',
  'cvv2',
  'cvc',
  'key',
  'keys',
  'bdk',
  'ipek',
  'kbpk',
  'imk',
  'password',
  'de2',
  'de35',
  'de45',
  'de52',
  'de55',
  'authorization',
] as const;

const SENSITIVE_SET: ReadonlySet<string> = new Set(SENSITIVE_FIELDS);
const MAX_DEPTH = 8;

/**
 * A copy of a log object with every sensitive field name replaced, at any
 * depth. `Sensitive` values are kept: they serialise as their masked form.
 * (pino's path-based `redact` cannot say "this name at any depth".)
 */
export function redactFields(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Sensitive || value instanceof Error) return value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (seen.has(value) || depth >= MAX_DEPTH) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactFields(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = SENSITIVE_SET.has(k) && !(v instanceof Sensitive) ? '[redacted]' : redactFields(v, depth + 1, seen);
  return out;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where lines go; default stderr, pretty-printed when stderr is a TTY. */
  destination?: DestinationStream;
  name?: string;
}

/** Throws `CONFIG_ENV_INVALID` when `POS_LOG_LEVEL` is set to something other than a level. */
export function createLogger(options: LoggerOptions = {}): Logger {
  // The environment wins over the config file, so an operator can raise the level without editing it.
  const level = logLevelFromEnv() ?? options.level ?? 'info';
  const common = {
    level,
    formatters: { log: (object: Record<string, unknown>) => redactFields(object) as Record<string, unknown> },
    base: options.name === undefined ? {} : { name: options.name },
  };
  if (options.destination) return pino(common, options.destination);
  if (process.stderr.isTTY && process.env['POS_LOG_PRETTY'] !== '0') return pino(common, prettyStderr());
  return pino(common, pino.destination({ dest: 2, sync: true }));
}

/** Coloured lines on stderr, written as they come (as the JSON destination is), for a person at a terminal. */
function prettyStderr(): DestinationStream {
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  return pretty({ colorize: true, destination: 2, sync: true });
}

/**
 * `POS_LOG_LEVEL`, or `undefined` when it is unset or empty. Anything else
 * that is not a level is refused (`CONFIG_ENV_INVALID`): a typo such as
 * `warning` must not silently leave the level where it was.
 */
export function logLevelFromEnv(env: NodeJS.ProcessEnv = process.env): LevelWithSilent | undefined {
  const value = env['POS_LOG_LEVEL'];
  if (value === undefined || value === '') return undefined;
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LevelWithSilent;
  throw new PosError('CONFIG_ENV_INVALID', `POS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`, { variable: 'POS_LOG_LEVEL', allowed: [...LOG_LEVELS] });
}

/** A logger that writes nothing, for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });
