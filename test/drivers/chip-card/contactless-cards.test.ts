/**
 * The virtual contactless cards at the APDU level, written from EMV
 * Contactless Books B, C-2 and C-3 (not from `tap`): the PPSE, a qVSDC
 * card's one-shot GPO, an M/Chip card's GENERATE AC and COMPUTE
 * CRYPTOGRAPHIC CHECKSUM, each cryptogram recomputed here with node:crypto
 * by its version's rules, and random commands answered with a status word,
 * never an exception.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../../src/emv/ber-tlv.js';
import { buildDolData } from '../../../src/emv/dol.js';
import { find, flatten } from '../../../src/emv/tlv-query.js';
import { deriveCardMasterKey } from '../../../src/crypto/emv/card-master-key.js';
import { deriveCommonSessionKey } from '../../../src/crypto/emv/session-key.js';
import { loadSimulationKeys } from '../../../hw-mocks/keys/simulation-keys.js';
import { buildContactlessCard } from '../../../hw-mocks/chip-card/contactless-cards.js';
import type { ContactlessCard } from '../../../hw-mocks/chip-card/contactless-card.js';
import { computeCvc3, cvc3Key, ivCvc3 } from '../../../hw-mocks/chip-card/contactless-magstripe.js';
import { contactlessProfileNames, contactlessProfileSchema, loadContactlessProfile } from '../../../hw-mocks/chip-card/contactless-profile.js';
import { personaliseContactless } from '../../../hw-mocks/chip-card/contactless-personalise.js';
import { QvsdcCard } from '../../../hw-mocks/chip-card/qvsdc-card.js';
import { thrown } from '../../pos-error.js';
import { apdu, testCas } from './harness.js';

const KEYS = loadSimulationKeys();
const PPSE = Buffer.from('2PAY.SYS.DDF01', 'latin1');

function tx(card: ContactlessCard, command: Buffer | string): { data: Buffer; sw: string } {
  const out = card.transmit(typeof command === 'string' ? Buffer.from(command.replace(/\s+/g, ''), 'hex') : command);
  return { data: out.subarray(0, out.length - 2), sw: out.subarray(out.length - 2).toString('hex').toUpperCase() };
}

/** Reader data for a PDOL or CDOL1 (Book 3 Annex A; the TTQ per Book C-3 Annex A). */
function readerData(overrides: Record<string, string> = {}): Map<string, Buffer> {
  const base: Record<string, string> = {
    '9F66': '36000000', // qVSDC, contact chip, online PIN, signature; nothing required
    '9F02': '000000001500',
    '9F03': '000000000000',
    '9F1A': '0826',
    '95': '0000000000',
    '5F2A': '0978',
    '9A': '260615',
    '9C': '00',
    '9F37': '1A2B3C4D',
    '9F35': '22',
    '9F45': '0000',
    '9F4C': '0000000000000000',
    '9F34': '1F0302',
    '9F21': '120000',
    '9F7C': '00'.repeat(20),
  };
  return new Map(Object.entries({ ...base, ...overrides }).map(([t, v]) => [t, Buffer.from(v, 'hex')]));
}

function selectAndGpo(card: ContactlessCard, reader: Map<string, Buffer>): { sw: string; data: Map<string, Uint8Array> } {
  expect(tx(card, apdu('00A40400', card.image.aid)).sw).toBe('9000');
  const pdol = card.image.data.get('9F38');
  const template = encode([{ tag: '83', value: pdol === undefined ? Buffer.alloc(0) : buildDolData(pdol, reader) }]);
  const g = tx(card, apdu('80A80000', template));
  return { sw: g.sw, data: g.sw === '9000' ? flatten(decode(g.data)) : new Map() };
}

/** ISO/IEC 9797-1 MAC algorithm 3 with DES, by node:crypto alone (single DES as EDE with K ‖ K: OpenSSL 3 keeps plain DES in its legacy provider). */
function mac3(key: Buffer, data: Buffer, padding: 1 | 2): Buffer {
  const single = (k: Buffer): Buffer => Buffer.concat([k, k]);
  const [k1, k2] = [single(key.subarray(0, 8)), single(key.subarray(8, 16))];
  const body = padding === 2 ? Buffer.concat([data, Buffer.from([0x80])]) : data;
  const padded = Buffer.concat([body, Buffer.alloc((8 - (body.length % 8)) % 8)]);
  const cbc = createCipheriv('des-ede-cbc', k1, Buffer.alloc(8)).setAutoPadding(false);
  const last = Buffer.concat([cbc.update(padded), cbc.final()]).subarray(-8);
  const mid = createDecipheriv('des-ede', k2, null).setAutoPadding(false).update(last);
  return createCipheriv('des-ede', k1, null).setAutoPadding(false).update(mid);
}

