/**
 * `pos diag card`: the action over a PC/SC slot that hands it an in-process
 * virtual card (the real slot over pcscd is the wire test,
 * test/drivers/pcsc/diag-card-pcscd.test.ts), and the command line. What is
 * checked is what a technician reads — the bytes printed, human and JSON —
 * and those bytes never hold the card's full PAN.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CardSession, PcscSlot, PcscSlotOptions, SlotState } from '../../drivers/pcsc/pcsc-slot.js';
import { collectCardReport, diagCard, readerPatternOf, type CardReport, type DiagCardDeps, type DiagCardOptions } from '../../src/cli/actions/diag-card.js';
import { parseConfig } from '../../src/config/load.js';
import { SIMULATED_DEFAULT, type Config } from '../../src/config/schema.js';
import { PosError } from '../../src/util/errors.js';
import { buildChipCard, type EmvChipCard } from '../../hw-mocks/chip-card/emv-chip-card.js';
import { testCas } from '../drivers/chip-card/harness.js';
import { TEST_NOW } from '../emv/kernel/fixtures.js';
import { rejection } from '../pos-error.js';
import { runCli } from './in-process.js';

/** The deck card the Visa profiles carry (hw-mocks/cards/deck.json). */
const VISA_PAN = '4111111111111111';
const READER = 'Test CCID Reader 00 00';

beforeAll(() => {
  testCas();
});

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

interface FakeSlot {
  readonly open: DiagCardDeps['openSlot'];
  readonly opened: PcscSlotOptions[];
  readonly disconnects: () => number;
  readonly closed: () => boolean;
}

/** A slot whose reader holds `card` (connected at once), or stands in `state` until the wait is aborted. */
function fakeSlot(card: EmvChipCard | undefined, state: SlotState = card === undefined ? 'empty' : 'card-present'): FakeSlot {
  const opened: PcscSlotOptions[] = [];
  let disconnects = 0;
  let closed = false;
  const session = (c: EmvChipCard): CardSession => {
    c.powerOn();
    return {
      reader: READER,
      atr: c.atr,
      protocol: 'T=1',
      transmit: (command) => Promise.resolve(c.transmit(command)),
      removed: new Promise(() => undefined),
      disconnect: () => {
        disconnects++;
      },
    };
  };
  const slot: PcscSlot = {
    waitForCard: (signal) =>
      card !== undefined
        ? Promise.resolve(session(card))
        : new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new PosError('DEVICE_READ_CANCELLED', 'cancelled', { reason: 'aborted' })))),
    state: () => (state === 'no-reader' || state === 'no-service' ? { state } : { state, reader: READER }),
    onReaderChange: () => () => undefined,
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
  return {
    open: (options) => {
      opened.push(options);
      return Promise.resolve(slot);
    },
    opened,
    disconnects: () => disconnects,
    closed: () => closed,
  };
}

const config = (reader: Record<string, unknown> = { type: 'pcsc', readerName: '^Test CCID' }): Config =>
  parseConfig({ ...SIMULATED_DEFAULT, devices: { reader } });

const chip = (profile: string): EmvChipCard => buildChipCard({ profile, ca: testCas() });

const deps = (slot: FakeSlot): DiagCardDeps => ({ openSlot: slot.open, now: () => TEST_NOW, extraCapks: testCas().map((ca) => ca.capk) });

/** Runs the action as `pos diag card` does once the config is loaded; stdout as printed. */
async function printed(opts: DiagCardOptions, slot: FakeSlot, cfg: Config = config()): Promise<{ stdout: string; exitCode: number }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  await diagCard(opts, cfg, deps(slot));
  return { stdout, exitCode: Number(process.exitCode ?? 0) };
}

function expectNoFullPan(bytes: string): void {
  expect(bytes).not.toContain(VISA_PAN);
  // Nor the card's Track 2 Equivalent Data (57), whose hex starts with the PAN's digits.
  expect(bytes).not.toMatch(/411111111111/);
}

