/**
 * The bank host's book across simulator lives. `pos host-sim` keeps its
 * ledger in memory only: when it is restarted — or killed, in the host-crash
 * phase — it forgets what it booked, where a real host's book survives a
 * crash. So the crash test keeps the book itself: it reads each life's
 * ledger just before that life ends (with the terminal idle, or for the
 * crash after the request under test was booked and before its answer), and
 * the book is every life's entries, oldest first.
 *
 * A reversal that reaches a later life is applied to its original in an
 * earlier one, as a surviving book would: by terminal ID and STAN (a
 * reversal names its original's STAN in DE 90, and the terminal never reuses
 * a STAN within a run). A tip adjustment reversed by a later life is marked
 * so, but its purchase's captured amount is not put back (the crash test
 * restarts the host only with no reversal owed, but for the host crash). An
 * incremental authorization reversed by a later life is taken off its
 * pre-authorization's hold, if that still holds, as the simulator does. The
 * restarted simulator answers such a reversal 25 (no record), which ends the
 * terminal's duty just as 00 does.
 *
 * Pure: ledgers in, one ledger out.
 */
import type { LedgerEntry } from './host-sim.js';

/** Requests an approval of which a reversal undoes (a completion or tip adjustment may be an advice). */
const MONEY_MTIS: ReadonlySet<string> = new Set(['0100', '0200', '0220', '0221']);
const REVERSAL_MTIS: ReadonlySet<string> = new Set(['0400', '0401', '0420', '0421']);
/** A reversal the host took: reversed (00), or no such original in this life's memory (25). */
const TAKEN: ReadonlySet<string> = new Set(['00', '25']);

/** `lives`: each life's whole ledger (`GET /v1/ledger?all=1`), oldest life first. */
export function combineLives(lives: readonly (readonly LedgerEntry[])[]): LedgerEntry[] {
  const book: LedgerEntry[] = [];
  lives.forEach((life, i) => {
    const later = lives.slice(i + 1).flat();
    const reversedLater = new Set(later.filter((e) => REVERSAL_MTIS.has(e.mti) && e.responseCode !== null && TAKEN.has(e.responseCode)).map((e) => stanKey(e, e.originalStan ?? e.stan)));
    for (const entry of life) {
      const reversed = entry.reversed || (MONEY_MTIS.has(entry.mti) && reversedLater.has(stanKey(entry, entry.stan)));
      // A reversed hold holds nothing, as the simulator books it.
      book.push(reversed === entry.reversed ? entry : { ...entry, reversed, heldMinor: entry.heldMinor === null ? null : 0 });
      if (reversed && !entry.reversed && entry.kind === 'incremental') lowerHold(book, entry);
    }
  });
  return book;
}

/** The increment's amount off the hold it raised, when that hold is still held (not reversed, not completed). */
function lowerHold(book: LedgerEntry[], increment: LedgerEntry): void {
  const i = book.findIndex((e) => e.kind === 'preauth' && e.terminalId === increment.terminalId && e.stan === increment.originalStan && !e.reversed && !e.completed);
  const hold = book[i];
  if (hold === undefined) return;
  const held = hold.heldMinor ?? 0;
  book[i] = { ...hold, heldMinor: held - Math.min(increment.amountMinor ?? 0, held) };
}

function stanKey(entry: LedgerEntry, stan: string | null): string {
  return `${entry.terminalId ?? '-'}/${stan ?? '-'}`;
}