function cardMasterKey(card: ContactlessCard): Buffer {
  return deriveCardMasterKey(KEYS.issuerMasterKey(card.image.deckCardId)!, card.image.pan, card.image.psn, 'A');
}

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex').toUpperCase();

describe('the shipped contactless profiles', () => {
  it.each(contactlessProfileNames())('%s personalises into a card', (name) => {
    const card = buildContactlessCard({ profile: name, ca: testCas() });
    expect(card.atr.toString('hex')).toBe('3b80800101');
    expect(card.image.aid.length).toBeGreaterThanOrEqual(5);
  });

  it.each([
    ['mag-stripe mode on a qVSDC card', { kernel: 'qvsdc', magstripe: true }, 'magstripe'],
    ['a qVSDC card with the M/Chip version', { cryptogramVersion: 'mastercard-cvn15' }, 'cryptogramVersion'],
    ['a phone that does not say how its holder verifies', { cvm: 'cdcvm' }, 'deviceVerification'],
  ])('refuses %s, naming the field', (_what, change, field) => {
    const base = loadContactlessProfile('visa-contactless');
    const parsed = contactlessProfileSchema.safeParse({ ...base, ...change });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toContain(field);
  });

  it('an fDDA card without a CA for its RID is a defect of the profile (INTERNAL naming fdda)', () => {
    const err = thrown(() => personaliseContactless({ profile: 'visa-contactless-offline' }));
    expect(err.code).toBe('INTERNAL');
    expect(err.details['field']).toBe('fdda');
  });

  it('a qVSDC PDOL without the TTQ is a defect of the profile (INTERNAL naming pdol)', () => {
    const profile = { ...loadContactlessProfile('visa-contactless'), pdol: '9F0206 9F3704' };
    const err = thrown(() => personaliseContactless({ profile }));
    expect(err.code).toBe('INTERNAL');
    expect(err.details['field']).toBe('pdol');
  });
});

describe('SELECT PPSE and SELECT AID (Book B §3.3)', () => {
  it.each([
    ['visa-contactless', 'A0000000031010', '03'],
    ['mastercard-contactless', 'A0000000041010', '02'],
  ])('%s: the PPSE lists its AID and kernel identifier', (profile, aid, kernelId) => {
    const card = buildContactlessCard({ profile });
    const answer = tx(card, apdu('00A40400', PPSE));
    expect(answer.sw).toBe('9000');
    const entry = find(decode(answer.data), '61');
    expect(hex(find(entry?.children ?? [], '4F')?.value)).toBe(aid);
    expect(hex(find(entry?.children ?? [], '9F2A')?.value)).toBe(kernelId);
    expect(tx(card, apdu('00A40400', Buffer.from(aid, 'hex'))).sw).toBe('9000');
    expect(tx(card, apdu('00A40400', Buffer.from('A0000000999999', 'hex'))).sw).toBe('6A82');
  });

  it('the contact PSE is not there (6A82)', () => {
    expect(tx(buildContactlessCard({ profile: 'visa-contactless' }), apdu('00A40400', Buffer.from('1PAY.SYS.DDF01', 'latin1'))).sw).toBe('6A82');
  });
});

