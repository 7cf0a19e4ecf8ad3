/** The virtual chip card's cryptograms, checked with src/crypto from the issuer's side. */
import { describe, expect, it } from 'vitest';
import { VirtualChipCard } from '../../../hw-mocks/chip-card/virtual-chip-card.js';
import { ARQC_PADDING, requireArqcData } from '../../../hw-mocks/chip-card/arqc-data.js';
import { deriveAcSessionKey, deriveCardMasterKey, generateArpcMethod1, generateArqc, verifyArqc } from '../../../src/crypto/index.js';
import { deckCard } from '../reader-harness.js';

const IMK = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const TERMINAL = new Map<string, Uint8Array>([
  ['9F02', Buffer.from('000000001000', 'hex')],
  ['9F03', Buffer.alloc(6)],
  ['9F1A', Buffer.from('0826', 'hex')],
  ['95', Buffer.alloc(5)],
  ['5F2A', Buffer.from('0978', 'hex')],
  ['9A', Buffer.from('250314', 'hex')],
  ['9C', Buffer.from([0])],
  ['9F37', Buffer.from('01020304', 'hex')],
]);

function sessionKey(card: VirtualChipCard, atc: Uint8Array): Buffer {
  return deriveAcSessionKey('emv', deriveCardMasterKey(IMK, card.card.pan, card.psn, 'A'), atc);
}

describe('VirtualChipCard', () => {
  it('the ARQC verifies under the option-A card key and the ATC session key; the ATC counts; 57 carries 2xx', () => {
    const card = new VirtualChipCard(deckCard('visa-ok'), IMK, { atc: 0x41 });
    const { tags } = card.firstGenerateAc(TERMINAL);
    expect(tags.get('9F36')!.toString('hex')).toBe('0041');
    expect(card.atc).toBe(0x42);
    expect(tags.get('57')!.toString('hex').toUpperCase()).toBe('4111111111111111D30122010000000000');
    const data = new Map<string, Uint8Array>([...TERMINAL, ...tags]);
    expect(verifyArqc(sessionKey(card, tags.get('9F36')!), requireArqcData(data), tags.get('9F26')!, ARQC_PADDING)).toBe(true);
    // Another IMK's card does not verify.
    const other = deriveAcSessionKey('emv', deriveCardMasterKey(Buffer.alloc(16, 0x11), card.card.pan, card.psn, 'A'), tags.get('9F36')!);
    expect(verifyArqc(other, requireArqcData(data), tags.get('9F26')!, ARQC_PADDING)).toBe(false);
  });

  it.each([
    ['good ARPC, ARC 00', '00', true, false, 'approved', 0x40],
    ['good ARPC, ARC 51 (host declined)', '51', true, false, 'declined', 0x00],
    ['wrong ARPC', '00', false, false, 'declined', 0x00],
    ['good ARPC, card declines after approval', '00', true, true, 'declined', 0x00],
  ] as const)('second GENERATE AC: %s', (_name, arc, goodArpc, declineAfter, decision, cid) => {
    const card = new VirtualChipCard(deckCard('visa-ok'), IMK);
    const { tags } = card.firstGenerateAc(TERMINAL);
    card.declineAfterApproval = declineAfter;
    const sk = sessionKey(card, tags.get('9F36')!);
    const arcBytes = Buffer.from(arc, 'latin1');
    const arpc = goodArpc ? generateArpcMethod1(sk, tags.get('9F26')!, arcBytes) : Buffer.alloc(8);
    const out = card.secondGenerateAc({ arc: arcBytes, issuerAuthenticationData: Buffer.concat([arpc, arcBytes]), terminal: TERMINAL });
    expect(out.decision).toBe(decision);
    expect(out.tags.get('9F27')![0]).toBe(cid);
    const cvrData = new Map<string, Uint8Array>([...TERMINAL, ['82', Buffer.from('1800', 'hex')], ['9F36', tags.get('9F36')!], ['9F10', out.tags.get('9F10')!]]);
    expect(out.tags.get('9F26')).toEqual(generateArqc(sk, Buffer.concat([requireArqcData(cvrData), arcBytes]), ARQC_PADDING));
  });
});
