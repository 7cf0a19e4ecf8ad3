/**
 * The ViVOpay driver against the virtual reader over a real pty pair made by
 * socat: a whole chip transaction whose ARQC is checked here with src/crypto
 * directly, swipe, chip card swiped, fallback, decline after approval,
 * cancel, and link faults (corrupt answer → resend; mute → retry).
 */
import { describe, expect, it } from 'vitest';
import { createVivopayReader } from '../../../drivers/vivopay/index.js';
import { VIVOPAY_DEFAULT_SERIAL } from '../../../drivers/vivopay/kind.js';
import { openSerialTransport } from '../../../drivers/transport/serial-transport.js';
import { issuerMasterKeyFor } from '../../../hw-mocks/chip-card/issuer-keys.js';
import { ARQC_PADDING, requireArqcData } from '../../../hw-mocks/chip-card/arqc-data.js';
import { createVirtualVivopay } from '../../../hw-mocks/vivopay/virtual-vivopay.js';
import { deriveCardMasterKey, deriveAcSessionKey, generateArpcMethod1, verifyArqc } from '../../../src/crypto/index.js';
import { decode, encode, flatten } from '../../../src/emv/index.js';
import { deckCard } from '../reader-harness.js';
import { hasSocat, ptyRig } from '../pty-harness.js';
import { rejection } from '../../pos-error.js';

const REQUEST = { amountMinor: 1234, currency: '978' } as const;
const FIXED_UN = Buffer.from('A1B2C3D4', 'hex');

/** What the issuer does: recompute the ARQC from the card's IMK, then answer with ARPC method 1 under the AC session key. */
function issuerAnswer(cardId: string, online: Map<string, Uint8Array>, arc: string): { arqcValid: boolean; issuerTlv: Buffer } {
  const imk = issuerMasterKeyFor(cardId);
  const pan = Buffer.from(online.get('5A')!).toString('hex').replace(/F+$/i, '');
  const psn = Buffer.from(online.get('5F34')!).toString('hex');
  const mk = deriveCardMasterKey(imk, pan, psn, 'A');
  const sk = deriveAcSessionKey('emv', mk, online.get('9F36')!);
  const arqc = online.get('9F26')!;
  const arqcValid = verifyArqc(sk, requireArqcData(online), arqc, ARQC_PADDING);
  const arcBytes = Buffer.from(arc, 'latin1');
  const arpc = generateArpcMethod1(sk, arqc, arcBytes);
  return { arqcValid, issuerTlv: encode([{ tag: '91', value: Buffer.concat([arpc, arcBytes]) }]) };
}

