/**
 * Loads the configuration: `--config` beats `POS_CONFIG`, which beats the
 * default path; when no file is named and the default path does not exist,
 * the simulated default is used. Every problem is a `PosError` whose details
 * name the field, so the CLI can say exactly what to fix.
 */
import { readFileSync } from 'node:fs';
import { PosError } from '../util/errors.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { configSchema, SIMULATED_DEFAULT, type Config } from './schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/pos-terminal/config.json';

export interface ConfigSource {
  /** `--config` on the command line. */
  path?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

export interface LoadedConfig {
  config: Config;
  /** The file read, or `null` for the built-in simulated default. */
  path: string | null;
}

export function loadConfig(source: ConfigSource = {}): LoadedConfig {
  const env = source.env ?? process.env;
  const named = source.path ?? env['POS_CONFIG'];
  const path = named ?? DEFAULT_CONFIG_PATH;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (named === undefined && code === 'ENOENT') return { config: parseConfig(SIMULATED_DEFAULT), path: null };
    throw new PosError('CONFIG_UNREADABLE', `Cannot read config file ${path}: ${code ?? 'error'}`, { path, reason: code ?? 'unknown' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse's message may quote the file; say only where it breaks.
    const at = findJsonSyntaxError(text);
    if (at === null) throw new PosError('CONFIG_NOT_JSON', `Config file ${path} is not valid JSON`, { path });
    throw new PosError('CONFIG_NOT_JSON', `Config file ${path} is not valid JSON: expected ${at.expected} at line ${at.line}, column ${at.column}`, {
      path,
      line: at.line,
      column: at.column,
      offset: Buffer.byteLength(text.slice(0, at.offset), 'utf8'),
    });
  }
  return { config: parseConfig(raw, path), path };
}

/** Validates an already-parsed object against the schema. */
export function parseConfig(raw: unknown, path = '(built-in)'): Config {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const field = issue.path.length === 0 ? '(root)' : issue.path.join('.');
    return `${field}: ${issue.message}`;
  });
  // One line, every field named: the CLI prints it as it is, a log keeps it whole.
  throw new PosError('CONFIG_INVALID', `Invalid config ${path}: ${problems.join('; ')}`, {
    path,
    fields: result.error.issues.map((i) => (i.path.length === 0 ? '(root)' : i.path.join('.'))),
    problems,
  });
}
