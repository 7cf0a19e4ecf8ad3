/**
 * The VeriFone PIN pad driver against the virtual pad over a real socat pty:
 * a PIN entered on the pad decrypts at the host (BDK → DUKPT PIN key) to the
 * same PIN; cancel key; nobody typing (timeout); abort; Z2; the fixed-PIN test
 * packet; NAK → resend and three NAKs → EOT; a tip keyed on the pad (Z2
 * fixed prompt, Z42/Z43).
 */
import { describe, expect, it } from 'vitest';
import { createVerifonePinPad } from '../../../drivers/verifone-pinpad/index.js';
import { VERIFONE_DEFAULT_SERIAL } from '../../../drivers/verifone-pinpad/kind.js';
import { openSerialTransport } from '../../../drivers/transport/serial-transport.js';
import { simulationPinpadKeys, type PinpadKeyMaterial } from '../../../hw-mocks/pinpad/pinpad-keys.js';
import { createVirtualPinPad, VIRTUAL_PINPAD_TIP_PROMPT } from '../../../hw-mocks/pinpad/virtual-pinpad.js';
import { openPtyEnd } from '../../../hw-mocks/pty-end.js';
import { decryptPinBlock, deriveTdesKeyFromBdk, tdesCounter } from '../../../src/crypto/index.js';
import { Sensitive } from '../../../src/util/sensitive.js';
import { deckCard } from '../reader-harness.js';
import { hasSocat, ptyRig } from '../pty-harness.js';
import { rejection } from '../../pos-error.js';

