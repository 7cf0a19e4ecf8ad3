/**
 * The bank-host simulator and the terminal's host path with the virtual
 * contactless cards: a tap (`tap`, the twin reader) becomes the terminal's
 * own 0200 (DE 22 07x and DE 55, or DE 22 91x and the dynamic track 2 in
 * DE 35), which the simulated issuer verifies by the card's cryptogram
 * version or CVC3 — and refuses with 05, as for contact cards, when it
 * does not verify. No sockets: `IssuerHost.handleRequest`.
 */
import { describe, expect, it } from 'vitest';
import { deriveCardMasterKey } from '../../src/crypto/emv/card-master-key.js';
import { generateArpcMethod1 } from '../../src/crypto/emv/cryptogram.js';
import { deriveCommonSessionKey } from '../../src/crypto/emv/session-key.js';
import { decode, encode } from '../../src/emv/ber-tlv.js';
import { flatten } from '../../src/emv/tlv-query.js';
import type { EntryMode } from '../../src/devices/card-reader.js';
import { encodeFinancialRequest } from '../../src/host/messages/financial.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { IssuerHost } from '../../hw-mocks/host/issuer-host.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { buildContactlessCard } from '../../hw-mocks/chip-card/contactless-cards.js';
import type { ContactlessCard } from '../../hw-mocks/chip-card/contactless-card.js';
import { tap, type TapResult, type TapTerminal } from '../../hw-mocks/chip-card/contactless-tap.js';
import { cardOf, magstripe, purchase } from './helpers.js';

const KEYS = loadSimulationKeys();
const NOW = new Date(2026, 5, 15, 12, 0, 0);

function terminal(amountMinor: number, more: Partial<TapTerminal> = {}): TapTerminal {
  return { amountMinor, currency: '978', country: '826', at: NOW, limits: { transaction: 20_000, cvm: 5_000, floor: 0 }, ...more };
}

/** The 0200 the terminal sends for a tap, as the issuer decodes it. */
function requestFor(result: TapResult, cardId: string, amountMinor: number, tamper?: (tags: Map<string, Uint8Array>) => void): Iso8583Message {
  const entryMode = result.entryMode as EntryMode;
  let request;
  if (entryMode === 'contactless-magstripe') {
    const track = result.track2!;
    const sep = track.indexOf('=');
    request = purchase(magstripe(track.slice(0, sep), track.slice(sep + 1, sep + 5), track.slice(sep + 5, sep + 8), track.slice(sep + 8)), amountMinor, { entryMode });
  } else {
    const tags = flatten(decode(result.tlv));
    tamper?.(tags);
    const tlv = encode([...tags].map(([tag, value]) => ({ tag, value })));
    request = { ...purchase(cardOf(cardId), amountMinor, { entryMode }), chip: { tlv: Sensitive.of('data', tlv) } };
  }
  return decodeMessage(iso87ascii, encodeFinancialRequest(iso87ascii, request));
}

function answer(issuer: IssuerHost, request: Iso8583Message): { code: unknown; issuerData: Map<string, Uint8Array> } {
  const reply = issuer.handleRequest(request, { trusted: true });
  const de55 = reply?.get(55);
  return { code: reply?.get(39), issuerData: Buffer.isBuffer(de55) ? flatten(decode(de55)) : new Map() };
}

async function tapped(profile: string, amountMinor: number, more: Partial<TapTerminal> = {}): Promise<{ card: ContactlessCard; result: TapResult }> {
  const card = buildContactlessCard({ profile });
  const result = await tap(card, terminal(amountMinor, more));
  expect(result.outcome).toBe('online-request');
  return { card, result };
}