describe('qVSDC (Book C-3): the GPO carries the cryptogram', () => {
  it('an ARQC of cryptogram version 17: 9F02 ‖ 9F37 ‖ 9F36 ‖ IAD byte 5 under the card master key, zero padding', () => {
    const card = buildContactlessCard({ profile: 'visa-contactless' });
    const reader = readerData({ '9F66': '36800000' }); // online cryptogram required
    const { sw, data } = selectAndGpo(card, reader);
    expect(sw).toBe('9000');
    expect(hex(data.get('9F27'))).toBe('80');
    const iad = Buffer.from(data.get('9F10')!);
    expect(hex(iad.subarray(0, 4))).toBe('06011103');
    expect(iad[4]! & 0x30).toBe(0x20); // CVR byte 2: ARQC at the first AC
    const input = Buffer.concat([reader.get('9F02')!, reader.get('9F37')!, data.get('9F36')!, iad.subarray(4, 5)]);
    expect(hex(data.get('9F26'))).toBe(hex(mac3(cardMasterKey(card), input, 1)));
    expect(data.get('57')?.length).toBeGreaterThan(8);
  });

  it('the ATC counts at each GPO; a second GPO in one selection is refused (6985)', () => {
    const card = buildContactlessCard({ profile: 'visa-contactless' });
    const first = selectAndGpo(card, readerData());
    expect(hex(first.data.get('9F36'))).toBe('0001');
    expect(tx(card, apdu('80A80000', encode([{ tag: '83', value: buildDolData(card.image.data.get('9F38')!, readerData()) }]))).sw).toBe('6985');
    expect(hex(selectAndGpo(card, readerData()).data.get('9F36'))).toBe('0002');
    expect(card.snapshot().nextAtc).toBe(3);
  });

  it('a reader without qVSDC in its TTQ gets 6985; PDOL data of the wrong length 6700', () => {
    const card = buildContactlessCard({ profile: 'visa-contactless' });
    expect(selectAndGpo(card, readerData({ '9F66': '16000000' })).sw).toBe('6985');
    tx(card, apdu('00A40400', card.image.aid));
    expect(tx(card, apdu('80A80000', Buffer.from('830400000000', 'hex'))).sw).toBe('6700');
  });

  it.each([
    ['no CVM required', 'visa-contactless', '36000000', '0000'],
    ['signature', 'visa-contactless', '36400000', '4000'],
    ['online PIN', 'visa-contactless-pin', '36400000', '8000'],
  ])('the CTQ asks for %s', (_cvm, profile, ttq, ctq) => {
    expect(hex(selectAndGpo(buildContactlessCard({ profile }), readerData({ '9F66': ttq })).data.get('9F6C'))).toBe(ctq);
  });

  it('fDDA: a TC carries 9F69 (version 01 ‖ card UN ‖ CTQ) and 9F4B; an ARQC does not, unless the reader does ODA for online', () => {
    const card = buildContactlessCard({ profile: 'visa-contactless-offline', ca: testCas() });
    const offline = selectAndGpo(card, readerData());
    expect(hex(offline.data.get('9F27'))).toBe('40');
    const cardData = Buffer.from(offline.data.get('9F69')!);
    expect(cardData.length).toBe(7);
    expect(cardData[0]).toBe(0x01);
    expect(hex(cardData.subarray(5))).toBe(hex(offline.data.get('9F6C')));
    expect(offline.data.get('9F4B')?.length).toBe(128);
    const online = selectAndGpo(card, readerData({ '9F66': '36800000' }));
    expect(hex(online.data.get('9F27'))).toBe('80');
    expect(online.data.has('9F4B')).toBe(false);
    expect(selectAndGpo(card, readerData({ '9F66': '37800000' })).data.has('9F4B')).toBe(true);
  });

  it('a phone: 69 86 (see phone) until its holder verifies on the device, then CDCVM performed in the CTQ', () => {
    const phone = buildContactlessCard({ profile: 'visa-phone' });
    const overLimit = readerData({ '9F66': '36C04000' }); // online, CVM required, CDCVM supported
    expect(selectAndGpo(phone, overLimit).sw).toBe('6986');
    expect(phone.snapshot().nextAtc).toBe(1); // no transaction started
    (phone as QvsdcCard).verifyOnDevice();
    const after = selectAndGpo(phone, overLimit);
    expect(after.sw).toBe('9000');
    expect(hex(after.data.get('9F6C'))).toBe('0080');
    expect(hex(after.data.get('9F6E'))).toBe('23880000');
    expect(selectAndGpo(phone, overLimit).sw).toBe('6986'); // the verification served one tap
    expect(selectAndGpo(phone, readerData({ '9F66': '36804000' })).sw).toBe('9000'); // under the CVM limit no verification
  });
});

