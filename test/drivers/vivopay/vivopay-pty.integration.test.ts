/**
 * The NEO 2 driver against the virtual NEO 2 over a real pty pair made by
 * socat: the guide's contact flow end to end — a chip read whose ARQC the
 * simulator's issuer verifies, the PIN asked through the reader's 61-02,
 * the issuer's ARPC checked by the card, TC or AAC — and swipes, fallback,
 * cancel, a card pulled, and link faults.
 */
import { describe, expect, it } from 'vitest';
import { createVivopayReader } from '../../../drivers/vivopay/index.js';
import { VIVOPAY_DEFAULT_SERIAL } from '../../../drivers/vivopay/kind.js';
import { openSerialTransport } from '../../../drivers/transport/serial-transport.js';
import { IssuerHost } from '../../../hw-mocks/host/issuer-host.js';
import { createVirtualVivopay } from '../../../hw-mocks/vivopay/virtual-vivopay.js';
import type { ChipRead, ReadRequest } from '../../../src/devices/card-reader.js';
import { decode, encode, flatten } from '../../../src/emv/index.js';
import { Iso8583Message } from '../../../src/iso8583/message.js';
import { deckCard } from '../reader-harness.js';
import { hasSocat, ptyRig } from '../pty-harness.js';
import { rejection } from '../../pos-error.js';

const NOW = new Date('2026-03-14T09:26:53Z');
const FIXED_UN = Buffer.from('A1B2C3D4', 'hex');
let stan = 0;

/** The simulator's issuer judges the online request (DE 55 without 57/5A) and answers with DE 39 and its DE 55 (91 ARPC ‖ ARC). */
function issuerAnswer(pan: string, amountMinor: number, online: ReadonlyMap<string, Uint8Array>): { code: string; issuerTlv: Buffer } {
  const de55 = encode([...online].filter(([tag]) => tag !== '57' && tag !== '5A').map(([tag, value]) => ({ tag, value })));
  const answer = new IssuerHost({ clock: () => NOW }).handleRequest(
    new Iso8583Message('0200', { 2: pan, 3: '000000', 4: String(amountMinor).padStart(12, '0'), 7: '0314092653', 11: String(++stan).padStart(6, '0'), 41: 'T0000001', 49: '978', 55: de55 }),
    { trusted: true },
  );
  const raw = answer?.get(55);
  return { code: String(answer?.get(39)), issuerTlv: Buffer.isBuffer(raw) ? raw : Buffer.alloc(0) };
}

