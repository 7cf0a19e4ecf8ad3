/**
 * The PC/SC driver over the real stack: pcscd with vsmartcard's vpcd reader,
 * a card put into it by the vpcd bridge, the driver through npm `smartcard` —
 * the path a USB CCID reader takes, with a virtual card at the end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { listPcscReaders } from '../../../drivers/pcsc/reader-list.js';
import { openPcscSlot, type CardSession, type PcscSlot } from '../../../drivers/pcsc/pcsc-slot.js';
import { insertIntoVpcd, type VpcdInsertion } from '../../../hw-mocks/vpcd/vpcd-card.js';
import { silentLogger } from '../../../src/log/logger.js';
import { claimVpcdSlot, VPCD_SLOTS, type VpcdSlot } from '../../../hw-mocks/vpcd/vpcd-slot-lock.js';
import { RecordingCard } from '../chip-card/recording-card.js';
import { pcscStack, runsOver, titleFor } from './pcscd-harness.js';
import { reaches } from './slot-states.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const show = (b: Buffer): string => b.toString('hex').toUpperCase();

// ISO/IEC 7816-3 ATR: TS 3B (direct convention), T0 60 (TB1 and TC1 follow, no historical bytes), TB1 00, TC1 00; no TD1, so T=0.
const ATR = '3B600000';
const SELECT_AID = '00A4040007A000000003101000';
const FCI = '6F108407A0000000031010A5055003544553'; // 6F { 84 AID, A5 { 50 label "TES" } }
const RECORD_1 = '700A9F080200029F42020978'; // 70 { 9F08 application version, 9F42 application currency }
const RECORD_2 = '70095F280202769F440102'; // 70 { 5F28 issuer country, 9F44 currency exponent }
const lengthOf = (record: string): string => (record.length / 2).toString(16).toUpperCase().padStart(2, '0');

/**
 * A card that answers as a T=0 card may: SELECT with its FCI at once; READ
 * RECORD 1 with 61xx, its record by GET RESPONSE; READ RECORD 2 with 6Cxx
 * (Le 00 is wrong); GENERATE AC never (until pulled).
 */