describe.skipIf(!hasSocat)('VeriFone PIN pad driver and virtual pad over a socat pty pair', () => {
  const keys: PinpadKeyMaterial = simulationPinpadKeys();
  const rig = ptyRig({
    twin: (deviceEnd) => createVirtualPinPad(deviceEnd, { initialKeyBlock: keys.initialKeyBlock, kbpk: keys.kbpk, pinTimeoutMs: 400, ackTimeoutMs: 300 }),
    // The kind's line settings; shorter link timeouts than the kind's driver, to keep the test quick.
    driver: async (path, logger) => createVerifonePinPad(await openSerialTransport({ ...VERIFONE_DEFAULT_SERIAL, path }), { logger, ackTimeoutMs: 300, answerMarginMs: 300, tipPrompt: VIRTUAL_PINPAD_TIP_PROMPT }),
  });
  const card = deckCard('visa-ok');
  const request = (timeoutMs = 5000) => ({ pan: Sensitive.pan(card.pan), amountMinor: 1234, currency: '978', timeoutMs });

  it('a PIN entered on the pad decrypts with the BDK through host-side DUKPT; the KSN counts', async () => {
    for (const [i, pin] of ['1234', '987654'].entries()) {
      const pending = rig.driver.requestPin(request(), new AbortController().signal);
      await rig.twin.waitForPrompt();
      rig.twin.enterPin(pin);
      const result = await pending;
      expect(result.format).toBe('iso0');
      expect(result.ksn.subarray(0, 8)).toEqual(keys.initialKsn.subarray(0, 8));
      expect(tdesCounter(result.ksn)).toBe(i + 1);
      const pinKey = deriveTdesKeyFromBdk(keys.bdk, result.ksn, 'pin');
      expect(decryptPinBlock(pinKey, result.pinBlock.reveal(), 0, card.pan)).toBe(pin);
      expect(`${result.pinBlock}`).toBe('[pin-block 8B]');
    }
    expect(rig.twin.received).toEqual(['Z60', 'Z60']);
    const text = rig.log.text();
    expect(text).not.toContain(card.pan);
  });

  it('the cancel key rejects with PIN_ENTRY_CANCELLED (kind cancelled); the pad then works again', async () => {
    const pending = rig.driver.requestPin(request(), new AbortController().signal);
    await rig.twin.waitForPrompt();
    rig.twin.pressCancel();
    const err = await rejection(pending);
    expect(err.code).toBe('PIN_ENTRY_CANCELLED');
    expect(err.kind).toBe('cancelled');
    const next = rig.driver.requestPin(request(), new AbortController().signal);
    await rig.twin.waitForPrompt();
    rig.twin.enterPin('4321');
    expect((await next).pinBlock.length).toBe(8);
  });

  it('nobody types: the pad times out (71) and the read is PIN_ENTRY_TIMEOUT; with a silent pad the driver times out and sends 72', async () => {
    const err = await rejection(rig.driver.requestPin(request(), new AbortController().signal));
    expect(err.code).toBe('PIN_ENTRY_TIMEOUT');
    expect(err.details).toMatchObject({ by: 'pad' });

    await rig.twin.close();
    const quietPad = createVirtualPinPad(openPtyEnd(rig.pair.devicePath), { initialKeyBlock: keys.initialKeyBlock, kbpk: keys.kbpk, pinTimeoutMs: 60_000 });
    rig.twin = quietPad;
    const err2 = await rejection(rig.driver.requestPin(request(100), new AbortController().signal));
    expect(err2.code).toBe('PIN_ENTRY_TIMEOUT');
    expect(err2.details).toMatchObject({ by: 'driver' });
    await expect.poll(() => quietPad.received.includes('72'), { timeout: 3_000 }).toBe(true);
    expect(quietPad.prompting).toBe(false);
  });

  it('abort sends 72 and rejects with kind cancelled', async () => {
    const ac = new AbortController();
    const pending = rig.driver.requestPin(request(), ac.signal);
    await rig.twin.waitForPrompt();
    ac.abort();
    expect((await rejection(pending)).code).toBe('DEVICE_READ_CANCELLED');
    await expect.poll(() => rig.twin.received.includes('72'), { timeout: 3_000 }).toBe(true);
    expect(rig.twin.prompting).toBe(false);
  });

  it('Z2 shows two lines; the fixed-PIN test packet gives a block of 1234', async () => {
    await rig.driver.showMessage(['TOTAL 12.34', 'THANK YOU']);
    expect(rig.twin.displayed[0]).toEqual(['TOTAL 12.34', 'THANK YOU']);
    const result = await rig.driver.requestTestPin(Sensitive.pan(card.pan), 1234, new AbortController().signal);
    const pinKey = deriveTdesKeyFromBdk(keys.bdk, result.ksn, 'pin');
    expect(decryptPinBlock(pinKey, result.pinBlock.reveal(), 0, card.pan)).toBe('1234');
  });

  it('a tip keyed on the pad, with a CLR and a NAKed packet on the way: the amount, and the customer saw it', async () => {
    rig.twin.nakNext(1);
    rig.twin.pressKeys('9/1250#');
    await expect(rig.driver.enterAmount({ purpose: 'tip', maxMinor: 10_000, keyTimeoutMs: 5000 }, new AbortController().signal)).resolves.toBe(1250);
    expect(rig.twin.displayed[0]).toEqual(['ENTER TIP', '1250']);
    expect(rig.twin.received.slice(0, 3)).toEqual(['Z2', 'Z2', 'Z42']);
  });

  it('NAK → resend → success; three NAKs → EOT → DEVICE_LINK_FAILED; a corrupt LRC from the pad is NAKed and resent', async () => {
    rig.twin.nakNext(2);
    await rig.driver.showMessage(['A']);
    expect(rig.twin.displayed[0]).toEqual(['A']);
    rig.twin.nakNext(3);
    const err = await rejection(rig.driver.showMessage(['B']));
    expect(err.code).toBe('DEVICE_LINK_FAILED');
    expect(err.details).toMatchObject({ attempts: 3 });

    rig.twin.corruptNextLrc(1);
    const pending = rig.driver.requestPin(request(), new AbortController().signal);
    await rig.twin.waitForPrompt();
    rig.twin.enterPin('2468');
    const result = await pending;
    expect(decryptPinBlock(deriveTdesKeyFromBdk(keys.bdk, result.ksn, 'pin'), result.pinBlock.reveal(), 0, card.pan)).toBe('2468');
    expect(rig.log.text()).toContain('packet error');
  });
});
