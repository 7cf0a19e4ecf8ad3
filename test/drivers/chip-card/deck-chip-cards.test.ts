/**
 * The deck cards' chips as the virtual NEO 2 reads them: the brand's
 * profile, the reader's kernel (`hw-mocks/vivopay/reader-kernel.ts`, the
 * project's kernel in the reader's role with the reader's default
 * configuration), the simulator's issuer verifying the ARQC, and the card's
 * TC or AAC.
 */
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../../src/emv/ber-tlv.js';
import { flatten } from '../../../src/emv/tlv-query.js';
import { Iso8583Message } from '../../../src/iso8583/message.js';
import { chipCardFor, deckChipProfile } from '../../../hw-mocks/chip-card/deck-chip-cards.js';
import { buildChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import type { ApduCard } from '../../../hw-mocks/chip-card/apdu-card.js';
import { IssuerHost } from '../../../hw-mocks/host/issuer-host.js';
import { defaultReaderKernel } from '../../../hw-mocks/vivopay/default-reader-kernel.js';
import { ReaderKernelSession } from '../../../hw-mocks/vivopay/reader-kernel.js';
import { deckCard } from '../reader-harness.js';

const NOW = new Date(2026, 5, 15, 12, 0, 0);
let stan = 0;

function hostAnswer(issuer: IssuerHost, pan: string, amountMinor: number, tags: Map<string, Buffer>): { code: unknown; de55: Buffer } {
  const de55 = encode([...tags].filter(([tag]) => tag !== '57' && tag !== '5A').map(([tag, value]) => ({ tag, value })));
  const answer = issuer.handleRequest(
    new Iso8583Message('0200', { 2: pan, 3: '000000', 4: String(amountMinor).padStart(12, '0'), 7: '0615120000', 11: String(++stan).padStart(6, '0'), 41: 'T0000001', 49: '978', 55: de55 }),
    { trusted: true },
  );
  const raw = answer?.get(55);
  return { code: answer?.get(39), de55: Buffer.isBuffer(raw) ? raw : Buffer.alloc(0) };
}

function session(card: ApduCard, amountMinor: number): ReaderKernelSession {
  return new ReaderKernelSession(
    card,
    defaultReaderKernel(),
    { now: () => NOW, unpredictableNumber: () => Buffer.from('A1B2C3D4', 'hex'), randomPercent: () => 50 },
    { amountMinor, amountOtherMinor: 0, currency: '0978', currencyExponent: 2, transactionType: 0 },
    () => Promise.resolve('entered'),
  );
}

describe('deck chip cards through the reader’s kernel', () => {
  it.each([
    ['visa-ok', 'visa-online-pin', 300, '00', 0x40],
    ['mc-low-funds', 'mastercard', 300, '00', 0x40],
    ['mc-low-funds', 'mastercard', 900, '51', 0x00],
  ])('%s (%s), %i: ARQC verified by the issuer, online PIN chosen, answer %s → CID %i', async (cardId, profile, amountMinor, code, cid) => {
    const card = deckCard(cardId);
    expect(deckChipProfile(card)).toBe(profile);
    const reader = session(chipCardFor(card), amountMinor);
    const read = await reader.applicationRead;
    expect(read.get('57')!.toString('hex').toUpperCase().startsWith(`${card.pan}D`)).toBe(true);
    const txn = await reader.authenticate();
    expect(txn.firstDecision).toBe('online');
    const online = txn.onlineData();
    expect(online.get('9F34')!.toString('hex')).toBe('420300'); // a Mastercard's offline PIN rule (41 03) is skipped
    const answer = hostAnswer(new IssuerHost({ clock: () => NOW }), card.pan, amountMinor, online);
    expect(answer.code).toBe(code);
    const done = await reader.complete({ kind: 'answered', arc: Buffer.from(code, 'latin1'), approved: code === '00', issuerTlv: answer.de55 });
    expect(done.secondAc?.cid).toBe(cid);
    expect(flatten(decode(answer.de55)).has('91')).toBe(true);
    reader.end();
  });

  it('a chip whose application is blocked (SELECT 62 83) is not read: the read phase fails with the kernel’s code', async () => {
    const chip = buildChipCard({ profile: 'visa-blocked' });
    await expect(session(chip, 300).applicationRead).rejects.toMatchObject({ code: 'EMV_APPLICATION_BLOCKED' });
    expect(chip.atc).toBe(1); // no GET PROCESSING OPTIONS reached the card
  });
});