describe('M/Chip (Book C-2): GENERATE AC in EMV mode, CVC3 in mag-stripe mode', () => {
  function toGenerateAc(profile: string): { card: ContactlessCard; records: Map<string, Uint8Array> } {
    const card = buildContactlessCard({ profile });
    const g = selectAndGpo(card, readerData());
    expect(g.sw).toBe('9000');
    const records = new Map<string, Uint8Array>();
    const afl = g.data.get('94')!;
    for (let i = 0; i < afl.length; i += 4) {
      for (let n = afl[i + 1]!; n <= afl[i + 2]!; n++) {
        const r = tx(card, Buffer.from([0x00, 0xb2, n, afl[i]! | 0x04, 0x00]));
        expect(r.sw).toBe('9000');
        for (const [t, v] of flatten(decode(r.data))) records.set(t, v);
      }
    }
    return { card, records };
  }

  it('an ARQC of version 15 hex: EMV common session key, CVR and counters in the AC, a 20-byte 9F10', () => {
    const { card, records } = toGenerateAc('mastercard-contactless');
    const reader = readerData();
    const answer = tx(card, apdu('80AE8000', buildDolData(records.get('8C')!, reader)));
    expect(answer.sw).toBe('9000');
    const ac = flatten(decode(answer.data));
    const iad = Buffer.from(ac.get('9F10')!);
    expect(iad.length).toBe(20);
    expect(iad[1]).toBe(0x15);
    const atc = Buffer.from(ac.get('9F36')!);
    const sk = deriveCommonSessionKey(cardMasterKey(card), Buffer.concat([atc, Buffer.alloc(6)]));
    const tags = ['9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37'];
    const input = Buffer.concat([...tags.map((t) => reader.get(t)!), card.image.data.get('82')!, atc, iad.subarray(2, 8), iad.subarray(10, 18)]);
    expect(hex(ac.get('9F26'))).toBe(hex(mac3(sk, input, 2)));
    expect(hex(ac.get('9F27'))).toBe('80');
  });

  it.each([
    ['TC asked on a card that does not approve offline', '4000', '80'],
    ['AAC asked', '0000', '00'],
  ])('%s (P1 %s) → CID %s', (_what, p1, cid) => {
    const { card, records } = toGenerateAc('mastercard-contactless');
    const answer = tx(card, apdu(`80AE${p1.slice(0, 2)}00`, buildDolData(records.get('8C')!, readerData())));
    expect(hex(flatten(decode(answer.data)).get('9F27'))).toBe(cid);
  });

  it('one GENERATE AC a tap: before GPO and a second one are 6985', () => {
    const card = buildContactlessCard({ profile: 'mastercard-contactless' });
    tx(card, apdu('00A40400', card.image.aid));
    const cdol = buildDolData(card.image.data.get('8C')!, readerData());
    expect(tx(card, apdu('80AE8000', cdol)).sw).toBe('6985');
    const { card: ready, records } = toGenerateAc('mastercard-contactless');
    const data = buildDolData(records.get('8C')!, readerData());
    expect(tx(ready, apdu('80AE8000', data)).sw).toBe('9000');
    expect(tx(ready, apdu('80AE8000', data)).sw).toBe('6985');
  });

  it('COMPUTE CRYPTOGRAPHIC CHECKSUM: the CVC3 over the UN and this tap’s ATC, IVCVC3 over Track 2 Data', () => {
    const { card, records } = toGenerateAc('mastercard-magstripe');
    const un = Buffer.from('00000566', 'hex');
    const answer = tx(card, apdu('802A8E80', un));
    expect(answer.sw).toBe('9000');
    const ccc = flatten(decode(answer.data));
    const key = cvc3Key(KEYS.issuerMasterKey('mc-damaged')!, card.image.pan, '00');
    const expected = computeCvc3(key, ivCvc3(key, Buffer.from(records.get('9F6B')!)), un, Buffer.from(ccc.get('9F36')!));
    expect(Buffer.from(ccc.get('9F61')!).readUInt16BE()).toBe(expected);
    expect(hex(records.get('9F65'))).toBe('000E');
    expect(hex(records.get('9F66'))).toBe('03F0');
    expect(hex(records.get('9F67'))).toBe('03');
  });

  it('a mag-stripe-only card has no CDOL1 and refuses GENERATE AC (6985)', () => {
    const { card, records } = toGenerateAc('mastercard-magstripe');
    expect(records.has('8C')).toBe(false);
    expect(tx(card, apdu('80AE8000', Buffer.alloc(10))).sw).toBe('6985');
  });
});

describe('any command: a status word, never an exception (fast-check)', () => {
  const KNOWN_SW = new Set(['9000', '6700', '6985', '6986', '6A82', '6A83', '6A86', '6A88', '6D00', '6E00']);
  const command = fc.oneof(
    fc.uint8Array({ maxLength: 40 }),
    fc
      .record({ header: fc.constantFrom('00A4', '00B2', '80A8', '80CA', '80AE', '802A'), p1: fc.integer({ min: 0, max: 255 }), p2: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 60 }) })
      .map(({ header, p1, p2, data }) => apdu(`${header}${p1.toString(16).padStart(2, '0')}${p2.toString(16).padStart(2, '0')}`, data.length === 0 ? undefined : Buffer.from(data))),
  );

  it.each(contactlessProfileNames())('%s', (profile) => {
    const card = buildContactlessCard({ profile, ca: testCas() });
    fc.assert(
      fc.property(fc.array(command, { maxLength: 6 }), fc.boolean(), (commands, started) => {
        card.powerOn();
        if (started) selectAndGpo(card, readerData());
        for (const c of commands) {
          const out = card.transmit(Buffer.from(c));
          expect(KNOWN_SW.has(out.subarray(out.length - 2).toString('hex').toUpperCase())).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
