/**
 * How every `pos` subcommand ends on an error: one line `CODE: message` on
 * stderr (never a stack trace, never card data: `PosError` messages carry
 * none) — plus one line of hint when the error carries one (`details.hint`,
 * e.g. `see 'pos --help'`) — and an exit code: 2 for configuration and usage,
 * 1 for the rest.
 */
import { CommanderError } from 'commander';
import { asPosError, PosError, type ErrorCode } from '../util/errors.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * Codes of another kind that only the operator can cure, so restarting is
 * pointless: exit 2 as for configuration (systemd's `RestartPreventExitStatus=2`).
 */
const OPERATOR_MUST_FIX: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // The journal's folder cannot be written: a read-only filesystem or its permissions.
  'JOURNAL_READ_ONLY',
]);

export function exitCodeFor(error: PosError): number {
  return error.kind === 'config' || OPERATOR_MUST_FIX.has(error.code) ? EXIT_USAGE : EXIT_FAILURE;
}

/** Prints the error as one line and sets `process.exitCode`. */
export function reportError(error: unknown, where: string): void {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
    return;
  }
  const e = asPosError(error, where);
  const offset = typeof e.details['offset'] === 'number' ? ` (offset ${e.details['offset']})` : '';
  const path = Array.isArray(e.details['path']) ? ` [${(e.details['path'] as readonly (string | number)[]).join(' > ')}]` : '';
  process.stderr.write(`${e.code}: ${e.message}${offset}${path}\n`);
  if (typeof e.details['hint'] === 'string') process.stderr.write(`${e.details['hint']}\n`);
  if (process.env['POS_DEBUG_STACK'] === '1' && e.cause instanceof Error) process.stderr.write(`${e.cause.stack ?? ''}\n`);
  process.exitCode = exitCodeFor(e);
}

/** Wraps a commander action so a thrown or rejected error is reported, not crashed on. */
export function action<A extends unknown[]>(where: string, fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportError(err, where);
    }
  };
}

/** Writes a JSON document on stdout, one line per call site's choice of indentation. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
