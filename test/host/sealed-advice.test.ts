/**
 * DE 48 of an advice, the card data sealed to the acquirer
 * (`src/host/messages/sealed-advice.ts`): the subfield layout built from its
 * spec, round trip, every refusal by `subfield` and `reason`, random input;
 * the encoder refusing an advice in clear and a sealed card outside an
 * advice; the simulated acquirer opening it without sockets — 00 and the
 * debit for a good one, 88 for one that does not open or does not match,
 * 30 for one that is not well formed — and its key pair's checks.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IssuerHost } from '../../hw-mocks/host/issuer-host.js';
import { DEFAULT_KEYS_PATH, loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { encodeFinancialRequest, type SealedAdvice } from '../../src/host/messages/financial.js';
import {
  adviceOpeningKey,
  adviceSealingKey,
  parseSealedAdviceField,
  sealAdviceCard,
  sealedAdviceField,
  SEALED_HEADER_BYTES,
  type AdviceBinding,
} from '../../src/host/messages/sealed-advice.js';
import { amountField, transmissionDateTime } from '../../src/host/messages/fields.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import { Iso8583Message } from '../../src/iso8583/message.js';
import { thrown } from '../pos-error.js';
import { cardOf, DECK, expectDe48ReadOrRefused, expectDe48Refused, nextStan, purchase } from './helpers.js';

const KEYS = loadSimulationKeys();
const NOW = new Date(2026, 5, 15, 12, 0, 0);
const AT = new Date(Date.UTC(2026, 5, 15, 14, 30, 0));
const ACQUIRER = adviceSealingKey(KEYS.acquirerAdvicePublicPem);

const lowFunds = DECK.cards.find((c) => c.id === 'mc-low-funds');
if (lowFunds === undefined) throw new Error('deck without mc-low-funds');
const PAN = lowFunds.pan;
const MASKED = `${PAN.slice(0, 6)}${'*'.repeat(PAN.length - 10)}${PAN.slice(-4)}`;
const TRACK2 = `${PAN}=30122010000000000`;

function bindingOf(stan: string, amountMinor: number): AdviceBinding {
  return { terminalId: 'T0000001', stan, transmissionDateTime: transmissionDateTime(AT), amount: amountField(amountMinor), currency: '978' };
}

/** A sealed advice as the terminal sends it; `sealFor` lets a test seal for other fields than it sends. */
function advice(amountMinor: number, options: { stan?: string; key?: typeof ACQUIRER; track2?: string; sealFor?: AdviceBinding; maskedPan?: string } = {}): SealedAdvice {
  const stan = options.stan ?? nextStan();
  const sealedCard = sealAdviceCard(options.key ?? ACQUIRER, { track2: Buffer.from(options.track2 ?? TRACK2, 'latin1') }, options.sealFor ?? bindingOf(stan, amountMinor));
  return { kind: 'purchase', stan, at: AT, amountMinor, currency: '978', entryMode: 'chip', terminalId: 'T0000001', merchantId: 'M00000000000001', maskedPan: options.maskedPan ?? MASKED, sealedCard };
}

function withDe48(message: Iso8583Message, de48: string): Iso8583Message {
  return new Iso8583Message(message.mti, { ...message.fields, 48: de48 });
}

function asMessage(request: SealedAdvice, mti: '0220' | '0221' = '0220'): Iso8583Message {
  return decodeMessage(iso87ascii, encodeFinancialRequest(iso87ascii, request, { mti, offlineAuthCode: 'Y00042' }));
}

