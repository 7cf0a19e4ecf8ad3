/**
 * Every shipped card profile, personalised with the test CAs and taken
 * through selection, GPO, the records, its offline data authentication and
 * its own transaction outcome — checked from the terminal's and the issuer's
 * sides written in ./harness.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../../src/emv/ber-tlv.js';
import { flatten } from '../../../src/emv/tlv-query.js';
import { cardProfileNames, loadCardProfile } from '../../../hw-mocks/chip-card/card-profile.js';
import { buildChipCard, PSE_NAME, type EmvChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { personalise } from '../../../hw-mocks/chip-card/personalise.js';
import { rsaRecover } from '../../../hw-mocks/chip-card/simulation-ca.js';
import { acVerifies, apdu, arpc, caFor, dolData, gpo, issuerSessionKey, parseAc, readAfl, recoverIccKey, selectAid, sha1, terminalData, testCas, tx, type ReadData } from './harness.js';

const SHIPPED = [
  'mastercard',
  'mastercard-cda',
  'two-applications',
  'visa-bad-issuer-certificate',
  'visa-blocked',
  'visa-cda',
  'visa-dda',
  'visa-expired',
  'visa-issuer-script',
  'visa-offline-approve',
  'visa-offline-decline',
  'visa-online-pin',
  'visa-sda',
];

/** What each profile must do when a terminal asks for an ARQC (a TC for the offline approver). */
const OUTCOME: Record<string, 'online' | 'blocked' | 'offline-decline' | 'offline-approve'> = {
  'visa-blocked': 'blocked',
  'visa-offline-decline': 'offline-decline',
  'visa-offline-approve': 'offline-approve',
};

beforeAll(() => {
  testCas();
});

/** Selection as a terminal does it: the PSE directory when there is one, else the first AID (Book 1 §12.3). */
function selectFirst(card: EmvChipCard): { sw: string; fci: Buffer; aid: Buffer } {
  const pse = tx(card, apdu('00A40400', PSE_NAME));
  let aid = card.image.applications[0]!.aid;
  if (pse.sw === '9000') {
    const sfi = flatten(decode(pse.data)).get('88')![0]!;
    const entry = flatten(decode(tx(card, Buffer.from([0x00, 0xb2, 1, (sfi << 3) | 4, 0])).data));
    aid = Buffer.from(entry.get('4F')!);
  }
  const answer = selectAid(card, aid);
  return { sw: answer.sw, fci: answer.data, aid };
}

describe('card profiles', () => {
  it('ships the profiles the issue names, each personalising with the test CAs', () => {
    expect(cardProfileNames()).toEqual(SHIPPED);
    for (const name of SHIPPED) expect(() => personalise({ profile: name, ca: testCas() }), name).not.toThrow();
  });

  it.each(SHIPPED)('%s: selection, GPO, the records, ODA and the first GENERATE AC as the profile says', (name) => {
    const card = buildChipCard({ profile: name, ca: testCas() });
    const profile = loadCardProfile(name);
    const app = profile.applications[0]!;
    const selected = selectFirst(card);
    if (OUTCOME[name] === 'blocked') {
      expect(selected.sw).toBe('6283');
      return;
    }
    expect(selected.sw).toBe('9000');
    const terminal = terminalData();
    const g = gpo(card, selected.fci, terminal);
    expect(g.sw).toBe('9000');
    const read = readAfl(card, g.afl!, g.aip!);
    for (const tag of ['5A', '5F24', '8C', '8D', '8E', '9F07', '9F08', '9F0D', '9F0E', '9F0F']) expect(read.data.has(tag), `${name} ${tag}`).toBe(true);
    checkOda(card, name, read, g.aip!);

    const outcome = OUTCOME[name] ?? 'online';
    const p1 = outcome === 'offline-approve' ? 0x40 : 0x80;
    const first = parseAc(tx(card, apdu(`80AE${p1.toString(16)}00`, dolData(read.data.get('8C'), terminal))).data);
    const deckId = profile.card;
    const pan = read.data.get('5A')!.toString('hex').replace(/f+$/, '');
    const sk = issuerSessionKey(deckId, pan, profile.psn, first.iad, first.atc, terminal.get('9F37')!);
    expect(acVerifies(sk, terminal, g.aip!, first, first.ac!), `${name}: the issuer verifies the first AC`).toBe(true);
    expect(first.cid).toBe({ online: 0x80, 'offline-decline': 0x00, 'offline-approve': 0x40 }[outcome]);
    if (outcome !== 'online') return;

    // Online: the issuer's ARPC by the card's own route (EXTERNAL AUTHENTICATE when the AIP offers it, else 91 in CDOL2) → TC.
    const auth = arpc(sk, first.ac!, '00');
    const byExternal = (g.aip![0]! & 0x04) !== 0;
    if (byExternal) expect(tx(card, apdu('00820000', auth, false)).sw).toBe('9000');
    const second = new Map([...terminal, ['8A', Buffer.from('00', 'latin1')], ['91', byExternal ? Buffer.alloc(10) : auth]]);
    const tc = parseAc(tx(card, apdu('80AE4000', dolData(read.data.get('8D'), second))).data);
    expect(tc.cid, name).toBe(0x40);
    expect(acVerifies(sk, second, g.aip!, tc, tc.ac!, Buffer.from('00', 'latin1'))).toBe(true);
    expect(app.cryptogramVersion === 'mastercard' ? tc.iad.length : tc.iad[0]).toBe(app.cryptogramVersion === 'mastercard' ? 18 : 0x06);
  });

  it('visa-expired carries the deck’s expired card: 5F24 lies in the past', () => {
    const card = buildChipCard({ profile: 'visa-expired' });
    const { fci } = selectFirst(card);
    const g = gpo(card, fci, terminalData());
    expect(readAfl(card, g.afl!, g.aip!).data.get('5F24')!.toString('hex')).toBe('201231');
  });

  it('two-applications: both applications on the PSE directory, the first needing confirmation', () => {
    const card = buildChipCard({ profile: 'two-applications' });
    tx(card, apdu('00A40400', PSE_NAME));
    const priorities = [1, 2].map((n) => flatten(decode(tx(card, Buffer.from([0x00, 0xb2, n, 0x0c, 0])).data)).get('87')![0]);
    expect(priorities).toEqual([0x82, 0x01]);
  });

  it('visa-online-pin: the CVM list asks for enciphered PIN verified online first (42 03)', () => {
    const card = buildChipCard({ profile: 'visa-online-pin' });
    const { fci } = selectFirst(card);
    const g = gpo(card, fci, terminalData());
    expect(readAfl(card, g.afl!, g.aip!).data.get('8E')!.subarray(8, 10).toString('hex')).toBe('4203');
  });

  it('a card personalised for another deck card carries that card', () => {
    const card = buildChipCard({ profile: 'visa-online-pin', card: { id: 'visa-expired', label: '', pan: '4012888888881881', name: 'TEST/CARD THREE', expiry: '2012', serviceCode: '101', discretionary: '0000000000', pin: '1111', balance: 0, status: 'active', stripe: 'good', issuer: 'normal' } });
    expect(card.image.pan).toBe('4012888888881881');
  });
});

