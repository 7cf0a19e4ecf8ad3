/**
 * Amount entry (tip) on the PIN pad: the VeriFone driver against the virtual
 * pad (written from the PP791 manual, p. 210–223) over the in-memory pair.
 * The cardholder presses keys with `pressKeys`; what they see is the twin's
 * screen.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryTransportPair } from '../../../drivers/transport/memory-transport.js';
import { createVerifonePinPad, type VerifonePinPad } from '../../../drivers/verifone-pinpad/verifone-pinpad.js';
import { x924PinpadKeys } from '../../../hw-mocks/pinpad/pinpad-keys.js';
import { createVirtualPinPad, VIRTUAL_PINPAD_PROMPTS, VIRTUAL_PINPAD_TIP_PROMPT, type VirtualPinPad } from '../../../hw-mocks/pinpad/virtual-pinpad.js';
import { pinpadSchema } from '../../../src/config/schema.js';
import type { AmountEntryRequest } from '../../../src/devices/pin-pad.js';
import { Sensitive } from '../../../src/util/sensitive.js';
import { rejection } from '../../pos-error.js';

const KEYS = x924PinpadKeys();
const TIP: AmountEntryRequest = { purpose: 'tip', maxMinor: 100_000, keyTimeoutMs: 30_000 };
const open: { close(): Promise<void> }[] = [];

/** `tipPrompt` null: a driver configured without a prompt. */
function rig(tipPrompt: number | null = VIRTUAL_PINPAD_TIP_PROMPT): { driver: VerifonePinPad; twin: VirtualPinPad } {
  const [host, device] = createMemoryTransportPair({ host: 'mem:driver', device: 'mem:pinpad' });
  const twin = createVirtualPinPad(device, { initialKeyBlock: KEYS.initialKeyBlock, kbpk: KEYS.kbpk });
  const driver = createVerifonePinPad(host, { ackTimeoutMs: 500, answerMarginMs: 1000, ...(tipPrompt !== null && { tipPrompt }) });
  open.push(driver, twin);
  return { driver, twin };
}

afterEach(async () => {
  for (const d of open.splice(0)) await d.close();
  vi.useRealTimers();
});

/** The model of the pad's amount entry: what the amount is after `keys`, or how it ended. */
function expected(keys: string, maxMinor: number): number | 'cancelled' | 'timeout' | 'open' {
  let amount = 0;
  for (const key of keys) {
    if (key >= '0' && key <= '9') {
      const next = amount * 10 + Number(key);
      if (next <= maxMinor) amount = next;
    } else if (key === '/') amount = 0;
    else if (key === '#') return amount;
    else if (key === '*') return 'cancelled';
    else if (key === '?') return 'timeout';
  }
  return 'open';
}