describe('contactless chip (DE 22 07x, DE 55): the simulator verifies each contactless cryptogram version', () => {
  it.each([
    ['visa-contactless', 'visa-ok', 'visa-cvn17: no ARPC (the card has left the field)'],
    ['visa-phone', 'visa-ok', 'visa-cvn17 from a phone'],
    ['mastercard-contactless', 'mc-damaged', 'mastercard-cvn15: ARPC method 1 under the session key'],
  ])('%s (%s): approved — %s', async (profile, cardId, _what) => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const balance = issuer.balanceOf(cardId)!;
    const { card, result } = await tapped(profile, 1_500);
    const request = requestFor(result, cardId, 1_500);
    expect(request.get(22)).toBe('072');
    expect(Buffer.isBuffer(request.get(55))).toBe(true);
    const { code, issuerData } = answer(issuer, request);
    expect(code).toBe('00');
    expect(issuer.balanceOf(cardId)).toBe(balance - 1_500);
    const tags = flatten(decode(result.tlv));
    if (card.image.version?.arpc === 'none') {
      expect(issuerData.has('91')).toBe(false);
      return;
    }
    const mk = deriveCardMasterKey(KEYS.issuerMasterKey(cardId)!, card.image.pan, card.image.psn, 'A');
    const sk = deriveCommonSessionKey(mk, Buffer.concat([tags.get('9F36')!, Buffer.alloc(6)]));
    const arc = Buffer.from('00', 'latin1');
    expect(Buffer.from(issuerData.get('91')!).toString('hex')).toBe(Buffer.concat([generateArpcMethod1(sk, tags.get('9F26')!, arc), arc]).toString('hex'));
  });

  it.each([
    ['visa-contactless', 'visa-ok', 'another unpredictable number', '9F37', '00000000'],
    ['visa-contactless', 'visa-ok', 'another amount', '9F02', '000000001501'],
    ['mastercard-contactless', 'mc-damaged', 'another amount', '9F02', '000000001501'],
    ['mastercard-contactless', 'mc-damaged', 'other counters in 9F10', '9F10', ''],
  ])('%s: %s after the cryptogram is refused with 05 and no 91', async (profile, cardId, _what, tag, value) => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const balance = issuer.balanceOf(cardId)!;
    const { result } = await tapped(profile, 1_500);
    const request = requestFor(result, cardId, 1_500, (tags) => {
      if (value !== '') tags.set(tag, Buffer.from(value, 'hex'));
      else {
        const iad = Buffer.from(tags.get(tag)!);
        iad[11] = iad[11]! ^ 0x01;
        tags.set(tag, iad);
      }
    });
    const { code, issuerData } = answer(issuer, request);
    expect(code).toBe('05');
    expect(issuerData.has('91')).toBe(false);
    expect(issuer.balanceOf(cardId)).toBe(balance);
  });

  it('a contactless cryptogram sent for another deck card does not verify (05)', async () => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const { result } = await tapped('mastercard-contactless', 300);
    expect(answer(issuer, requestFor(result, 'mc-low-funds', 300)).code).toBe('05');
  });
});

describe('contactless mag-stripe (DE 22 91x, DE 35): the simulator verifies the dynamic CVC3', () => {
  it('approves the track the reader built, and refuses the same track again (its ATC is spent)', async () => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const { result } = await tapped('mastercard-magstripe', 700);
    const request = requestFor(result, 'mc-damaged', 700);
    expect(request.get(22)).toBe('912');
    expect(request.has(55)).toBe(false);
    expect(answer(issuer, request).code).toBe('00');
    expect(answer(issuer, requestFor(result, 'mc-damaged', 700)).code).toBe('05');
  });

  it('approves each new tap of the same card (rising ATCs)', async () => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const card = buildContactlessCard({ profile: 'mastercard-contactless' });
    for (let i = 0; i < 3; i++) {
      const result = await tap(card, terminal(200, { supports: { emvMode: false } }));
      expect(result.entryMode).toBe('contactless-magstripe');
      expect(answer(issuer, requestFor(result, 'mc-damaged', 200)).code).toBe('00');
    }
  });

  it.each([
    ['a CVC3 digit changed', (t: string) => t.slice(0, -2) + String((Number(t.at(-2)) + 1) % 10) + t.slice(-1)],
    ['a UN digit changed', (t: string) => t.slice(0, -5) + String((Number(t.at(-5)) + 1) % 10) + t.slice(-4)],
    ['the static track of a swipe', (t: string) => `${t.slice(0, t.indexOf('=') + 8)}0000000000`],
  ])('refuses %s with 05', async (_what, change) => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const { result } = await tapped('mastercard-magstripe', 700);
    const request = requestFor({ ...result, track2: change(result.track2!) }, 'mc-damaged', 700);
    expect(answer(issuer, request).code).toBe('05');
  });

  it('the same track as a plain swipe (DE 22 90x) is not a contactless read: no CVC3 check', async () => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const { result } = await tapped('mastercard-magstripe', 700);
    const track = result.track2!;
    const sep = track.indexOf('=');
    const swipe = purchase(magstripe(track.slice(0, sep), track.slice(sep + 1, sep + 5), track.slice(sep + 5, sep + 8), track.slice(sep + 8)), 700, { entryMode: 'swipe' });
    const request = decodeMessage(iso87ascii, encodeFinancialRequest(iso87ascii, swipe));
    expect(request.get(22)).toBe('902');
    expect(answer(issuer, request).code).toBe('00');
  });
});
