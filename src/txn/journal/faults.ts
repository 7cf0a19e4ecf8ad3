/**
 * Turns what SQLite or the filesystem throws into the journal's typed faults.
 * Only the SQLite result code and the errno survive: a foreign message could
 * quote SQL text, and never needs to reach a log.
 */
import { PosError, type ErrorCode } from '../../util/errors.js';

/** The journal faults that stop new transactions until the terminal is restarted. */
export type JournalFaultCode = Extract<ErrorCode, 'JOURNAL_CORRUPT' | 'JOURNAL_DISK_FULL' | 'JOURNAL_READ_ONLY' | 'JOURNAL_UNAVAILABLE'>;

const MESSAGES: Readonly<Record<JournalFaultCode, string>> = {
  JOURNAL_CORRUPT: 'The journal file is damaged',
  JOURNAL_DISK_FULL: 'The journal disk is full',
  JOURNAL_READ_ONLY: 'The journal cannot be written (read-only filesystem or permissions)',
  JOURNAL_UNAVAILABLE: 'The journal cannot be used',
};

function errorCodeOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const code = err.code;
  return typeof code === 'string' ? code : undefined;
}

/** Which fault a SQLite (`SQLITE_*`) or Node (`E*`) error code means. */
export function faultCodeFor(code: string | undefined): JournalFaultCode {
  if (code === undefined) return 'JOURNAL_UNAVAILABLE';
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return 'JOURNAL_DISK_FULL';
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return 'JOURNAL_READ_ONLY';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return 'JOURNAL_CORRUPT';
  return 'JOURNAL_UNAVAILABLE';
}

/** `err` is already a `PosError` (passed through) or a foreign error (classified). */
export function journalFault(err: unknown, where: string, file: string): PosError {
  if (err instanceof PosError) return err;
  const code = errorCodeOf(err);
  const fault = faultCodeFor(code);
  return new PosError(fault, `${MESSAGES[fault]} (${where}: ${code ?? 'unknown error'})`, { file, where, cause: code ?? 'unknown' }, { cause: err });
}

export function isFault(error: PosError): boolean {
  return error.code in MESSAGES;
}
