/**
 * A purchase's tip keyed by the cardholder on the PIN pad before the card
 * (`transactions.tipEntry: "pinpad"`), through the engine and a real
 * journal file: the tip is recorded before the card is asked for the whole
 * amount, and every way the entry can end early ends the purchase before
 * any card is read or anything is sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import type { AmountEntryRequest } from '../../src/devices/pin-pad.js';
import { silentLogger as quiet } from '../../src/log/logger.js';
import type { TransactionEngine } from '../../src/txn/engine.js';
import type { Journal } from '../../src/txn/journal/index.js';
import { journalHistory } from '../../src/txn/journal/history.js';
import { JournalLedger } from '../../src/txn/journal-ledger.js';
import { ReversalDuties } from '../../src/txn/reversal-duties.js';
import { NO_EXTRAS, type TransactionPolicy } from '../../src/txn/start-input.js';
import { PosError } from '../../src/util/errors.js';
import { thrown } from '../pos-error.js';
import { approveAll, FakeHost, FakePinPad, FakeReader, testCard, testEngine } from './fakes.js';
import { openJournal, tempDir } from './journal-helpers.js';

const TIPS_ON_PAD: TransactionPolicy = { ...NO_EXTRAS, tips: true, tipEntry: 'pinpad' };

/** A pad whose cardholder keys nothing until the test says, and that gives up when the engine aborts. */
class WaitingPad extends FakePinPad {
  override takesAmounts = true;
  signal: AbortSignal | undefined;
  #onAsked: () => void = () => undefined;
  /** Resolves once the engine has asked the pad. */
  readonly asked = new Promise<void>((resolve) => (this.#onAsked = resolve));

  override enterAmount(request: AmountEntryRequest, signal: AbortSignal): Promise<number> {
    this.amountRequests.push(request);
    this.signal = signal;
    this.#onAsked();
    return new Promise((_resolve, reject) => {
      signal.addEventListener('abort', () => reject(new PosError('AMOUNT_ENTRY_CANCELLED', 'aborted', {})), { once: true });
    });
  }

}

const journals: Journal[] = [];
afterEach(() => {
  for (const journal of journals.splice(0)) journal.close();
});

function setup(pinpad: FakePinPad, policy: TransactionPolicy = TIPS_ON_PAD) {
  const journal = openJournal(tempDir());
  journals.push(journal);
  const ledger = new JournalLedger({ journal, duties: new ReversalDuties(journal.reversals, quiet), logger: quiet });
  const reader = new FakeReader();
  const host = new FakeHost(approveAll);
  const display = new RecordingDisplay();
  const engine: TransactionEngine = testEngine({ reader, host, ledger, pinpad, display, policy, history: journalHistory(journal) });
  return { engine, reader, host, journal, display };
}

function keying(...amounts: (number | PosError)[]): FakePinPad {
  const pad = new FakePinPad();
  pad.takesAmounts = true;
  pad.amounts = amounts;
  return pad;
}

describe('a tip keyed on the PIN pad', () => {
  it('is asked before the card, recorded, and the card and host are asked for the whole amount', async () => {
    const pad = keying(450);
    const { engine, reader, host, journal, display } = setup(pad);
    const started = engine.start({ type: 'purchase', amount: 3000, currency: '978' });
    expect(started).toMatchObject({ state: 'waiting-for-tip', amount: 3000, total: 3000 });
    await reader.armed();
    expect(pad.amountRequests).toEqual([{ purpose: 'tip', maxMinor: 3000, keyTimeoutMs: 30_000 }]);
    expect(reader.requests[0]).toMatchObject({ amountMinor: 3450 });
    expect(engine.get(started.id)).toMatchObject({ state: 'waiting-for-card', tip: 450, total: 3450 });
    expect(journal.get(started.id)).toMatchObject({ amountMinor: 3450, tipMinor: 450, state: 'created' });
    expect(journal.steps.of(started.id).map((s) => s.note)).toContain('tip entered');
    reader.present(testCard());
    expect(await engine.wait(started.id)).toMatchObject({ status: 'approved', amount: 3000, tip: 450, total: 3450 });
    expect(host.requests[0]).toMatchObject({ amountMinor: 3450 });
    expect(display.shown.map((s) => s.prompt)).toContain('ADD TIP ON PIN PAD');
  });

  it('takes ENTER on nothing as no tip', async () => {
    const { engine, reader, journal } = setup(keying(0));
    const started = engine.start({ type: 'purchase', amount: 1200, currency: '978' });
    await reader.armed();
    expect(reader.requests[0]).toMatchObject({ amountMinor: 1200 });
    reader.present(testCard());
    const ended = await engine.wait(started.id);
    expect(ended).toMatchObject({ status: 'approved', total: 1200 });
    expect(ended.tip).toBeUndefined();
    expect(journal.get(started.id)).toMatchObject({ amountMinor: 1200, tipMinor: 0 });
  });

  it.each<[string, PosError, string, string]>([
    ['the cancel key', new PosError('AMOUNT_ENTRY_CANCELLED', 'cancel key', {}), 'AMOUNT_ENTRY_CANCELLED', 'CANCELLED'],
    ['no key in time', new PosError('AMOUNT_ENTRY_TIMEOUT', 'no key', {}), 'AMOUNT_ENTRY_TIMEOUT', 'NO TIP ENTERED'],
    ['the pad unplugged', new PosError('DEVICE_DISCONNECTED', 'gone', {}), 'DEVICE_DISCONNECTED', 'CANCELLED'],
  ])('ends cancelled on %s, with no card read and nothing sent', async (_what, error, errorCode, reason) => {
    const { engine, reader, host, journal } = setup(keying(error));
    const started = engine.start({ type: 'purchase', amount: 2000, currency: '978' });
    expect(await engine.wait(started.id)).toMatchObject({ status: 'cancelled', errorCode, reason, total: 2000 });
    expect(reader.requests).toEqual([]);
    expect(host.requests).toEqual([]);
    expect(journal.get(started.id)).toMatchObject({ outcome: 'cancelled', amountMinor: 2000, stan: null });
  });

  it('ends failed when the pad answers a tip it was not asked for, before the card', async () => {
    const { engine, reader, host } = setup(keying(3001));
    const started = engine.start({ type: 'purchase', amount: 3000, currency: '978' });
    expect(await engine.wait(started.id)).toMatchObject({ status: 'failed', errorCode: 'TXN_AMOUNT_INVALID', total: 3000 });
    expect(reader.requests).toEqual([]);
    expect(host.requests).toEqual([]);
  });

  it('is stopped by a cancel from the register while the cardholder keys', async () => {
    const pad = new WaitingPad();
    const { engine, reader } = setup(pad);
    const started = engine.start({ type: 'purchase', amount: 2000, currency: '978' });
    await pad.asked;
    expect(engine.get(started.id)?.state).toBe('waiting-for-tip');
    expect(await engine.cancel(started.id)).toMatchObject({ status: 'cancelled', errorCode: 'TXN_CANCELLED' });
    expect(pad.signal?.aborted).toBe(true);
    expect(reader.requests).toEqual([]);
  });

  it('a cancel that comes while the prompt is shown: neither the pad nor the reader is asked', async () => {
    for (const tipOnPad of [true, false]) {
      const pad = new WaitingPad();
      const journal = openJournal(tempDir());
      journals.push(journal);
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const display = new RecordingDisplay();
      display.show = () => held;
      const reader = new FakeReader();
      const ledger = new JournalLedger({ journal, duties: new ReversalDuties(journal.reversals, quiet), logger: quiet });
      const engine = testEngine({ reader, host: new FakeHost(approveAll), ledger, pinpad: pad, display, policy: tipOnPad ? TIPS_ON_PAD : NO_EXTRAS });
      const started = engine.start({ type: 'purchase', amount: 2000, currency: '978' });
      const cancelled = engine.cancel(started.id);
      release();
      expect(await cancelled).toMatchObject({ status: 'cancelled', errorCode: 'TXN_CANCELLED' });
      expect(pad.amountRequests).toEqual([]);
      expect(reader.requests).toEqual([]);
    }
  }, 5_000);

  it('is capped at the policy share of the goods', async () => {
    const pad = keying(0);
    const { engine, reader } = setup(pad, { ...TIPS_ON_PAD, tipLimitPercent: 20 });
    engine.start({ type: 'purchase', amount: 5000, currency: '978', cashback: undefined });
    await reader.armed();
    expect(pad.amountRequests[0]?.maxMinor).toBe(1000);
  });

  it('is not asked when the register gives the tip, for a refund or a pre-authorization, or when tips are off', async () => {
    const pad = keying();
    const { engine, reader } = setup(pad);
    const given = engine.start({ type: 'purchase', amount: 1000, tip: 100, currency: '978' });
    expect(given.state).toBe('waiting-for-card');
    await reader.armed();
    expect(reader.requests[0]).toMatchObject({ amountMinor: 1100 });
    await engine.cancel(given.id);
    const none = engine.start({ type: 'purchase', amount: 1000, tip: 0, currency: '978' });
    expect(none).toMatchObject({ state: 'waiting-for-card', total: 1000 });
    await engine.cancel(none.id);
    const hold = engine.start({ type: 'preauth', amount: 1000, currency: '978' });
    expect(hold.state).toBe('waiting-for-card');
    await engine.cancel(hold.id);
    const off = setup(keying(), { ...TIPS_ON_PAD, tips: false });
    expect(off.engine.start({ type: 'purchase', amount: 1000, currency: '978' }).state).toBe('waiting-for-card');
    expect(pad.amountRequests).toEqual([]);
  });
});

describe('the tipEntry setting', () => {
  const base = { devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' } };

  it('needs tips on and a PIN pad with its tip prompt (CONFIG_INVALID naming each)', () => {
    const noTips = thrown(() => parseConfig({ ...base, devices: { reader: { type: 'virtual' }, pinpad: { type: 'virtual' } }, transactions: { tipEntry: 'pinpad' } }));
    expect(noTips).toMatchObject({ code: 'CONFIG_INVALID', details: { fields: ['transactions.tips'] } });
    const noPad = thrown(() => parseConfig({ ...base, transactions: { tips: true, tipEntry: 'pinpad' } }));
    expect(noPad).toMatchObject({ code: 'CONFIG_INVALID', details: { fields: ['devices.pinpad.tipPrompt'] } });
    const noPrompt = thrown(() =>
      parseConfig({ ...base, devices: { reader: { type: 'virtual' }, pinpad: { type: 'verifone-serial', path: '/dev/ttyUSB1' } }, transactions: { tips: true, tipEntry: 'pinpad' } }),
    );
    expect(noPrompt).toMatchObject({ code: 'CONFIG_INVALID', details: { fields: ['devices.pinpad.tipPrompt'] } });
    const virtual = parseConfig({ ...base, devices: { reader: { type: 'virtual' }, pinpad: { type: 'virtual' } }, transactions: { tips: true, tipEntry: 'pinpad' } });
    expect(virtual.transactions).toMatchObject({ tipEntry: 'pinpad', tipLimitPercent: 100 });
  });
});