describe('DE 48 sealed advice', () => {
  const sealed = Buffer.concat([Buffer.from([0x01]), Buffer.from('0011223344556677', 'hex'), Buffer.alloc(32, 0xee), Buffer.alloc(16, 0xaa), Buffer.from('C1C2C3', 'hex')]);

  it('lays out [tag ×2][length ×3][value] subfields: AS scheme 01, AK key id, AC ephemeral key ‖ tag ‖ ciphertext, BN/L4 from the masked PAN', () => {
    const expected = [
      'AS' + '002' + '01',
      'AK' + '016' + '0011223344556677',
      'AC' + '102' + 'EE'.repeat(32) + 'AA'.repeat(16) + 'C1C2C3',
      'BN' + '006' + '476173',
      'L4' + '004' + '0119',
    ].join('');
    expect(sealedAdviceField(sealed, '476173******0119')).toBe(expected);
    expect(parseSealedAdviceField(expected)).toEqual({ keyId: Buffer.from('0011223344556677', 'hex'), sealed, bin: '476173', lastFour: '0119' });
  });

  it('round trips without the masked PAN, and skips subfields it does not know', () => {
    const text = sealedAdviceField(sealed, null);
    expect(parseSealedAdviceField(text)).toEqual({ keyId: sealed.subarray(1, 9), sealed });
    expect(parseSealedAdviceField(`${text}ZZ003abc`)).toEqual({ keyId: sealed.subarray(1, 9), sealed });
  });

  it.each([
    ['no scheme', 'AK0160011223344556677AC096' + 'EE'.repeat(48), 'AS', 'missing'],
    ['an unknown scheme', 'AS00202AK0160011223344556677AC096' + 'EE'.repeat(48), 'AS', 'unknown-scheme'],
    ['a short key id', 'AS00201AK01400112233445566AC096' + 'EE'.repeat(48), 'AK', 'key-id-length'],
    ['no sealed data', 'AS00201AK0160011223344556677', 'AC', 'missing'],
    ['sealed data shorter than key and tag', 'AS00201AK0160011223344556677AC094' + 'EE'.repeat(47), 'AC', 'short'],
    ['sealed data that is not hex', 'AS00201AK0160011223344556677AC096' + 'EG'.repeat(48), 'AC', 'hex'],
    ['a BIN that is not six digits', 'AS00201AK0160011223344556677AC096' + 'EE'.repeat(48) + 'BN00647617X', 'BN', 'digits'],
    ['a length past the end', 'AS00201AK0990011', 'AK', 'length'],
    ['a repeated subfield', 'AS00201AS00201', 'AS', 'repeated'],
  ])('refuses %s with HOST_REQUEST_INVALID naming the subfield', (_name, text, subfield, reason) => {
    expectDe48Refused(parseSealedAdviceField, text, subfield, reason);
  });

  it('reads random text as a sealed advice or refuses it with a PosError, nothing else', () => {
    const texts = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('AS00201', 'AS00201AK016').chain((head) => fc.string({ maxLength: 200 }).map((t) => head + t)));
    fc.assert(fc.property(texts, (text) => expectDe48ReadOrRefused(parseSealedAdviceField, text)));
  });
});

describe('the advice encoder', () => {
  it('puts the sealed card in DE 48 with DE 38, and no DE 2, 14, 35, 52, 53 or 55', () => {
    const message = asMessage(advice(800));
    expect(message.mti).toBe('0220');
    expect(message.get(38)).toBe('Y00042');
    expect(message.get(22)).toBe('052');
    for (const field of [2, 14, 35, 52, 53, 55]) expect(message.has(field)).toBe(false);
    expect(parseSealedAdviceField(message.get(48) as string)).toMatchObject({ bin: PAN.slice(0, 6), lastFour: PAN.slice(-4) });
  });

  it('refuses an advice whose card is in clear, and a sealed card outside an advice (HOST_REQUEST_INVALID, field 48)', () => {
    const clear = thrown(() => encodeFinancialRequest(iso87ascii, purchase(cardOf('visa-ok'), 100), { mti: '0220', offlineAuthCode: 'Y00042' }));
    expect([clear.code, clear.details['field']]).toEqual(['HOST_REQUEST_INVALID', 48]);
    const outside = thrown(() => encodeFinancialRequest(iso87ascii, advice(100), { mti: '0200' }));
    expect([outside.code, outside.details['field']]).toEqual(['HOST_REQUEST_INVALID', 48]);
  });
});

