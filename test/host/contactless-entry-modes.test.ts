/**
 * The terminal's host path for contactless reads: DE 22 07x for a
 * contactless chip read (EMV mode, with its DE 55) and 91x for a contactless
 * mag-stripe read (track 2 with the dynamic CVC3 in DE 35, no DE 55), in
 * every ISO 8583 dialect, in reversals and on the HTTPS gateway's wire.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/emv/ber-tlv.js';
import { flatten } from '../../src/emv/tlv-query.js';
import type { EntryMode } from '../../src/devices/card-reader.js';
import { encodeFinancialRequest, ENTRY_MODE_CODES } from '../../src/host/messages/financial.js';
import { encodeReversalRequest, type ReversalInput } from '../../src/host/messages/reversal.js';
import { authorizationRequestSchema } from '../../src/host/json-gateway/wire.js';
import { authorizationBody } from '../../src/host/json-gateway/mapping.js';
import { DIALECT_NAMES, dialectByName } from '../../src/iso8583/dialects/index.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { buildContactlessCard } from '../../hw-mocks/chip-card/contactless-cards.js';
import { tap } from '../../hw-mocks/chip-card/contactless-tap.js';
import { cardOf, magstripe, purchase } from './helpers.js';

const PIN = { pinBlock: Sensitive.of('pin-block', Buffer.from('0123456789ABCDEF', 'hex')), ksn: Buffer.from('FFFF0000010000200001', 'hex'), format: 'iso0' as const };
const AT = new Date(2026, 5, 15, 12, 0, 0);

describe('DE 22 for the contactless entry modes', () => {
  it.each(DIALECT_NAMES.flatMap((dialect) => [
    [dialect, 'contactless', false, '072'],
    [dialect, 'contactless', true, '071'],
    [dialect, 'contactless-magstripe', false, '912'],
    [dialect, 'contactless-magstripe', true, '911'],
  ] as const))('%s: %s, PIN %s → %s', (dialect, entryMode, withPin, code) => {
    const request = { ...purchase(cardOf('visa-ok'), 1_500, { entryMode }), ...(withPin ? { pin: PIN } : {}) };
    const d = dialectByName(dialect);
    expect(decodeMessage(d, encodeFinancialRequest(d, request)).get(22)).toBe(code);
  });

  it('every entry mode has its own code', () => {
    const codes = Object.values(ENTRY_MODE_CODES).map((c) => c.slice(0, 2));
    expect(new Set(codes).size).toBe(codes.length);
    expect(ENTRY_MODE_CODES['contactless-magstripe']).toBe('912');
  });

  it.each<[EntryMode, string]>([
    ['contactless', '072'],
    ['contactless-magstripe', '912'],
  ])('a reversal of a %s purchase carries DE 22 %s', (entryMode, code) => {
    const input: ReversalInput = {
      at: AT,
      original: { mti: '0200', stan: '000123', transmissionDateTime: '0615115959' },
      kind: 'purchase',
      amountMinor: 1_500,
      currency: '978',
      entryMode,
      terminalId: 'T0000001',
      merchantId: 'M00000000000001',
      reason: 'noResponse',
    };
    expect(decodeMessage(dialectByName('iso87ascii'), encodeReversalRequest(dialectByName('iso87ascii'), input)).get(22)).toBe(code);
  });
});

describe('what a contactless read puts on the wire', () => {
  const terminal = { amountMinor: 1_500, currency: '978', country: '826', at: AT, limits: { cvm: 5_000, floor: 0 } };

  it('a contactless chip read: DE 55 with the cryptogram, CTQ, TTQ and 9F39 07, without the track 2 equivalent, PAN or name', async () => {
    const result = await tap(buildContactlessCard({ profile: 'visa-contactless' }), terminal);
    const request = { ...purchase(cardOf('visa-ok'), 1_500, { entryMode: 'contactless' }), chip: { tlv: Sensitive.of('data', result.tlv) } };
    const d = dialectByName('iso87ascii');
    const de55 = decodeMessage(d, encodeFinancialRequest(d, request)).get(55);
    expect(Buffer.isBuffer(de55)).toBe(true);
    const tags = flatten(decode(de55 as Buffer));
    for (const tag of ['9F26', '9F27', '9F10', '9F36', '9F37', '9F02', '82', '84', '9F6C', '9F66']) expect(tags.has(tag), tag).toBe(true);
    expect(Buffer.from(tags.get('9F39')!).toString('hex')).toBe('07');
    for (const tag of ['57', '5A', '5F20']) expect(tags.has(tag), tag).toBe(false);
  });

  it('a contactless mag-stripe read: DE 35 is the reader’s dynamic track 2, no DE 55', async () => {
    const result = await tap(buildContactlessCard({ profile: 'mastercard-magstripe' }), terminal);
    const track = result.track2!;
    const sep = track.indexOf('=');
    const card = magstripe(track.slice(0, sep), track.slice(sep + 1, sep + 5), track.slice(sep + 5, sep + 8), track.slice(sep + 8));
    const d = dialectByName('iso87ascii');
    const sent = decodeMessage(d, encodeFinancialRequest(d, purchase(card, 1_500, { entryMode: 'contactless-magstripe' })));
    expect(sent.get(35)).toBe(track);
    expect(sent.get(22)).toBe('912');
    expect(sent.has(55)).toBe(false);
  });

  it('the HTTPS gateway carries the entry mode by name', () => {
    const body = authorizationBody(purchase(cardOf('visa-ok'), 1_500, { entryMode: 'contactless-magstripe' }));
    expect(body.entryMode).toBe('contactless-magstripe');
    expect(authorizationRequestSchema.safeParse(body).success).toBe(true);
    expect(authorizationRequestSchema.safeParse({ ...body, entryMode: 'contactless-stripe' }).success).toBe(false);
  });
});
