/** The keyboard-emulation reader driver against its twin over the in-memory HID pair. */
import { afterEach, describe, expect, it } from 'vitest';
import { createKeyboardMsrReader } from '../../../drivers/keyboard-msr/keyboard-msr-reader.js';
import { createVirtualKeyboardMsr, KEYBOARD_TWIN_IDS, rolloverReport, typeReports } from '../../../hw-mocks/keyboard-msr/virtual-keyboard-msr.js';
import { REQUEST, deckCard, hidReaderRig, readSwiped } from '../reader-harness.js';
import { rejection } from '../../pos-error.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function rig(style: 'press-release' | 'overlapped' = 'press-release') {
  return hidReaderRig({
    pair: { ...KEYBOARD_TWIN_IDS, inputReportBytes: 8 },
    reader: (host, logger) => createKeyboardMsrReader(host, { logger }),
    twin: (device) => createVirtualKeyboardMsr(device, { style }),
    onCleanup: (c) => cleanups.push(c),
  });
}

const signal = (): AbortSignal => new AbortController().signal;

describe('keyboard-emulation MSR against the virtual reader', () => {
  it.each(['press-release', 'overlapped'] as const)('a swipe of visa-ok typed %s is a CardRead', async (style) => {
    const { reader, twin } = rig(style);
    const card = deckCard('visa-ok');
    const got = await readSwiped(reader, twin, card);
    expect(got.card.pan.revealText()).toBe(card.pan);
    expect(got.card.cardholderName?.revealText()).toBe(card.name);
    expect(got.card.track2.revealText()).toBe(`${card.pan}=${card.expiry}${card.serviceCode}${card.discretionary}`);
  });

  it('a damaged stripe is a typed card error; the next swipe reads; the log holds no card data', async () => {
    const { reader, twin, log } = rig();
    const damaged = deckCard('mc-damaged');
    expect((await rejection(readSwiped(reader, twin, damaged))).code).toMatch(/^CARD_/);
    const visa = deckCard('visa-ok');
    expect((await readSwiped(reader, twin, visa)).card.brand).toBe('visa');
    for (const secret of [visa.pan, damaged.pan.slice(0, 8), 'TEST/CARD']) expect(log.text()).not.toContain(secret);
  });

  it('a rollover mid-swipe rejects with HID_KEYBOARD_ROLLOVER and the next swipe reads', async () => {
    const { reader, twin } = rig();
    const card = deckCard('visa-ok');
    const reports = typeReports('%B4111111111111111^');
    const first = reader.readCard(REQUEST, signal());
    await twin.sendReports([...reports.slice(0, 10), rolloverReport(), ...reports.slice(10)]);
    const err = await rejection(first);
    expect(err.code).toBe('HID_KEYBOARD_ROLLOVER');
    expect(JSON.stringify(err)).not.toContain('4111');
    expect((await readSwiped(reader, twin, card)).card.pan.revealText()).toBe(card.pan);
  });

  it('unplugged mid-swipe: the read rejects with kind disconnected', async () => {
    const { host, reader, twin } = rig();
    const read = reader.readCard(REQUEST, signal());
    await twin.sendReports(typeReports('%B41').slice(0, 3));
    host.unplug();
    const err = await rejection(read);
    expect(err.kind).toBe('disconnected');
    expect(reader.state()).toBe('disconnected');
    expect((await rejection(reader.readCard(REQUEST, signal()))).code).toBe('DEVICE_DISCONNECTED');
  });
});