describe('the simulated acquirer opens sealed advices (no sockets)', () => {
  const issuer = (): IssuerHost => new IssuerHost({ clock: () => NOW, keys: KEYS });
  const answer = (host: IssuerHost, message: Iso8583Message): string | undefined => host.handleRequest(message, { trusted: true })?.get(39) as string | undefined;

  it('applies a good advice once, even beyond the balance, acknowledges its repeat, and keeps only the masked PAN', () => {
    const host = issuer();
    const request = advice(800);
    expect(answer(host, asMessage(request))).toBe('00');
    expect(answer(host, asMessage(request, '0221'))).toBe('00');
    expect(host.balanceOf('mc-low-funds')).toBe(-300);
    expect(host.ledger.map((e) => [e.mti, e.authCode, e.maskedPan])).toEqual([
      ['0220', 'Y00042', MASKED],
      ['0221', 'Y00042', MASKED],
    ]);
    expect(JSON.stringify(host.ledger)).not.toContain(PAN);
  });

  const otherKey = adviceSealingKey(generateKeyPairSync('x25519').publicKey);
  const flipLast = (r: SealedAdvice): SealedAdvice => {
    const sealedCard = Buffer.from(r.sealedCard);
    sealedCard[sealedCard.length - 1] = (sealedCard[sealedCard.length - 1] ?? 0) ^ 1;
    return { ...r, sealedCard };
  };

  it.each<[string, string, () => Iso8583Message]>([
    ['sealed to another key', '88', () => asMessage(advice(100, { key: otherKey }))],
    ['with a flipped ciphertext bit', '88', () => asMessage(flipLast(advice(100)))],
    ['sealed for another STAN (moved from another advice)', '88', () => asMessage(advice(100, { stan: '000777', sealFor: bindingOf('000778', 100) }))],
    ['sealed for another amount', '88', () => asMessage(advice(100, { sealFor: { ...bindingOf('000779', 100), amount: amountField(1) }, stan: '000779' }))],
    ['whose track disagrees with its BIN and last four', '88', () => asMessage(advice(100, { maskedPan: '411111******1111' }))],
    ['whose plaintext is no track', '88', () => asMessage(advice(100, { track2: 'not a track' }))],
    ['whose DE 48 is not a sealed advice', '30', () => withDe48(asMessage(advice(100)), 'AS00201AK0040011')],
    ['whose DE 48 is an encrypting reader\'s', '30', () => withDe48(asMessage(advice(100)), 'ES00201EK020FFFF0801A5B3C4E00001E2016' + '00'.repeat(8))],
  ])('answers an advice %s with %s, moving no money', (_name, code, build) => {
    const host = issuer();
    expect(answer(host, build())).toBe(code);
    expect(host.balanceOf('mc-low-funds')).toBe(500);
    expect(host.ledger.at(-1)).toMatchObject({ responseCode: code });
  });
});

describe('the simulation acquirer key pair', () => {
  it('holds an X25519 private key whose public half is the one a simulated terminal gets', () => {
    expect(KEYS.acquirerAdvice.privateKey.asymmetricKeyType).toBe('x25519');
    expect(KEYS.acquirerAdvice.keyId).toEqual(ACQUIRER.keyId);
    expect(adviceOpeningKey(KEYS.acquirerAdvice.privateKey).raw).toEqual(ACQUIRER.raw);
    expect(SEALED_HEADER_BYTES).toBe(57);
  });

  it('refuses a keys file whose recorded public key is not the private key\'s, naming the key', () => {
    const file = JSON.parse(readFileSync(DEFAULT_KEYS_PATH, 'utf8')) as { acquirerAdvice: { publicKey: string } };
    file.acquirerAdvice.publicKey = generateKeyPairSync('x25519').publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const path = join(mkdtempSync(join(tmpdir(), 'keys-')), 'keys.json');
    writeFileSync(path, JSON.stringify(file));
    const err = thrown(() => loadSimulationKeys(path));
    expect([err.code, err.details['fields']]).toEqual(['CONFIG_INVALID', ['acquirerAdvice.publicKey']]);
  });
});
