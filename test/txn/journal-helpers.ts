/** Shared set-up for the journal tests: a journal in a fresh temp dir, a fixed clock, test cards. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CardBrand } from '../../src/card/types.js';
import type { EntryMode } from '../../src/devices/card-reader.js';
import { Journal, type CardFacts, type JournalOptions } from '../../src/txn/journal/index.js';
import type { CurrencyTotals } from '../../src/txn/journal/totals.js';
import { Sensitive } from '../../src/util/sensitive.js';

export const PAN = '4761739001010119';
export const OTHER_PAN = '5413330089020011';

export function tempDir(prefix = 'pos-journal-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A clock that moves one second per call, from a fixed start. */
export function steppingClock(start = Date.parse('2025-03-01T10:00:00Z')): () => Date {
  let t = start;
  return () => new Date((t += 1000));
}

export function openJournal(dir: string, extra: Partial<JournalOptions> = {}): Journal {
  return Journal.open({ dir, terminalId: 'T0000001', clock: steppingClock(), ...extra });
}

export function card(pan = PAN, brand: CardBrand = 'visa', entryMode: EntryMode = 'chip'): CardFacts {
  return { pan: Sensitive.pan(pan), brand, entryMode };
}

/** Every byte of every file in the journal folder (db, -wal, -shm), latin1, for scanning. */
export function journalBytes(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

/**
 * Makes a folder and its files unwritable. Root ignores modes, so as root the
 * files are made immutable (chattr +i), which root obeys too; returns the undo.
 */
export function makeReadOnly(dir: string): () => void {
  if (process.getuid?.() === 0) {
    // Root ignores file modes: a read-only bind mount of the folder on itself refuses root too, on any filesystem.
    execFileSync('mount', ['--bind', dir, dir]);
    execFileSync('mount', ['-o', 'remount,bind,ro', dir]);
    return () => execFileSync('umount', [dir]);
  }
  const files = readdirSync(dir).map((f) => join(dir, f));
  for (const f of files) chmodSync(f, 0o444);
  chmodSync(dir, 0o555);
  return () => {
    chmodSync(dir, 0o755);
    for (const f of files) chmodSync(f, 0o644);
  };
}

/** A count and an amount in minor units, as `[count, amountMinor]`. */
export type Tally = readonly [count: number, amountMinor: number];

/** One currency's batch totals, each tally given as `[count, amountMinor]` and zero where not given. */
export function currencyTotals(currency: string, tallies: { debits?: Tally; credits?: Tally; reversals?: Tally; creditReversals?: Tally; voids?: Tally; releases?: Tally; offline?: Tally }, netMinor: number): CurrencyTotals {
  const of = ([count, amountMinor]: Tally = [0, 0]) => ({ count, amountMinor });
  return {
    currency,
    debits: of(tallies.debits),
    credits: of(tallies.credits),
    reversals: of(tallies.reversals),
    creditReversals: of(tallies.creditReversals),
    voids: of(tallies.voids),
    releases: of(tallies.releases),
    offline: of(tallies.offline),
    netMinor,
  };
}