describe('amount entry on the virtual PIN pad', () => {
  it('the config default for the virtual pad is the twin’s own tip prompt', () => {
    const config = pinpadSchema.parse({ type: 'virtual' });
    expect(config).toEqual({ type: 'virtual', tipPrompt: VIRTUAL_PINPAD_TIP_PROMPT });
    expect(VIRTUAL_PINPAD_PROMPTS[VIRTUAL_PINPAD_TIP_PROMPT]).toBe('ENTER TIP');
    expect(pinpadSchema.parse({ type: 'verifone-serial', path: '/dev/ttyS0' })).not.toHaveProperty('tipPrompt');
    expect(() => pinpadSchema.parse({ type: 'verifone-serial', path: '/dev/ttyS0', tipPrompt: 1000 })).toThrow();
  });

  it('a tip keyed and ENTER: 1250 minor units; the customer sees ENTER TIP over the digits', async () => {
    const { driver, twin } = rig();
    expect(driver.takesAmounts).toBe(true);
    twin.pressKeys('1250#');
    await expect(driver.enterAmount(TIP, new AbortController().signal)).resolves.toBe(1250);
    expect(twin.displayed[0]).toEqual(['ENTER TIP', '1250']);
    // First screen: the prompt and "0"; one redraw per digit.
    expect(twin.displayed.slice().reverse()).toEqual([
      ['ENTER TIP'],
      ['ENTER TIP', '0'],
      ['ENTER TIP'],
      ['ENTER TIP', '1'],
      ['ENTER TIP'],
      ['ENTER TIP', '12'],
      ['ENTER TIP'],
      ['ENTER TIP', '125'],
      ['ENTER TIP'],
      ['ENTER TIP', '1250'],
    ]);
    expect(twin.received.slice(0, 3)).toEqual(['Z2', 'Z2', 'Z42']);
    expect(twin.received.filter((t) => t === 'Z42')).toHaveLength(5);
  });

  it('ENTER on nothing is 0', async () => {
    const { driver, twin } = rig();
    twin.pressKeys('#');
    await expect(driver.enterAmount(TIP, new AbortController().signal)).resolves.toBe(0);
    expect(twin.displayed[0]).toEqual(['ENTER TIP', '0']);
  });

  it('CLR clears what was keyed; the cardholder types again', async () => {
    const { driver, twin } = rig();
    twin.pressKeys('99/42#');
    await expect(driver.enterAmount(TIP, new AbortController().signal)).resolves.toBe(42);
    const amounts = twin.displayed
      .slice()
      .reverse()
      .filter((screen) => screen.length === 2)
      .map((screen) => screen[1]);
    expect(amounts).toEqual(['0', '9', '99', '0', '4', '42']);
  });

  it('F1–F3 are ignored; a digit over maxMinor is ignored, the amount stays', async () => {
    const { driver, twin } = rig();
    twin.pressKeys('A1B2C#');
    await expect(driver.enterAmount(TIP, new AbortController().signal)).resolves.toBe(12);
    twin.pressKeys('4999#');
    await expect(driver.enterAmount({ ...TIP, maxMinor: 500 }, new AbortController().signal)).resolves.toBe(499);
    twin.pressKeys('6005#');
    await expect(driver.enterAmount({ ...TIP, maxMinor: 500 }, new AbortController().signal)).resolves.toBe(60);
  });

  it('CAN: AMOUNT_ENTRY_CANCELLED (kind cancelled); the pad ended the read itself, so no 72', async () => {
    const { driver, twin } = rig();
    twin.pressKeys('12*');
    const err = await rejection(driver.enterAmount(TIP, new AbortController().signal));
    expect(err).toMatchObject({ code: 'AMOUNT_ENTRY_CANCELLED', kind: 'cancelled', details: { reason: 'cancel-key' } });
    expect(twin.received).not.toContain('72');
  });

  it('no key within the key timeout: the pad answers ? and the driver rejects AMOUNT_ENTRY_TIMEOUT (by pad)', async () => {
    vi.useFakeTimers();
    const { driver, twin } = rig();
    const failed = rejection(driver.enterAmount({ ...TIP, keyTimeoutMs: 15_000 }, new AbortController().signal));
    await twin.waitForKeyRead();
    expect(twin.received.at(-1)).toBe('Z42');
    await vi.advanceTimersByTimeAsync(14_999);
    expect(twin.readingKeys).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    const err = await failed;
    expect(err).toMatchObject({ code: 'AMOUNT_ENTRY_TIMEOUT', kind: 'timeout', details: { by: 'pad', keyTimeoutSeconds: 15 } });
    expect(twin.received).not.toContain('72');
  });

  it('abort: 72 goes to the pad first, then AMOUNT_ENTRY_CANCELLED (aborted); the pad stops reading keys', async () => {
    const { driver, twin } = rig();
    const abort = new AbortController();
    twin.pressKeys('3');
    const pending = driver.enterAmount(TIP, abort.signal);
    await twin.waitForKeyRead();
    // The 3 was read; wait for the read after its redraw.
    while (twin.displayed[0]?.[1] !== '3' || !twin.readingKeys) await new Promise((r) => setImmediate(r));
    abort.abort();
    const err = await rejection(pending);
    expect(err).toMatchObject({ code: 'AMOUNT_ENTRY_CANCELLED', kind: 'cancelled', details: { reason: 'aborted' } });
    await new Promise((r) => setImmediate(r));
    expect(twin.received.at(-1)).toBe('72');
    expect(twin.readingKeys).toBe(false);
    expect(twin.authenticated).toBe(false);
    // An aborted signal before the start writes nothing.
    const before = twin.received.length;
    expect((await rejection(driver.enterAmount(TIP, abort.signal))).code).toBe('AMOUNT_ENTRY_CANCELLED');
    await new Promise((r) => setImmediate(r));
    expect(twin.received).toHaveLength(before);
  });

  it('a prompt ID the pad does not have: PIN_PAD_PROMPT_REFUSED (kind config) naming the ID', async () => {
    const { driver, twin } = rig(999);
    const err = await rejection(driver.enterAmount(TIP, new AbortController().signal));
    expect(err).toMatchObject({ code: 'PIN_PAD_PROMPT_REFUSED', kind: 'config', details: { promptId: 999, status: 'prompt-not-supported' } });
    expect(err.message).toContain('pinpad.tipPrompt');
    expect(twin.received).not.toContain('Z42');
    expect(twin.authenticated).toBe(false);
  });

  it('no prompt configured: takesAmounts is false and enterAmount is AMOUNT_ENTRY_UNAVAILABLE, nothing sent', async () => {
    const { driver, twin } = rig(null);
    expect(driver.takesAmounts).toBe(false);
    const err = await rejection(driver.enterAmount(TIP, new AbortController().signal));
    expect(err).toMatchObject({ code: 'AMOUNT_ENTRY_UNAVAILABLE', kind: 'state' });
    await new Promise((r) => setImmediate(r));
    expect(twin.received).toEqual([]);
  });

  it('one cardholder question at a time: PIN entry during amount entry is DEVICE_BUSY; both work after', async () => {
    const { driver, twin } = rig();
    const pending = driver.enterAmount(TIP, new AbortController().signal);
    await twin.waitForKeyRead();
    const pin = { pan: Sensitive.pan('4111111111111111'), amountMinor: 100, currency: '978', timeoutMs: 5000 };
    expect((await rejection(driver.requestPin(pin, new AbortController().signal))).code).toBe('DEVICE_BUSY');
    expect((await rejection(driver.enterAmount(TIP, new AbortController().signal))).code).toBe('DEVICE_BUSY');
    twin.pressKeys('7#');
    await expect(pending).resolves.toBe(7);
    const entered = driver.requestPin(pin, new AbortController().signal);
    await twin.waitForPrompt();
    twin.enterPin('1234');
    expect((await entered).pinBlock.length).toBe(8);
  });

  it('property: for any keys the amount is what the keys built, never over maxMinor', async () => {
    const keys = fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '/', 'A', 'B', 'C', '#', '*', '?'), maxLength: 14 });
    await fc.assert(
      fc.asyncProperty(keys, fc.integer({ min: 0, max: 99_999 }), async (typed, maxMinor) => {
        const { driver, twin } = rig();
        twin.pressKeys(`${typed}#`);
        const outcome = await driver.enterAmount({ ...TIP, maxMinor }, new AbortController().signal).then(
          (amount) => amount,
          (err: unknown) => err,
        );
        const want = expected(`${typed}#`, maxMinor);
        if (want === 'cancelled') expect(outcome).toMatchObject({ code: 'AMOUNT_ENTRY_CANCELLED' });
        else if (want === 'timeout') expect(outcome).toMatchObject({ code: 'AMOUNT_ENTRY_TIMEOUT' });
        else {
          expect(outcome).toBe(want);
          expect(Number.isSafeInteger(outcome) && (outcome as number) >= 0 && (outcome as number) <= maxMinor).toBe(true);
        }
        for (const d of open.splice(0)) await d.close();
      }),
      { numRuns: 60 },
    );
  });
});