describe('pos diag card, the report', () => {
  it('human: reader and why, ATR, the application, AIP, AFL, CVM list in words, DDA verified, masked PAN and expiry', async () => {
    const slot = fakeSlot(chip('visa-dda'));
    const { stdout, exitCode } = await printed({ json: false, waitSeconds: 5 }, slot);
    expect(exitCode).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe(`Reader        ${READER} (the configured readerName)`);
    expect(lines[1]).toBe('ATR           3B 68 00 00 00 73 C8 40 12 00 90 00 (T=1)');
    expect(lines[2]).toBe('Applications  from the PSE directory');
    expect(lines[3]).toMatch(/^ {2}A0000000031010 +VISA CREDIT +priority 1 +selected$/);
    expect(stdout).toContain('Selected      A0000000031010 VISA CREDIT (terminal AID A0000000031010)\n');
    expect(stdout).toContain('AIP           3C00: DDA supported, Cardholder verification is supported, Terminal risk management is to be performed, Issuer authentication is supported\n');
    expect(stdout).toMatch(/AFL {11}\w+: SFI 1 record 1; SFI 2 record 1 \(1 for ODA\); SFI 2 record 2; SFI 3 records 1-4\n/);
    expect(stdout).toContain('CVM list      X = 0.00 EUR, Y = 0.00 EUR\n  1. Enciphered PIN verified online, if terminal supports the CVM; apply next rule if unsuccessful [42 03]\n');
    expect(stdout).toMatch(/ODA {11}DDA verified — CA key A000000003 index [0-9A-F]{2}: in the terminal\n/);
    expect(stdout).toContain('Card          411111******1111, expires 2030-12-31\n');
    expect(stdout).not.toContain('FAILED');
    expectNoFullPan(stdout);
    expect(slot.disconnects()).toBe(1);
    expect(slot.closed()).toBe(true);
  });

  it('--json: the same report as data, no full PAN in the bytes printed', async () => {
    const slot = fakeSlot(chip('visa-cda'));
    const { stdout, exitCode } = await printed({ json: true, waitSeconds: 5 }, slot);
    expect(exitCode).toBe(0);
    expectNoFullPan(stdout);
    const report = JSON.parse(stdout) as CardReport;
    expect(report.reader).toEqual({ name: READER, chosenBy: 'config', pattern: '^Test CCID' });
    expect(report.atr).toBe('3B6800000073C84012009000');
    expect(report.selected?.aid).toBe('A0000000031010');
    expect(report.oda).toMatchObject({ method: 'cda', status: 'icc-key-recovered' });
    expect(report.card).toEqual({ maskedPan: '411111******1111', expiry: '2030-12-31' });
  });

  it('a card that cannot be read to the end: the report up to there, the failing step, exit 1', async () => {
    const slot = fakeSlot(chip('visa-blocked'));
    const { stdout, exitCode } = await printed({ json: false, waitSeconds: 5 }, slot);
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/A0000000031010 +VISA CREDIT +priority 1 +blocked \(6283\)\n/);
    expect(stdout).toContain('FAILED        at selection: EMV_APPLICATION_BLOCKED: ');
    expect(slot.disconnects()).toBe(1);
    expect(slot.closed()).toBe(true);
  });

  it('--aid reads that application', async () => {
    const slot = fakeSlot(chip('two-applications'));
    const report = await collectCardReport(config(), { waitSeconds: 5, aid: 'A0000000031010' }, deps(slot));
    expect(report.selected?.aid).toBe('A0000000031010');
  });

  it('without the card’s CA key in the config: ODA failed, the RID and index named', async () => {
    const slot = fakeSlot(chip('visa-sda'));
    const report = await collectCardReport(config(), { waitSeconds: 5 }, { openSlot: slot.open, now: () => TEST_NOW });
    expect(report.oda).toMatchObject({ method: 'sda', status: 'failed', failure: 'capk-missing', caKey: { rid: 'A000000003', found: false } });
  });
});

describe('pos diag card, the reader', () => {
  it('--reader wins; else a pcsc reader’s readerName; else (virtual, magstripe) the first reader', () => {
    expect(readerPatternOf(config(), 'Virtual PCD 00 01')).toEqual({ pattern: /Virtual PCD 00 01/u, chosenBy: 'option' });
    expect(readerPatternOf(config(), undefined)).toEqual({ pattern: /^Test CCID/u, chosenBy: 'config' });
    for (const reader of [{ type: 'virtual', model: 'pcsc' }, { type: 'msr-serial', path: '/dev/ttyUSB0' }]) {
      const { pattern, chosenBy } = readerPatternOf(config(reader), undefined);
      expect(chosenBy).toBe('first-reader');
      expect(pattern.test('Any Reader 00 00')).toBe(true);
    }
  });

  it('opens the slot with the pattern chosen and says so', async () => {
    const slot = fakeSlot(chip('visa-sda'));
    const report = await collectCardReport(config({ type: 'virtual', model: 'pcsc' }), { waitSeconds: 5 }, deps(slot));
    expect(slot.opened.map((o) => o.readerPattern.source)).toEqual(['(?:)']);
    expect(report.reader.chosenBy).toBe('first-reader');
  });

  it.each([
    ['empty', 'PCSC_NO_CARD', { reader: READER, waitSeconds: 1 }],
    ['no-reader', 'PCSC_READER_NOT_FOUND', { pattern: '^Test CCID' }],
    ['no-service', 'PCSC_SERVICE_UNAVAILABLE', { failure: 'no-service' }],
  ] as const)('no card within --wait, the slot %s: %s', async (state, code, details) => {
    const slot = fakeSlot(undefined, state);
    const error = await rejection(collectCardReport(config(), { waitSeconds: 1 }, deps(slot)));
    expect(error.code).toBe(code);
    expect(error.details).toEqual(details);
    expect(slot.closed()).toBe(true);
  });
});

describe('pos diag card, the command line', () => {
  it.each([
    [['--wait', '0'], '--wait'],
    [['--wait', '2s'], '--wait'],
    [['--aid', 'A00000'], '--aid'],
    [['--reader', '['], '--reader'],
  ])('%j: CLI_USAGE, exit 2, nothing read', async (args, option) => {
    const run = await runCli(['diag', 'card', ...args]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^CLI_USAGE: /);
    expect(run.stderr).toContain(option);
    expect(run.stdout).toBe('');
  });

  it('is listed in pos diag --help', async () => {
    const run = await runCli(['diag', '--help']);
    expect(run.stdout).toMatch(/\n {2}card \[options\] +read the chip card in a PC\/SC reader without a transaction/);
  });
});