describe.skipIf(!hasSocat)('NEO 2 driver and virtual NEO 2 over a socat pty pair', () => {
  const rig = ptyRig({
    twin: (deviceEnd) => createVirtualVivopay(deviceEnd, { chunkBytes: 24, random: () => Buffer.from(FIXED_UN), clock: () => NOW }),
    // The kind's line settings; shorter answer timeouts than the kind's driver, to keep the test quick.
    driver: async (path, logger) => createVivopayReader(await openSerialTransport({ ...VIVOPAY_DEFAULT_SERIAL, path }), { logger, answerTimeoutScale: 0.2 }),
  });
  /** A PIN pad is attached (the engine's PIN dialog takes the PIN after the read). */
  const request = (amountMinor: number, extra: Partial<ReadRequest> = {}): ReadRequest => ({ amountMinor, currency: '978', enterOnlinePin: () => Promise.resolve(), ...extra });

  async function chipRead(cardId: string, amountMinor: number): Promise<{ read: ChipRead; online: Map<string, Uint8Array> }> {
    const reading = rig.driver.readCard(request(amountMinor), new AbortController().signal);
    rig.twin.insert(cardId);
    const read = (await reading) as ChipRead;
    return { read, online: flatten(decode(read.chip.tlv.reveal())) };
  }

  it('ping, and a configuration command passed through to the reader’s store', async () => {
    await rig.driver.ping();
    expect((await rig.driver.exchange({ command: 0x60, subCommand: 0x07 })).status).toBe(0x60); // no AIDs yet: data does not exist
    expect(rig.twin.received.slice(0, 2)).toEqual([[0x18, 0x01], [0x60, 0x07]]);
  });

  it('a full chip transaction: application data, online PIN chosen (61-02), a genuine ARQC, the issuer’s ARPC checked by the card, TC; the ATC counts', async () => {
    const card = deckCard('visa-ok');
    const atcBefore = rig.twin.chip('visa-ok').atc;
    const { read, online } = await chipRead('visa-ok', 1234);
    expect(read).toMatchObject({ entryMode: 'chip', firstDecision: 'online', onlinePinEntered: true, emv: { aid: 'A0000000031010', cryptogramType: 'ARQC', cvmResults: '420300' } });
    expect(read.card.pan.revealText()).toBe(card.pan);
    expect(read.card.expiry).toEqual({ year: 2030, month: 12 });
    for (const tag of ['9F26', '9F27', '9F10', '9F37', '9F36', '95', '9A', '9C', '9F02', '5F2A', '82', '9F1A', '9F33', '9F34', '9F35', '84', '9F09', '5F34', '57', '5A']) {
      expect(online.has(tag), tag).toBe(true);
    }
    expect(Buffer.from(online.get('9F02')!).toString('hex')).toBe('000000001234');
    expect(Buffer.from(online.get('9F37')!)).toEqual(FIXED_UN);
    expect(Buffer.from(online.get('9F36')!).readUInt16BE()).toBe(atcBefore);

    const answer = issuerAnswer(card.pan, 1234, online);
    expect(answer.code).toBe('00');
    const done = await rig.driver.completeChip({ approved: true, responseCode: answer.code, issuerTlv: answer.issuerTlv }, new AbortController().signal);
    expect(done.decision).toBe('approved');
    expect(flatten(decode(done.tlv)).get('9F27')![0]).toBe(0x40);
    expect(rig.twin.chip('visa-ok').atc).toBe(atcBefore + 1);
    expect(rig.log.text()).not.toContain(card.pan);
  });

  it('a wrong ARPC, or none, makes the card decline (AAC) despite an approval', async () => {
    for (const issuerTlv of [encode([{ tag: '91', value: Buffer.from('00112233445566773030', 'hex') }]), Buffer.alloc(0)]) {
      await chipRead('mc-low-funds', 300);
      const done = await rig.driver.completeChip({ approved: true, responseCode: '00', issuerTlv }, new AbortController().signal);
      expect(done.decision).toBe('declined');
      expect(flatten(decode(done.tlv)).get('9F27')![0]).toBe(0x00);
    }
  });

  it('a host decline with a good ARPC ends in AAC; decline-after-approval gives AAC for a good approval', async () => {
    const card = deckCard('mc-low-funds');
    let { online } = await chipRead('mc-low-funds', 90_000);
    let answer = issuerAnswer(card.pan, 90_000, online);
    expect(answer.code).toBe('51');
    expect((await rig.driver.completeChip({ approved: false, responseCode: answer.code, issuerTlv: answer.issuerTlv }, new AbortController().signal)).decision).toBe('declined');

    rig.twin.declineAfterApproval();
    ({ online } = await chipRead('visa-ok', 1500));
    answer = issuerAnswer(deckCard('visa-ok').pan, 1500, online);
    expect(answer.code).toBe('00');
    expect((await rig.driver.completeChip({ approved: true, responseCode: '00', issuerTlv: answer.issuerTlv }, new AbortController().signal)).decision).toBe('declined');
  });

  it('a stripe-only card swiped is a swipe; a chip card swiped is CHIP_CARD_SWIPED', async () => {
    let read = rig.driver.readCard(request(1000), new AbortController().signal);
    await waiting();
    rig.twin.swipe('visa-ok', { chip: false });
    const swiped = await read;
    expect(swiped).toMatchObject({ entryMode: 'swipe', card: { serviceCode: '101' } });
    expect(swiped.chip).toBeUndefined();

    read = rig.driver.readCard(request(1000), new AbortController().signal);
    await waiting();
    rig.twin.swipe('visa-ok');
    const err = await rejection(read);
    expect(err.code).toBe('CHIP_CARD_SWIPED');
    expect(err.details).toEqual({ device: 'vivopay', serviceCodeDigit1: 2 });
    expect(rig.driver.state()).toBe('connected');
  });

  it('a chip that cannot be read: the reader shows USE MAGSTRIPE (61-01), the engine is told, the swipe is a fallback', async () => {
    let told = 0;
    const read = rig.driver.readCard(request(1100, { useStripe: () => void told++ }), new AbortController().signal);
    rig.twin.failChip();
    rig.twin.insert('visa-ok');
    await expect.poll(() => told, { timeout: 3_000 }).toBe(1);
    await waiting();
    rig.twin.swipe('visa-ok');
    const got = await read;
    expect(got.entryMode).toBe('fallback');
    expect(got.card.pan.revealText()).toBe(deckCard('visa-ok').pan);
  });

  it('abort cancels on the reader (05-01) and rejects with kind cancelled; the next read works', async () => {
    const ac = new AbortController();
    const read = rig.driver.readCard(request(1000), ac.signal);
    await waiting();
    ac.abort();
    expect((await rejection(read)).code).toBe('DEVICE_READ_CANCELLED');
    expect(rig.twin.received.some(([c, s]) => c === 0x05 && s === 0x01)).toBe(true);
    expect((await chipRead('visa-ok', 1000)).read.entryMode).toBe('chip');
    await rig.driver.completeChip({ unableToGoOnline: true, approved: false, responseCode: '', issuerTlv: Buffer.alloc(0) }, new AbortController().signal);
  });

  it('the card pulled before the host answered: completion is EMV_CARD_REMOVED', async () => {
    await chipRead('visa-ok', 2900);
    rig.twin.removeCard();
    const err = await rejection(rig.driver.completeChip({ approved: true, responseCode: '00', issuerTlv: Buffer.alloc(0) }, new AbortController().signal));
    expect(err.code).toBe('EMV_CARD_REMOVED');
  });

  it('a corrupt answer is resent and read; a muted reader is retried, then DEVICE_NO_ANSWER', async () => {
    rig.twin.corruptNextAnswers(1);
    await rig.driver.ping();
    expect(rig.log.text()).toContain('corrupt exchange: resend');
    rig.twin.muteNext(1);
    await rig.driver.ping();
    rig.twin.muteNext(10);
    const err = await rejection(rig.driver.ping());
    expect(err.code).toBe('DEVICE_NO_ANSWER');
    expect(err.details).toMatchObject({ command: 'ping', attempts: 3 });
  });

  /** Lets the start command reach the virtual reader before a control acts on it. */
  async function waiting(): Promise<void> {
    await expect.poll(() => rig.twin.waitingForCard, { timeout: 3_000 }).toBe(true);
  }
});