/** Book 2: SDA (§5), DDA's certificate chain (§6.1–6.4); a profile with a defect must fail exactly there. */
function checkOda(card: EmvChipCard, name: string, read: ReadData, aip: Buffer): void {
  const methods = loadCardProfile(name).applications[0]!.oda?.methods ?? [];
  if (methods.length === 0) {
    expect(read.data.has('90')).toBe(false);
    return;
  }
  const rid = card.image.applications[0]!.aid.subarray(0, 5);
  const ca = caFor(rid);
  expect(read.data.get('8F')![0]).toBe(ca.index);
  const issuerBlock = rsaRecover(ca.capk.modulus, ca.capk.exponent, read.data.get('90')!);
  const issuerBody = issuerBlock.subarray(1, issuerBlock.length - 21);
  const issuerHashOk = issuerBlock.subarray(issuerBlock.length - 21, issuerBlock.length - 1).equals(sha1(issuerBody, read.data.get('92') ?? Buffer.alloc(0), read.data.get('9F32')!));
  expect(issuerBlock.subarray(2, 5).toString('hex')).toBe(card.image.pan.slice(0, 6));
  if (name === 'visa-bad-issuer-certificate') {
    expect(issuerHashOk).toBe(false);
    return;
  }
  expect(issuerHashOk).toBe(true);
  if (methods.includes('sda')) {
    const nI = issuerBlock[13]!;
    const issuerModulus = Buffer.concat([issuerBlock.subarray(15, issuerBlock.length - 21), read.data.get('92') ?? Buffer.alloc(0)]).subarray(0, nI);
    const ssad = rsaRecover(issuerModulus, read.data.get('9F32')!, read.data.get('93')!);
    expect([ssad[0], ssad[1], ssad.at(-1)]).toEqual([0x6a, 0x03, 0xbc]);
    expect(ssad.subarray(ssad.length - 21, ssad.length - 1)).toEqual(sha1(ssad.subarray(1, ssad.length - 21), read.staticData));
  }
  if (methods.includes('dda')) {
    const icc = recoverIccKey(ca, read.data);
    const iccBlock = rsaRecover(icc.issuerModulus, read.data.get('9F32')!, read.data.get('9F46')!);
    expect(iccBlock.subarray(2, 12).toString('hex')).toMatch(new RegExp(`^${card.image.pan}f*$`));
    expect(iccBlock.subarray(iccBlock.length - 21, iccBlock.length - 1)).toEqual(
      sha1(iccBlock.subarray(1, iccBlock.length - 21), read.data.get('9F48') ?? Buffer.alloc(0), read.data.get('9F47')!, read.staticData),
    );
  }
  expect(aip.length).toBe(2);
}
