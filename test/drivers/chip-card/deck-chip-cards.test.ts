/**
 * The deck cards' chips as the virtual ViVOpay reader reads them: the brand's
 * profile, the reader's APDU sequence (`hw-mocks/vivopay/reader-chip-session.ts`),
 * the simulator's issuer verifying the ARQC, and the card's TC or AAC.
 */
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../../src/emv/ber-tlv.js';
import { flatten } from '../../../src/emv/tlv-query.js';
import { Iso8583Message } from '../../../src/iso8583/message.js';
import { chipCardFor, deckChipProfile } from '../../../hw-mocks/chip-card/deck-chip-cards.js';
import { buildChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { IssuerHost } from '../../../hw-mocks/host/issuer-host.js';
import { ReaderChipSession } from '../../../hw-mocks/vivopay/reader-chip-session.js';
import { deckCard } from '../reader-harness.js';
import { terminalData } from './harness.js';

const NOW = new Date(2026, 5, 15, 12, 0, 0);
let stan = 0;

function hostAnswer(issuer: IssuerHost, pan: string, amountMinor: number, tags: Map<string, Buffer>): { code: unknown; auth: Buffer | undefined } {
  const de55 = encode([...tags].filter(([tag]) => tag !== '57' && tag !== '5A').map(([tag, value]) => ({ tag, value })));
  const answer = issuer.handleRequest(
    new Iso8583Message('0200', { 2: pan, 3: '000000', 4: String(amountMinor).padStart(12, '0'), 7: '0615120000', 11: String(++stan).padStart(6, '0'), 41: 'T0000001', 49: '978', 55: de55 }),
    { trusted: true },
  );
  const raw = answer?.get(55);
  const auth = Buffer.isBuffer(raw) ? flatten(decode(raw)).get('91') : undefined;
  return { code: answer?.get(39), auth: auth === undefined ? undefined : Buffer.from(auth) };
}

describe('deck chip cards through the reader’s sequence', () => {
  it.each([
    ['visa-ok', 'visa-online-pin', 300, '00', 0x40],
    ['mc-low-funds', 'mastercard', 300, '00', 0x40],
    ['mc-low-funds', 'mastercard', 900, '51', 0x00],
  ])('%s (%s), %i: ARQC verified by the issuer, online PIN chosen, answer %s → CID %i', (cardId, profile, amountMinor, code, cid) => {
    const card = deckCard(cardId);
    expect(deckChipProfile(card)).toBe(profile);
    const chip = chipCardFor(card);
    const terminal = terminalData({ '9F02': String(amountMinor).padStart(12, '0') });
    const read = ReaderChipSession.start(chip, terminal);
    if (!read.ok) throw new Error('chip not read');
    expect(read.tags.get('57')!.toString('hex').toUpperCase().startsWith(`${card.pan}D`)).toBe(true);
    expect(terminal.get('9F34')!.toString('hex')).toBe('420300'); // a Mastercard's offline PIN rule (41 03) is skipped
    const all = new Map([...terminal, ...read.tags]);
    const answer = hostAnswer(new IssuerHost({ clock: () => NOW }), card.pan, amountMinor, all);
    expect(answer.code).toBe(code);
    const done = read.session.complete(Buffer.from(code, 'latin1'), answer.auth);
    expect(done?.get('9F27')?.[0]).toBe(cid);
  });

  it('a chip whose application is blocked (SELECT 62 83) is not read: the reader treats it as unreadable', () => {
    const chip = buildChipCard({ profile: 'visa-blocked' });
    expect(ReaderChipSession.start(chip, terminalData()).ok).toBe(false);
    expect(chip.atc).toBe(1); // no GET PROCESSING OPTIONS reached the card
  });
});
