/** `pos journal ls | show | export` over a real journal file, through commander as the CLI registers it. */
import { beforeAll, describe, expect, it } from 'vitest';
import { registerJournal } from '../../src/cli/commands/journal.js';
import { runPos, type CliRun } from '../cli/in-process.js';
import { card, openJournal, OTHER_PAN, PAN, steppingClock, tempDir } from './journal-helpers.js';

let dir: string;

beforeAll(() => {
  dir = tempDir();
  // Three transactions at 10:00:0x: approved, reversal pending, offline with an awkward reason.
  const journal = openJournal(dir, { clock: steppingClock(Date.parse('2025-03-01T10:00:00Z')) });
  journal.steps.begin({ id: 'approved', amountMinor: 1250, currency: '978', card: card() });
  journal.steps.requestSent('approved', { stan: journal.stan.next(), transmittedAt: new Date('2025-03-01T10:00:00Z') });
  journal.steps.responseReceived('approved', { responseCode: '00', authCode: 'A1B2C3', rrn: '506012345678' });
  journal.steps.complete('approved');
  journal.steps.begin({ id: 'unknown', amountMinor: 999, currency: '978', card: card(OTHER_PAN, 'mastercard', 'swipe') });
  journal.steps.requestSent('unknown', { stan: journal.stan.next(), transmittedAt: new Date('2025-03-01T10:00:05Z') });
  journal.reversals.owe('unknown', 'HOST_TIMEOUT');
  journal.steps.begin({ id: 'offline', amountMinor: 300, currency: '978', card: card() });
  journal.steps.decline('offline', { reason: 'CARD SAID "NO", OFFLINE' });
  journal.close();
});

/** `pos journal …` as main.ts runs it (with its global `--config`). */
function pos(...args: string[]): Promise<CliRun> {
  return runPos((program) => registerJournal(program.option('-c, --config <file>')), ['journal', ...args]);
}

describe('pos journal ls', () => {
  it('lists entries oldest first with masked cards', async () => {
    const run = await pos('ls', '--dir', dir);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+CREATED\s+STATE\s+AMOUNT\s+CARD\s+STAN\s+RC\s+OFFLINE\s+ID$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[2])).toEqual(['completed', 'reversal-pending', 'declined']);
    expect(lines[1]).toContain('12.50 EUR');
    expect(lines[1]).toContain('476173******0119');
    expect(run.stdout).not.toContain(PAN);
  });

  it('filters by --status and --since and prints --json', async () => {
    const run = await pos('ls', '--dir', dir, '--status', 'reversal-pending', '--json');
    expect(JSON.parse(run.stdout)).toEqual([expect.objectContaining({ id: 'unknown', state: 'reversal-pending', maskedPan: '541333******0011', errorCode: 'HOST_TIMEOUT' })]);
    const since = await pos('ls', '--dir', dir, '--since', '2025-03-01T10:00:06Z', '--json');
    // The stepping clock gave "offline" its created time after 10:00:06 (one second a call).
    expect((JSON.parse(since.stdout) as { id: string }[]).map((e) => e.id)).toEqual(['offline']);
  });

  it.each([
    [['ls', '--status', 'bogus'], 'JOURNAL_QUERY_INVALID'],
    [['ls', '--since', 'yesterday'], 'JOURNAL_QUERY_INVALID'],
    [['show', 'no-such-id'], 'JOURNAL_NOT_FOUND'],
    [['export'], 'JOURNAL_QUERY_INVALID'],
  ])('%j → exit 1 and one line %s', async (args, code) => {
    const run = await pos(...args, '--dir', dir);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^${code}: [^\\n]+\\n$`));
  });

  it('says clearly when there is no journal in the folder', async () => {
    const run = await pos('ls', '--dir', tempDir());
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^JOURNAL_UNAVAILABLE: No journal at .*journal\.db\n$/);
  });
});

describe('pos journal show', () => {
  it('shows one entry and its steps, masked', async () => {
    const run = await pos('show', 'approved', '--dir', dir);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^id\s+approved$/m);
    expect(run.stdout).toMatch(/^card\s+476173\*{6}0119 \(visa\)$/m);
    expect(run.stdout).toMatch(/^auth code\s+A1B2C3$/m);
    expect(run.stdout.split('steps:\n')[1]!.trimEnd().split('\n').map((l) => l.trim().split(/\s+/)[1])).toEqual([
      'created',
      'request-sent',
      'response-received',
      'completed',
    ]);
    expect(run.stdout).not.toContain(PAN);
  });
});

describe('pos journal export --csv', () => {
  it('prints RFC 4180 CSV with a header, quoting where needed', async () => {
    const run = await pos('export', '--csv', '--dir', dir);
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.split('\r\n');
    expect(lines[0]!.split(',').slice(0, 6)).toEqual(['id', 'reference', 'outcome', 'seq', 'kind', 'state']);
    expect(lines[0]!.split(',').filter((c) => /pan/i.test(c))).toEqual(['maskedPan']); // nothing derived from the PAN
    expect(lines).toHaveLength(5); // header, three rows, and the empty string after the last CRLF
    expect(lines[3]).toContain('"CARD SAID ""NO"", OFFLINE"');
    expect(run.stdout).not.toContain(PAN);
    expect(run.stdout).not.toContain(OTHER_PAN);
  });
});
