/**
 * The MagTek driver against its twin over the in-memory HID pair: both
 * layouts from deck cards, the encrypted swipe decrypted on the host side
 * with the BDK, bad reports, unplug and reconnect.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMagtekHidReader, type MagtekHidReader } from '../../../drivers/magtek-hid/magtek-hid-reader.js';
import { createHidMemoryPair, type HidMemoryHostEnd } from '../../../drivers/transport/hid-memory.js';
import { createReconnector, type ReconnectEvent } from '../../../drivers/reconnect/reconnector.js';
import { createVirtualMagtekReader, MAGTEK_TWIN_IDS, type VirtualMagtekReader } from '../../../hw-mocks/magtek/virtual-magtek-reader.js';
import { TWIN_BDK_HEX, TWIN_INITIAL_KSN_HEX } from '../../../hw-mocks/magtek/twin-keys.js';
import { tdesCbc } from '../../../src/crypto/cipher/des.js';
import { deriveTdesDukptKeys } from '../../../src/crypto/dukpt/tdes.js';
import { tdesCounter } from '../../../src/crypto/dukpt/tdes-ksn.js';
import { REQUEST, deckCard, flushMicrotasks, hidReaderRig, readSwiped } from '../reader-harness.js';
import { rejection } from '../../pos-error.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function rig(layout: 'standard' | 'encrypting', driverLayout: 'auto' | 'standard' | 'encrypting' = 'auto') {
  return hidReaderRig({
    pair: { ...MAGTEK_TWIN_IDS, inputReportBytes: 887 },
    reader: (host, logger) => createMagtekHidReader(host, { layout: driverLayout, logger }),
    twin: (device) => createVirtualMagtekReader(device, { layout }),
    onCleanup: (c) => cleanups.push(c),
  });
}

const signal = (): AbortSignal => new AbortController().signal;

describe('MagTek HID reader, standard layout, against the virtual reader', () => {
  it('a swipe of visa-ok is a CardRead with both tracks', async () => {
    const { reader, twin } = rig('standard');
    const card = deckCard('visa-ok');
    const got = await readSwiped(reader, twin, card);
    expect(got.entryMode).toBe('swipe');
    expect(got.card.pan.revealText()).toBe(card.pan);
    expect(got.card.brand).toBe('visa');
    expect(got.card.expiry).toEqual({ year: 2030, month: 12 });
    expect(got.card.track2.revealText()).toBe(`${card.pan}=${card.expiry}${card.serviceCode}${card.discretionary}`);
    expect(got.card.cardholderName?.revealText()).toBe(card.name);
  });

  it('zeroes each report it was given once parsed: a read swipe and a swipe while nothing is armed', async () => {
    const [host, device] = createHidMemoryPair({ ...MAGTEK_TWIN_IDS, inputReportBytes: 887 });
    const reports: Buffer[] = [];
    host.onReport((r) => reports.push(r.data));
    const reader = createMagtekHidReader(host);
    const twin = createVirtualMagtekReader(device, { layout: 'standard' });
    cleanups.push(async () => {
      await reader.close();
      await twin.close();
    });
    const card = deckCard('visa-ok');
    expect((await readSwiped(reader, twin, card)).card.pan.revealText()).toBe(card.pan);
    await twin.swipe(card);
    await flushMicrotasks();
    expect(reports).toHaveLength(2);
    for (const data of reports) expect(data.every((b) => b === 0)).toBe(true);
  });

  it('a damaged stripe is CARD_SWIPE_UNREADABLE; the device stays open and the next swipe reads; the log holds no PAN', async () => {
    const { reader, twin, log } = rig('standard');
    const damaged = deckCard('mc-damaged');
    const err = await rejection(readSwiped(reader, twin, damaged));
    expect(err.code).toBe('CARD_SWIPE_UNREADABLE');
    expect(err.details).toEqual({ track: 2, offset: 0, rule: 'reader-error' });
    expect(reader.state()).toBe('connected');
    const visa = deckCard('visa-ok');
    expect((await readSwiped(reader, twin, visa)).card.pan.revealText()).toBe(visa.pan);
    const text = log.text();
    expect(text).toContain('read error');
    for (const secret of [visa.pan, damaged.pan, 'TEST/CARD', visa.pan.slice(6, 12)]) expect(text).not.toContain(secret);
  });

  it('a report of the wrong length rejects with HID_REPORT_LENGTH and the next report reads', async () => {
    const { reader, twin } = rig('standard');
    const first = reader.readCard(REQUEST, signal());
    await twin.sendRaw(Buffer.alloc(64, 0x41));
    expect((await rejection(first)).code).toBe('HID_REPORT_LENGTH');
    expect((await readSwiped(reader, twin, deckCard('visa-ok'))).card.brand).toBe('visa');
  });

  it('a swipe while nothing is armed is dropped, not delivered to the next read', async () => {
    const { reader, twin } = rig('standard');
    await twin.swipe(deckCard('visa-ok'));
    await flushMicrotasks();
    expect((await readSwiped(reader, twin, deckCard('mc-low-funds'))).card.brand).toBe('mastercard');
  });

  it('a second read while one is armed is DEVICE_BUSY; aborting cancels', async () => {
    const { reader } = rig('standard');
    const ac = new AbortController();
    const first = reader.readCard(REQUEST, ac.signal);
    expect((await rejection(reader.readCard(REQUEST, signal()))).code).toBe('DEVICE_BUSY');
    ac.abort();
    expect((await rejection(first)).code).toBe('DEVICE_READ_CANCELLED');
  });

  it('the device unplugged mid-read rejects with kind disconnected; a reconnector brings a new reader that reads', async () => {
    let pairs = 0;
    const twins: VirtualMagtekReader[] = [];
    const hosts: HidMemoryHostEnd[] = [];
    const reconnector = createReconnector<HidMemoryHostEnd>({
      target: 'hid:0801:0002',
      initialDelayMs: 1,
      jitter: 0,
      open: () => {
        pairs++;
        const [host, device] = createHidMemoryPair({ ...MAGTEK_TWIN_IDS, inputReportBytes: 337 });
        twins.push(createVirtualMagtekReader(device, { layout: 'standard' }));
        hosts.push(host);
        return Promise.resolve(host);
      },
    });
    const readers: MagtekHidReader[] = [];
    const connected: Promise<void>[] = [];
    let onConnected: (() => void) | undefined;
    reconnector.onEvent((e: ReconnectEvent<HidMemoryHostEnd>) => {
      if (e.type === 'connected') {
        readers.push(createMagtekHidReader(e.transport));
        onConnected?.();
      }
    });
    cleanups.push(() => reconnector.close());
    connected.push(new Promise((resolve) => (onConnected = resolve)));
    reconnector.start();
    await connected[0];
    const read = readers[0]!.readCard(REQUEST, signal());
    const second = new Promise<void>((resolve) => (onConnected = resolve));
    hosts[0]!.unplug();
    const err = await rejection(read);
    expect(err.kind).toBe('disconnected');
    expect(readers[0]!.state()).toBe('disconnected');
    await second;
    expect(pairs).toBe(2);
    expect((await readSwiped(readers[1]!, twins[1]!, deckCard('visa-ok'))).card.brand).toBe('visa');
  });
});

describe('MagTek HID reader, encrypting layout (DUKPT), against the virtual reader', () => {
  it('yields the KSN and ciphertext untouched, and the host decrypts track 2 with the BDK', async () => {
    const { reader, twin } = rig('encrypting');
    const card = deckCard('visa-ok');
    const pending = reader.readSwipe(signal());
    await twin.swipe(card);
    const swipe = await pending;
    expect(swipe.kind).toBe('encrypted');
    if (swipe.kind !== 'encrypted') return;
    const s = swipe.swipe;
    expect(s.maskedPan).toBe('411111******1111');
    expect(s.brand).toBe('visa');
    expect(s.expiry).toEqual({ year: 2030, month: 12 });
    expect(s.ksn.toString('hex').toUpperCase().slice(0, 15)).toBe(TWIN_INITIAL_KSN_HEX.slice(0, 15));
    expect(tdesCounter(s.ksn)).toBe(1);
    expect(s.encryptedTrack2.length % 8).toBe(0);
    // Host side: BDK + KSN → data-request key → TDES-CBC decrypt.
    const keys = deriveTdesDukptKeys(Buffer.from(TWIN_BDK_HEX, 'hex'), s.ksn);
    const clear2 = tdesCbc(keys.dataRequestKey, Buffer.alloc(8), s.encryptedTrack2, 'decrypt').subarray(0, s.encryptedTrack2Length);
    expect(clear2.toString('latin1')).toBe(`;${card.pan}=${card.expiry}${card.serviceCode}${card.discretionary}?`);
    const clear1 = tdesCbc(keys.dataRequestKey, Buffer.alloc(8), s.encryptedTrack1!, 'decrypt').subarray(0, s.encryptedTrack1Length);
    expect(clear1.toString('latin1')).toBe(`%B${card.pan}^${card.name}^${card.expiry}${card.serviceCode}${card.discretionary}?`);
    // The ciphertext is not the clear track.
    expect(s.encryptedTrack2.toString('latin1')).not.toContain(card.pan);
  });

  it('each swipe uses the next DUKPT counter, so the same card encrypts differently', async () => {
    const { reader, twin } = rig('encrypting');
    const card = deckCard('mc-low-funds');
    const got = [];
    for (let i = 0; i < 2; i++) {
      const pending = reader.readSwipe(signal());
      await twin.swipe(card);
      const s = await pending;
      if (s.kind === 'encrypted') got.push(s.swipe);
    }
    expect(got.map((s) => tdesCounter(s.ksn))).toEqual([1, 2]);
    expect(got[0]!.encryptedTrack2.equals(got[1]!.encryptedTrack2)).toBe(false);
    expect(got[1]!.brand).toBe('mastercard');
  });

  it('readCard on an encrypted swipe is a CardRead of masked data, with the ciphertext and KSN untouched beside it', async () => {
    const { reader, twin } = rig('encrypting');
    const card = deckCard('visa-ok');
    const read = await readSwiped(reader, twin, card);
    expect(read.entryMode).toBe('swipe');
    expect(read.card.panMasked).toBe(true);
    expect(read.card.pan.revealText()).toBe('411111******1111');
    expect(read.card.track2.revealText()).toBe(`411111******1111=${card.expiry}${card.serviceCode}`);
    expect(read.card.expiry).toEqual({ year: 2030, month: 12 });
    expect(read.card.serviceCode).toBe(card.serviceCode);
    expect(read.card.track1).toBeUndefined();
    expect(read.card.cardholderName).toBeUndefined();
    const enc = read.encrypted!;
    expect(enc.scheme).toBe('magtek-tdes-dukpt');
    expect(tdesCounter(enc.ksn)).toBe(1);
    // Nothing the terminal holds is the clear PAN or track: only the host's key opens the ciphertext.
    const everything = Buffer.concat([read.card.pan.reveal(), read.card.track2.reveal(), enc.ksn, enc.track2, enc.track1 ?? Buffer.alloc(0)]).toString('latin1');
    expect(everything).not.toContain(card.pan);
    expect(everything).not.toContain(card.discretionary);
    const keys = deriveTdesDukptKeys(Buffer.from(TWIN_BDK_HEX, 'hex'), enc.ksn);
    expect(tdesCbc(keys.dataRequestKey, Buffer.alloc(8), enc.track2, 'decrypt').toString('latin1')).toContain(`;${card.pan}=`);
  });

  it('readCard refuses an encrypted swipe whose expiry or service code the reader masked (the engine must judge them)', async () => {
    const { reader, twin } = rig('encrypting');
    const card = deckCard('visa-ok');
    const report = twin.reportFor(card);
    const MASKED_TRACK2 = 620; // masked track 2 field (99875475 "Card Data")
    const sep = report.indexOf(0x3d, MASKED_TRACK2); // '='
    report.fill(0x30, sep + 5, sep + 8); // the service code is three mask characters, still digits …
    report.write('??', sep + 1, 'latin1'); // … but the expiry is not
    const first = reader.readCard(REQUEST, signal());
    await twin.sendRaw(report);
    const err = await rejection(first);
    expect(err.code).toBe('CARD_SWIPE_UNREADABLE');
    expect(err.details).toMatchObject({ rule: 'masked-expiry' });
  });

  it('a damaged stripe on the encrypting reader is CARD_SWIPE_UNREADABLE', async () => {
    const { reader, twin } = rig('encrypting');
    const pending = reader.readSwipe(signal());
    await twin.swipe(deckCard('mc-damaged'));
    expect((await rejection(pending)).code).toBe('CARD_SWIPE_UNREADABLE');
  });

  it('a driver forced to the standard layout refuses an 856-byte report by length, not by guessing', async () => {
    const { reader, twin } = rig('encrypting', 'standard');
    const pending = reader.readSwipe(signal());
    await twin.swipe(deckCard('visa-ok'));
    const err = await rejection(pending);
    expect(err.code).toBe('HID_REPORT_LENGTH');
    expect(err.details).toEqual({ lengthBytes: 856, expected: [337], layout: 'standard' });
  });
});