describe.skipIf(!hasSocat)('ViVOpay driver and virtual reader over a socat pty pair', () => {
  const rig = ptyRig({
    twin: (deviceEnd) => createVirtualVivopay(deviceEnd, { chunkBytes: 24, random: () => Buffer.from(FIXED_UN), clock: () => new Date('2025-03-14T09:26:53Z') }),
    // The kind's line settings; shorter answer timeouts than the kind's driver, to keep the test quick.
    driver: async (path, logger) => createVivopayReader(await openSerialTransport({ ...VIVOPAY_DEFAULT_SERIAL, path }), { logger, answerTimeoutScale: 0.2 }),
  });

  it('ping, set and get configuration', async () => {
    await rig.driver.ping();
    await rig.driver.setConfiguration(encode([{ tag: '9F1A', value: Buffer.from('0250', 'hex') }]));
    const config = flatten(decode(await rig.driver.getConfiguration()));
    expect(Buffer.from(config.get('9F1A')!).toString('hex')).toBe('0250');
    expect(rig.twin.received.slice(0, 3)).toEqual([[0x18, 0x01], [0x04, 0x00], [0x03, 0x02]]);
  });

  it('a full chip transaction: genuine ARQC, online PIN asked, ARPC checked by the card, TC; the ATC counts', async () => {
    const card = deckCard('visa-ok');
    const atcBefore = rig.twin.chip('visa-ok').atc;
    const read = rig.driver.readCard(REQUEST, new AbortController().signal);
    rig.twin.insert('visa-ok');
    const got = await read;
    expect(got.entryMode).toBe('chip');
    expect(got.pinRequired).toBe(true);
    expect(got.card.pan.revealText()).toBe(card.pan);
    expect(got.card.serviceCode).toBe('201');
    expect(got.card.expiry).toEqual({ year: 2030, month: 12 });
    const online = flatten(decode(got.chip!.tlv.reveal()));
    for (const tag of ['9F26', '9F27', '9F10', '9F37', '9F36', '95', '9A', '9C', '9F02', '5F2A', '82', '9F1A', '9F33', '9F34', '9F35', '84', '9F09', '5F34', '57', '5A']) {
      expect(online.has(tag), tag).toBe(true);
    }
    expect(online.has('DFEE25')).toBe(false);
    expect(Buffer.from(online.get('9F02')!).toString('hex')).toBe('000000001234');
    expect(Buffer.from(online.get('9F37')!)).toEqual(FIXED_UN);
    expect(online.get('9F27')![0]).toBe(0x80);
    expect(Buffer.from(online.get('9F36')!).readUInt16BE()).toBe(atcBefore);

    const { arqcValid, issuerTlv } = issuerAnswer('visa-ok', online, '00');
    expect(arqcValid).toBe(true);
    const done = await rig.driver.completeChip({ approved: true, responseCode: '00', issuerTlv }, new AbortController().signal);
    expect(done.decision).toBe('approved');
    expect(flatten(decode(done.tlv)).get('9F27')![0]).toBe(0x40);
    expect(rig.twin.chip('visa-ok').atc).toBe(atcBefore + 1);
    expect(rig.log.text()).not.toContain(card.pan);
  });

  it('a wrong ARPC, or none, makes the card decline (AAC) despite an approval', async () => {
    for (const issuerTlv of [encode([{ tag: '91', value: Buffer.from('00112233445566773030', 'hex') }]), Buffer.alloc(0)]) {
      const read = rig.driver.readCard(REQUEST, new AbortController().signal);
      rig.twin.insert('mc-low-funds');
      await read;
      const done = await rig.driver.completeChip({ approved: true, responseCode: '00', issuerTlv }, new AbortController().signal);
      expect(done.decision).toBe('declined');
      expect(flatten(decode(done.tlv)).get('9F27')![0]).toBe(0x00);
    }
  });

  it('a host decline with a good ARPC ends in AAC; decline-after-approval gives AAC for a good approval', async () => {
    let read = rig.driver.readCard(REQUEST, new AbortController().signal);
    rig.twin.insert('visa-ok');
    let online = flatten(decode((await read).chip!.tlv.reveal()));
    let answer = issuerAnswer('visa-ok', online, '51');
    expect((await rig.driver.completeChip({ approved: false, responseCode: '51', issuerTlv: answer.issuerTlv }, new AbortController().signal)).decision).toBe('declined');

    rig.twin.declineAfterApproval();
    read = rig.driver.readCard(REQUEST, new AbortController().signal);
    rig.twin.insert('visa-ok');
    online = flatten(decode((await read).chip!.tlv.reveal()));
    answer = issuerAnswer('visa-ok', online, '00');
    expect((await rig.driver.completeChip({ approved: true, responseCode: '00', issuerTlv: answer.issuerTlv }, new AbortController().signal)).decision).toBe('declined');
  });

  it('a stripe-only card swiped is a swipe; a chip card swiped is CHIP_CARD_SWIPED', async () => {
    let read = rig.driver.readCard(REQUEST, new AbortController().signal);
    await device_ready();
    rig.twin.swipe('visa-ok', { chip: false });
    const swiped = await read;
    expect(swiped.entryMode).toBe('swipe');
    expect(swiped.card.serviceCode).toBe('101');
    expect(swiped.chip).toBeUndefined();

    read = rig.driver.readCard(REQUEST, new AbortController().signal);
    await device_ready();
    rig.twin.swipe('visa-ok');
    const err = await rejection(read);
    expect(err.code).toBe('CHIP_CARD_SWIPED');
    expect(err.details).toEqual({ device: 'vivopay', serviceCodeDigit1: 2 });
    expect(rig.driver.state()).toBe('connected');
  });

  it('a chip that cannot be read falls back to the stripe: entry mode fallback', async () => {
    const read = rig.driver.readCard(REQUEST, new AbortController().signal);
    rig.twin.failChip();
    rig.twin.insert('visa-ok');
    await device_ready();
    rig.twin.swipe('visa-ok');
    const got = await read;
    expect(got.entryMode).toBe('fallback');
    expect(got.card.pan.revealText()).toBe(deckCard('visa-ok').pan);
  });

  it('abort cancels on the reader (05-01) and rejects with kind cancelled; the next read works', async () => {
    const ac = new AbortController();
    const read = rig.driver.readCard(REQUEST, ac.signal);
    await device_ready();
    ac.abort();
    const err = await rejection(read);
    expect(err.code).toBe('DEVICE_READ_CANCELLED');
    await expect.poll(() => rig.twin.received.some(([c, s]) => c === 0x05 && s === 0x01), { timeout: 3_000 }).toBe(true);
    const next = rig.driver.readCard(REQUEST, new AbortController().signal);
    rig.twin.insert('visa-ok');
    expect((await next).entryMode).toBe('chip');
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
  async function device_ready(): Promise<void> {
    await expect.poll(() => rig.twin.waitingForCard, { timeout: 3_000 }).toBe(true);
  }
});