class TinyCard extends RecordingCard {
  #pending: Buffer | undefined;
  #generateAcSeen!: () => void;
  readonly generateAcSeen = new Promise<void>((r) => (this.#generateAcSeen = r));

  constructor(atr = hex(ATR)) {
    super(atr);
  }

  protected override answer(command: Buffer): Buffer | Promise<Buffer> {
    const c = show(command);
    if (c === SELECT_AID) return hex(`${FCI}9000`);
    if (c === '00B2010C00') {
      this.#pending = hex(RECORD_1);
      return Buffer.from([0x61, this.#pending.length]);
    }
    if (c.startsWith('00C00000') && this.#pending !== undefined) {
      const data = this.#pending;
      this.#pending = undefined;
      return Buffer.concat([data, hex('9000')]);
    }
    if (c === '00B2020C00') return Buffer.from([0x6c, RECORD_2.length / 2]);
    if (c === `00B2020C${lengthOf(RECORD_2)}`) return hex(`${RECORD_2}9000`);
    if (c.startsWith('80AE')) {
      this.#generateAcSeen();
      return new Promise<Buffer>(() => undefined);
    }
    return hex('6D00');
  }
}

const stack = await pcscStack();

let slot: PcscSlot | undefined;
let inserted: VpcdInsertion | undefined;
/** The vpcd slot this test claimed (other files and processes use the other, or wait). */
let vpcd: VpcdSlot = { ...VPCD_SLOTS[1], release: () => undefined };
afterEach(async () => {
  await inserted?.remove();
  inserted = undefined;
  await slot?.close();
  slot = undefined;
  vpcd.release();
});

async function openTestSlot(): Promise<PcscSlot> {
  if (!stack.ready) throw new Error(`the PC/SC stack is missing: ${stack.reason}`); // CI: fail at once, not after a timeout
  vpcd = await claimVpcdSlot();
  slot = await openPcscSlot({ readerPattern: new RegExp(`^${vpcd.readerName}$`), logger: silentLogger, rescanMs: 500 });
  await reaches(slot, 'empty');
  return slot;
}

/** Waits for a card in the slot, then puts a fresh TinyCard into vpcd (removed after the test): the session the wait gives is that card's. */
async function insertWhileWaiting(s: PcscSlot): Promise<{ card: TinyCard; insertion: VpcdInsertion; session: CardSession }> {
  const waiting = s.waitForCard(AbortSignal.timeout(10_000));
  const card = new TinyCard();
  const insertion = await insertIntoVpcd(card, { port: vpcd.port });
  inserted = insertion;
  return { card, insertion, session: await waiting };
}

describe.skipIf(!runsOver(stack))(titleFor('PC/SC driver over the real pcscd and vpcd', stack), () => {
  it('pcscd runs, the smartcard addon loads and vpcd has its reader', () => {
    expect(stack).toEqual({ ready: true });
  });

  it('sees the card inserted, reads its ATR, exchanges APDUs with 61xx and 6Cxx resolved, sees it removed', async () => {
    const s = await openTestSlot();
    const { card, insertion, session } = await insertWhileWaiting(s);
    expect(session.reader).toBe(vpcd.readerName);
    expect(show(session.atr)).toBe(ATR);
    expect(session.protocol).toBe('T=0');
    expect(s.state()).toEqual({ state: 'card-present', reader: vpcd.readerName });

    expect(show(await session.transmit(hex(SELECT_AID)))).toBe(`${FCI}9000`);
    expect(show(await session.transmit(hex('00B2010C00')))).toBe(`${RECORD_1}9000`);
    expect(show(await session.transmit(hex('00B2020C00')))).toBe(`${RECORD_2}9000`);
    expect(card.commands).toEqual([SELECT_AID, '00B2010C00', `00C00000${lengthOf(RECORD_1)}`, '00B2020C00', `00B2020C${lengthOf(RECORD_2)}`]);

    await insertion.remove();
    inserted = undefined;
    expect(await session.removed).toBe('card-removed');
    await reaches(s, 'empty');
    await expect(session.transmit(hex(SELECT_AID))).rejects.toMatchObject({ code: 'EMV_CARD_REMOVED' });
  });

  it('a card pulled mid-exchange rejects the exchange with EMV_CARD_REMOVED', async () => {
    const s = await openTestSlot();
    const { card, insertion, session } = await insertWhileWaiting(s);
    const exchange = session.transmit(hex('80AE8000 1D 000000001000 000000000000 0978 0000000000 0978 260101 00 12345678 00'.replace(/\s/g, '')));
    await card.generateAcSeen;
    const pulledAt = performance.now();
    await insertion.remove();
    inserted = undefined;
    await expect(exchange).rejects.toMatchObject({ code: 'EMV_CARD_REMOVED', kind: 'disconnected', details: { reader: vpcd.readerName } });
    expect(performance.now() - pulledAt).toBeLessThan(2000);
    expect(await session.removed).toBe('card-removed');
  });

  it('disconnect hands the card back; the next wait connects it again, and pcscd powered it on for each', async () => {
    const s = await openTestSlot();
    const card = new TinyCard();
    inserted = await insertIntoVpcd(card, { port: vpcd.port });
    const session = await s.waitForCard(AbortSignal.timeout(10_000));
    await session.transmit(hex(SELECT_AID));
    session.disconnect();
    await expect(session.transmit(hex(SELECT_AID))).rejects.toMatchObject({ code: 'DEVICE_CLOSED' });
    const again = await s.waitForCard(AbortSignal.timeout(10_000));
    expect(show(await again.transmit(hex(SELECT_AID)))).toBe(`${FCI}9000`);
    expect(card.powerEvents).toContain('on');
  });

  it('a card whose ATR offers only T=1 is connected with T=1', async () => {
    const s = await openTestSlot();
    // TS 3B, T0 80 (TD1 follows, no historical bytes), TD1 01 (T=1, nothing more), TCK 81 (T0 xor TD1).
    const card = new TinyCard(hex('3B800181'));
    inserted = await insertIntoVpcd(card, { port: vpcd.port });
    const session = await s.waitForCard(AbortSignal.timeout(10_000));
    expect(session.protocol).toBe('T=1');
    expect(show(session.atr)).toBe('3B800181');
    expect(show(await session.transmit(hex(SELECT_AID)))).toBe(`${FCI}9000`);
  });

  it('lists the reader for `pos diag devices`, with the card and its ATR', async () => {
    const s = await openTestSlot();
    inserted = await insertIntoVpcd(new TinyCard(), { port: vpcd.port });
    await reaches(s, 'card-present');
    const listing = await listPcscReaders();
    expect(listing.status).toBe('ok');
    if (listing.status !== 'ok') return;
    expect(listing.readers).toContainEqual({ name: vpcd.readerName, card: 'present', atr: ATR });
    expect(listing.readers.map((r) => r.name)).toEqual(expect.arrayContaining(VPCD_SLOTS.map((v) => v.readerName)));
  });
});
