/**
 * The APDU-level virtual chip card, command by command (EMV 4.4 Book 1 §11–12,
 * Book 3 §6.5), with the terminal's and the issuer's sides written here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../../src/emv/ber-tlv.js';
import { flatten } from '../../../src/emv/tlv-query.js';
import { loadCardProfile, type CardProfile } from '../../../hw-mocks/chip-card/card-profile.js';
import { buildChipCard, PSE_NAME, type EmvChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { rsaRecover } from '../../../hw-mocks/chip-card/simulation-ca.js';
import {
  acVerifies,
  apdu,
  arpc,
  caFor,
  dolData,
  gpo,
  issuerSessionKey,
  parseAc,
  readAfl,
  recoverIccKey,
  selectAid,
  sha1,
  terminalData,
  testCas,
  tx,
  VISA_RID,
  type ReadData,
} from './harness.js';

const VISA_AID = 'A0000000031010';
const MASTERCARD_AID = 'A0000000041010';
const FIXED_RANDOM = (n: number): Buffer => Buffer.alloc(n, 0x5c);

function card(profile: string | CardProfile): EmvChipCard {
  return buildChipCard({ profile, ca: testCas(), random: FIXED_RANDOM });
}

/** SELECT, GPO and READ RECORD: a card ready for GENERATE AC. */
function initiated(c: EmvChipCard, aid: string, terminal = terminalData()): { aip: Buffer; read: ReadData; pdolData: Buffer } {
  const selected = selectAid(c, aid);
  expect(selected.sw).toBe('9000');
  const g = gpo(c, selected.data, terminal);
  expect(g.sw).toBe('9000');
  return { aip: g.aip!, read: readAfl(c, g.afl!, g.aip!), pdolData: g.pdolData };
}

function generateAc(c: EmvChipCard, p1: number, data: Buffer): ReturnType<typeof tx> {
  return tx(c, apdu(`80AE${p1.toString(16).padStart(2, '0')}00`, data));
}

beforeAll(() => {
  testCas();
});

describe('SELECT (Book 1 §11.3, §12.2–12.3)', () => {
  it('the PSE answers its FCI with the directory SFI, and the directory lists each application with label and priority', () => {
    const c = card('two-applications');
    const pse = tx(c, apdu('00A40400', PSE_NAME));
    expect(pse.sw).toBe('9000');
    const fci = flatten(decode(pse.data));
    expect(Buffer.from(fci.get('84')!)).toEqual(PSE_NAME);
    expect(Buffer.from(fci.get('88')!)).toEqual(Buffer.from([1]));
    const entries = [1, 2].map((n) => flatten(decode(tx(c, '00B2' + n.toString(16).padStart(2, '0') + '0C00').data)));
    expect(entries.map((e) => Buffer.from(e.get('4F')!).toString('hex').toUpperCase())).toEqual(['A0000000031010', 'A0000000032010']);
    expect(entries.map((e) => Buffer.from(e.get('50')!).toString('latin1'))).toEqual(['VISA CREDIT', 'VISA DEBIT']);
    expect(entries.map((e) => e.get('87')![0])).toEqual([0x82, 0x01]); // confirmation required + priority 2; priority 1
    expect(tx(c, '00B2030C00').sw).toBe('6A83'); // end of the directory
    expect(tx(c, '00B2011400').sw).toBe('6A82'); // another SFI
  });

  it('a card without a PSE answers 6A82 to it', () => {
    expect(tx(card('mastercard'), apdu('00A40400', PSE_NAME)).sw).toBe('6A82');
  });

  it('the application FCI carries 84, 50, 87, 5F2D, 9F12 and the PDOL', () => {
    const answer = selectAid(card('visa-cda'), VISA_AID);
    expect(answer.sw).toBe('9000');
    const [fci] = decode(answer.data);
    expect(fci?.tag).toBe('6F');
    const values = flatten(decode(answer.data));
    expect(Buffer.from(values.get('84')!).toString('hex').toUpperCase()).toBe(VISA_AID);
    expect(Buffer.from(values.get('50')!).toString('latin1')).toBe('VISA CREDIT');
    expect(Buffer.from(values.get('9F12')!).toString('latin1')).toBe('VISA CREDIT');
    expect(Buffer.from(values.get('5F2D')!).toString('latin1')).toBe('en');
    expect(Buffer.from(values.get('9F38')!).toString('hex').toUpperCase()).toBe('9F02069F1A025F2A02');
  });

  it('partial selection and next occurrence walk the matching applications, then 6A82', () => {
    const c = card('two-applications');
    const first = selectAid(c, 'A000000003');
    expect(first.sw).toBe('9000');
    expect(Buffer.from(flatten(decode(first.data)).get('84')!).toString('hex').toUpperCase()).toBe('A0000000031010');
    const second = selectAid(c, 'A000000003', true);
    expect(Buffer.from(flatten(decode(second.data)).get('84')!).toString('hex').toUpperCase()).toBe('A0000000032010');
    expect(selectAid(c, 'A000000003', true).sw).toBe('6A82');
    expect(selectAid(c, 'A000000004').sw).toBe('6A82');
    expect(selectAid(c, 'A00000000310109999').sw).toBe('6A82'); // longer than the AID
  });

  it('a blocked application answers its FCI with 6283, and refuses GET PROCESSING OPTIONS', () => {
    const c = card('visa-blocked');
    const answer = selectAid(c, VISA_AID);
    expect(answer.sw).toBe('6283');
    expect(flatten(decode(answer.data)).has('84')).toBe(true);
    expect(gpo(c, answer.data, terminalData()).sw).toBe('6985');
  });

  it.each([
    ['P1 other than 04', '00A40000', '6A86'],
    ['P2 other than 00/02', '00A40401', '6A86'],
  ])('%s → %s', (_name, header, sw) => {
    expect(tx(card('visa-online-pin'), apdu(header, Buffer.from(VISA_AID, 'hex'))).sw).toBe(sw);
  });
});

describe('READ RECORD (Book 3 §6.5.11)', () => {
  it('answers 6985 before any SELECT, 6A86 for a P2 without 100 in b3–b1 or record 0, 6A82 for an SFI the application lacks, 6A83 past the last record', () => {
    const c = card('visa-online-pin');
    expect(tx(c, '00B2010C00').sw).toBe('6985');
    selectAid(c, VISA_AID);
    expect(tx(c, '00B2010800').sw).toBe('6A86');
    expect(tx(c, '00B2000C00').sw).toBe('6A86');
    expect(tx(c, '00B2014C00').sw).toBe('6A82');
    expect(tx(c, '00B2030C00').sw).toBe('6A83');
    const record = tx(c, '00B2010C00');
    expect(record.sw).toBe('9000');
    expect(decode(record.data)[0]?.tag).toBe('70');
  });

  it('the card carries its deck card: 5A, 57 with service code 2xx, 5F24 the last day of the month, 5F34', () => {
    const c = card('visa-online-pin');
    const { read } = initiated(c, VISA_AID);
    expect(read.data.get('5A')!.toString('hex')).toBe('4111111111111111');
    expect(read.data.get('57')!.toString('hex').toUpperCase()).toBe('4111111111111111D30122010000000000');
    expect(read.data.get('5F24')!.toString('hex')).toBe('301231');
    expect(read.data.get('5F34')!.toString('hex')).toBe('01');
    expect(read.data.get('8E')!.toString('hex').toUpperCase()).toBe('000000000000000042031E031F03');
  });
});

describe('GET PROCESSING OPTIONS (Book 3 §6.5.8)', () => {
  it('format 1 (80: AIP ‖ AFL) and format 2 (77 [82 94]) as the profile says; the ATC counts at GPO', () => {
    const one = card('visa-online-pin');
    const fci = selectAid(one, VISA_AID).data;
    const answer = gpo(one, fci, terminalData());
    expect(decode(answer.data)[0]?.tag).toBe('80');
    expect(answer.aip!.toString('hex')).toBe('1c00');
    expect(answer.afl!.toString('hex')).toBe('080101001001010010020200');
    expect(one.atc).toBe(2);

    const two = card('mastercard');
    const mc = gpo(two, selectAid(two, MASTERCARD_AID).data, terminalData());
    expect(decode(mc.data)[0]?.tag).toBe('77');
    expect(mc.aip!.toString('hex')).toBe('1800');
  });

  it('refuses GPO with no application (6985), PDOL data of the wrong length (6700), P1P2 ≠ 0000 (6A86), and a second GPO (6985)', () => {
    const c = card('visa-cda'); // PDOL 9F02 06, 9F1A 02, 5F2A 02: 10 bytes
    expect(tx(c, apdu('80A80000', Buffer.from('8300', 'hex'))).sw).toBe('6985');
    selectAid(c, VISA_AID);
    expect(tx(c, apdu('80A80000', Buffer.from('8300', 'hex'))).sw).toBe('6700');
    expect(tx(c, apdu('80A80000', Buffer.from('8309000000001234082609', 'hex'))).sw).toBe('6700');
    expect(tx(c, apdu('80A80000', Buffer.from('830A0000000012340826097800', 'hex'))).sw).toBe('6700');
    expect(tx(c, apdu('80A80100', Buffer.from('830A00000000123408260978', 'hex'))).sw).toBe('6A86');
    expect(tx(c, apdu('80A80000', Buffer.from('830A00000000123408260978', 'hex'))).sw).toBe('9000');
    expect(tx(c, apdu('80A80000', Buffer.from('830A00000000123408260978', 'hex'))).sw).toBe('6985');
  });

  it('a profile that refuses GPO answers 6985 (the terminal takes the application off its list)', () => {
    const profile = loadCardProfile('visa-online-pin');
    const refusing: CardProfile = { ...profile, applications: [{ ...profile.applications[0]!, gpo: { format: 1, refuse: true } }] };
    const c = card(refusing);
    const fci = selectAid(c, VISA_AID).data;
    expect(gpo(c, fci, terminalData()).sw).toBe('6985');
  });
});

describe('GET DATA (Book 3 §6.5.7)', () => {
  it('answers 9F36, 9F13 and 9F17, 6A88 for other tags, 6985 with no application', () => {
    const c = card('visa-offline-approve');
    expect(tx(c, '80CA9F3600').sw).toBe('6985');
    const fci = selectAid(c, VISA_AID).data;
    expect(tx(c, '80CA9F3600').data.toString('hex').toUpperCase()).toBe('9F36020013'); // the last transaction's ATC before GPO
    gpo(c, fci, terminalData());
    expect(tx(c, '80CA9F3600').data.toString('hex').toUpperCase()).toBe('9F36020014');
    expect(tx(c, '80CA9F1300').data.toString('hex').toUpperCase()).toBe('9F13020013');
    expect(tx(c, '80CA9F1700').data.toString('hex').toUpperCase()).toBe('9F170103');
    expect(tx(c, '80CA9F4F00').sw).toBe('6A88');
    expect(tx(c, '80CA005A00').sw).toBe('6A88');
  });
});

describe('INTERNAL AUTHENTICATE (Book 2 §6.5)', () => {
  it('signs the DDOL data: the SDAD recovers with the ICC key from the certificate chain, format 05, hash over the DDOL data', () => {
    const c = card('visa-dda');
    const { read } = initiated(c, VISA_AID);
    const ddolData = dolData(read.data.get('9F49'), terminalData());
    expect(ddolData.toString('hex').toUpperCase()).toBe('A1B2C3D4');
    const answer = tx(c, apdu('00880000', ddolData));
    expect(answer.sw).toBe('9000');
    const [node] = decode(answer.data);
    expect(node?.tag).toBe('80');
    const icc = recoverIccKey(caFor(VISA_RID), read.data);
    const recovered = rsaRecover(icc.modulus, icc.exponent, Buffer.from(node!.value));
    expect([recovered[0], recovered[1], recovered[2], recovered.at(-1)]).toEqual([0x6a, 0x05, 0x01, 0xbc]);
    const lDd = recovered[3]!;
    expect(recovered.subarray(4, 5 + 8)).toEqual(Buffer.concat([Buffer.from([8]), FIXED_RANDOM(8)])); // ICC dynamic number length ‖ number
    expect(lDd).toBe(9);
    const body = recovered.subarray(1, recovered.length - 21);
    expect(recovered.subarray(recovered.length - 21, recovered.length - 1)).toEqual(sha1(body, ddolData));
  });

  it('a card without DDA answers 6D00; before GPO 6985; P1P2 ≠ 0000 6A86', () => {
    const sda = card('visa-sda');
    selectAid(sda, VISA_AID);
    expect(tx(sda, apdu('00880000', Buffer.from('01020304', 'hex'))).sw).toBe('6D00');
    const dda = card('visa-dda');
    selectAid(dda, VISA_AID);
    expect(tx(dda, apdu('00880000', Buffer.from('01020304', 'hex'))).sw).toBe('6985');
    expect(tx(dda, apdu('00880100', Buffer.from('01020304', 'hex'))).sw).toBe('6A86');
  });

  it('data of another length than the card’s DDOL (9F49: 9F37 04) is 6700', () => {
    const c = card('visa-dda');
    initiated(c, VISA_AID);
    expect(tx(c, apdu('00880000', Buffer.from('0102030405', 'hex'))).sw).toBe('6700');
    expect(tx(c, apdu('00880000', Buffer.from('01020304', 'hex'))).sw).toBe('9000');
  });
});

describe('GENERATE AC (Book 3 §6.5.5, Book 2 §8.1)', () => {
  it('Visa-style ARQC (format 1): CID 80, 9F10 06 01 0A 03 A0…, the issuer verifies it under the EMV common session key', () => {
    const c = card('visa-online-pin');
    const { aip, read } = initiated(c, VISA_AID);
    const terminal = terminalData();
    const answer = generateAc(c, 0x80, dolData(read.data.get('8C'), terminal));
    expect(answer.sw).toBe('9000');
    const ac = parseAc(answer.data);
    expect(ac.cid).toBe(0x80);
    expect(ac.atc.toString('hex')).toBe('0001');
    expect(ac.iad.toString('hex').toUpperCase()).toBe('06010A03A01000'); // 2nd AC not requested, ARQC; new card
    const sk = issuerSessionKey('visa-ok', '4111111111111111', '01', ac.iad, ac.atc, terminal.get('9F37')!);
    expect(acVerifies(sk, terminal, aip, ac, ac.ac!)).toBe(true);
    expect(acVerifies(sk, terminalData({ '9F02': '000000001235' }), aip, ac, ac.ac!)).toBe(false);
  });

  it('Mastercard-style ARQC (format 2): 18-byte 9F10 with CVN 10, the session key uses the unpredictable number', () => {
    const c = card('mastercard');
    const { aip, read } = initiated(c, MASTERCARD_AID);
    const terminal = terminalData();
    const answer = generateAc(c, 0x80, dolData(read.data.get('8C'), terminal));
    const ac = parseAc(answer.data);
    expect(decode(answer.data)[0]?.tag).toBe('77');
    expect(ac.iad.length).toBe(18);
    expect(ac.iad.subarray(0, 8).toString('hex').toUpperCase()).toBe('0110A00003040000'); // KDI, CVN 10; CVR: ARQC, 2nd not requested; PIN try counter 3; international (0840 ≠ 0826)
    const sk = issuerSessionKey('mc-low-funds', '5555555555554444', '01', ac.iad, ac.atc, terminal.get('9F37')!);
    expect(acVerifies(sk, terminal, aip, ac, ac.ac!)).toBe(true);
    const otherUn = issuerSessionKey('mc-low-funds', '5555555555554444', '01', ac.iad, ac.atc, Buffer.from('00000000', 'hex'));
    expect(acVerifies(otherUn, terminal, aip, ac, ac.ac!)).toBe(false);
  });

  it.each([
    ['RFU type 11', 0xc0, '6A86'],
    ['an RFU bit', 0x88, '6A86'],
  ])('P1 with %s is refused', (_name, p1, sw) => {
    const c = card('visa-online-pin');
    const { read } = initiated(c, VISA_AID);
    expect(generateAc(c, p1, dolData(read.data.get('8C'), terminalData())).sw).toBe(sw);
  });

  it('refuses CDOL1 data of the wrong length (6700) and a GENERATE AC before GPO (6985)', () => {
    const c = card('visa-online-pin');
    selectAid(c, VISA_AID);
    expect(generateAc(c, 0x80, Buffer.alloc(33)).sw).toBe('6985');
    const fci = selectAid(c, VISA_AID).data;
    gpo(c, fci, terminalData());
    expect(generateAc(c, 0x80, Buffer.alloc(32)).sw).toBe('6700'); // CDOL1 asks for 33 bytes
  });

  it('CDA: 77 [9F27 9F36 9F4B 9F10]; the SDAD recovers with the ICC key and holds the CID, the ARQC and the transaction data hash', () => {
    const c = card('visa-cda');
    const { aip, read, pdolData } = initiated(c, VISA_AID);
    const terminal = terminalData();
    const cdol1Data = dolData(read.data.get('8C'), terminal);
    const answer = generateAc(c, 0x80 | 0x10, cdol1Data);
    expect(answer.sw).toBe('9000');
    const ac = parseAc(answer.data);
    expect(ac.ac).toBeUndefined();
    expect(decode(answer.data)[0]?.children?.map((n) => n.tag)).toEqual(['9F27', '9F36', '9F4B', '9F10']);
    const icc = recoverIccKey(caFor(VISA_RID), read.data);
    const recovered = rsaRecover(icc.modulus, icc.exponent, ac.sdad!);
    expect([recovered[0], recovered[1], recovered.at(-1)]).toEqual([0x6a, 0x05, 0xbc]);
    const lDd = recovered[3]!;
    const iccDynamic = recovered.subarray(4, 4 + lDd);
    expect(iccDynamic[0]).toBe(8);
    const cid = iccDynamic[9]!;
    const arqc = iccDynamic.subarray(10, 18);
    const tdhc = iccDynamic.subarray(18, 38);
    expect(cid).toBe(0x80);
    expect(tdhc).toEqual(sha1(pdolData, cdol1Data, ac.othersTlv));
    const body = recovered.subarray(1, recovered.length - 21);
    expect(recovered.subarray(recovered.length - 21, recovered.length - 1)).toEqual(sha1(body, terminal.get('9F37')!));
    const sk = issuerSessionKey('visa-ok', '4111111111111111', '01', ac.iad, ac.atc, terminal.get('9F37')!);
    expect(acVerifies(sk, terminal, aip, ac, arqc)).toBe(true);
    expect(ac.iad[6]! & 0x02).toBe(0x02); // CVR: dynamic authentication performed
  });

  it('an AAC asked for with CDA comes back without a signature', () => {
    const c = card('visa-cda');
    const { read } = initiated(c, VISA_AID);
    const ac = parseAc(generateAc(c, 0x00 | 0x10, dolData(read.data.get('8C'), terminalData())).data);
    expect(ac.cid).toBe(0x00);
    expect(ac.sdad).toBeUndefined();
    expect(ac.ac?.length).toBe(8);
  });
});

describe('online completion: EXTERNAL AUTHENTICATE and the second GENERATE AC (Book 3 §6.5.4, §10.9)', () => {
  function online(profile: string, aid: string, deckCardId: string, pan: string): { c: EmvChipCard; aip: Buffer; read: ReadData; sk: Buffer; arqc: Buffer; terminal: Map<string, Buffer> } {
    const c = card(profile);
    const { aip, read } = initiated(c, aid);
    const terminal = terminalData();
    const ac = parseAc(generateAc(c, 0x80, dolData(read.data.get('8C'), terminal)).data);
    const sk = issuerSessionKey(deckCardId, pan, '01', ac.iad, ac.atc, terminal.get('9F37')!);
    return { c, aip, read, sk, arqc: ac.ac!, terminal };
  }

  it('Visa-style: a good ARPC (9000) then TC with ARC 00, verified over the data and the ARC; the last online ATC moves', () => {
    const { c, aip, read, sk, arqc, terminal } = online('visa-online-pin', VISA_AID, 'visa-ok', '4111111111111111');
    expect(tx(c, apdu('00820000', arpc(sk, arqc, '00'), false)).sw).toBe('9000');
    expect(tx(c, apdu('00820000', arpc(sk, arqc, '00'), false)).sw).toBe('6985'); // only once
    const values = new Map([...terminal, ['8A', Buffer.from('00', 'latin1')]]);
    const answer = generateAc(c, 0x40, dolData(read.data.get('8D'), values));
    const tc = parseAc(answer.data);
    expect(tc.cid).toBe(0x40);
    expect(tc.iad.toString('hex').toUpperCase()).toBe('06010A03600000'); // 2nd TC, 1st ARQC; no longer a new card
    expect(acVerifies(sk, values, aip, tc, tc.ac!, Buffer.from('00', 'latin1'))).toBe(true);
    expect(c.application().lastOnlineAtc).toBe(1);
    expect(generateAc(c, 0x40, dolData(read.data.get('8D'), values)).sw).toBe('6985');
  });

  it.each([
    ['a wrong ARPC', () => Buffer.concat([Buffer.alloc(8), Buffer.from('00', 'latin1')]), '6300', '00', 0x08, 0],
    ['a host decline with a good ARPC', (sk: Buffer, arqc: Buffer) => arpc(sk, arqc, '51'), '9000', '51', 0x00, 1],
    ['an ARPC for another ARC', (sk: Buffer, arqc: Buffer) => arpc(sk, arqc, '51'), '9000', '00', 0x08, 0],
  ])('Visa-style: %s ends in AAC', (_name, makeAuth, externalSw, arc, failedBit, lastOnlineAtc) => {
    const { c, read, sk, arqc, terminal } = online('visa-online-pin', VISA_AID, 'visa-ok', '4111111111111111');
    expect(tx(c, apdu('00820000', makeAuth(sk, arqc), false)).sw).toBe(externalSw);
    const ac = parseAc(generateAc(c, 0x40, dolData(read.data.get('8D'), new Map([...terminal, ['8A', Buffer.from(arc, 'latin1')]]))).data);
    expect(ac.cid).toBe(0x00);
    expect(ac.iad[4]! & 0x08).toBe(failedBit); // CVR byte 2 b4: issuer authentication performed and failed
    expect(c.application().lastOnlineAtc).toBe(lastOnlineAtc); // an issuer that authenticated itself was online
  });

  it('Visa-style: an approval without issuer authentication ends in AAC, with "issuer authentication not performed"', () => {
    const { c, read, terminal } = online('visa-online-pin', VISA_AID, 'visa-ok', '4111111111111111');
    const ac = parseAc(generateAc(c, 0x40, dolData(read.data.get('8D'), new Map([...terminal, ['8A', Buffer.from('00', 'latin1')]]))).data);
    expect(ac.cid).toBe(0x00);
    expect(ac.iad[5]! & 0x04).toBe(0x04);
  });

  it('Visa-style: the decline-after-approval fault answers AAC to a good approval', () => {
    const { c, read, sk, arqc, terminal } = online('visa-online-pin', VISA_AID, 'visa-ok', '4111111111111111');
    c.declineAfterApproval = true;
    tx(c, apdu('00820000', arpc(sk, arqc, '00'), false));
    expect(parseAc(generateAc(c, 0x40, dolData(read.data.get('8D'), new Map([...terminal, ['8A', Buffer.from('00', 'latin1')]]))).data).cid).toBe(0x00);
  });

  it.each([
    ['good ARPC, ARC 00', '00', true, 0x40],
    ['good ARPC, ARC 51', '51', true, 0x00],
    ['wrong ARPC', '00', false, 0x00],
  ])('Mastercard-style: issuer authentication through 91 in CDOL2 — %s', (_name, arc, good, cid) => {
    const { c, aip, read, sk, arqc, terminal } = online('mastercard', MASTERCARD_AID, 'mc-low-funds', '5555555555554444');
    expect(tx(c, apdu('00820000', arpc(sk, arqc, arc), false)).sw).toBe('6D00'); // the AIP offers no EXTERNAL AUTHENTICATE
    const auth = good ? arpc(sk, arqc, arc) : Buffer.concat([Buffer.alloc(8, 1), Buffer.from(arc, 'latin1')]);
    const values = new Map([...terminal, ['8A', Buffer.from(arc, 'latin1')], ['91', auth]]);
    const ac = parseAc(generateAc(c, 0x40, dolData(read.data.get('8D'), values)).data);
    expect(ac.cid).toBe(cid);
    expect(acVerifies(sk, values, aip, ac, ac.ac!, Buffer.from(arc, 'latin1'))).toBe(true);
    expect(ac.iad[3]! & 0x10).toBe(0x10); // CVR byte 2: issuer authentication performed
    expect(ac.iad[6]! & 0x04).toBe(good ? 0 : 0x04); // CVR byte 5: issuer authentication failed
  });

  it('unable to go online: Y3 gives a TC only on a card that approves offline; Z3 an AAC', () => {
    for (const [profile, arc, cid] of [
      ['visa-online-pin', 'Y3', 0x00],
      ['visa-offline-approve', 'Y3', 0x40],
      ['visa-offline-approve', 'Z3', 0x00],
    ] as const) {
      const c = card(profile);
      const { read } = initiated(c, VISA_AID);
      generateAc(c, 0x80, dolData(read.data.get('8C'), terminalData()));
      const ac = parseAc(generateAc(c, 0x40, dolData(read.data.get('8D'), new Map([...terminalData(), ['8A', Buffer.from(arc, 'latin1')]]))).data);
      expect(ac.cid, `${profile} ${arc}`).toBe(cid);
      expect(ac.iad[4]! & 0x01).toBe(0x01); // CVR: unable to go online
    }
  });
});

describe('card risk management at the first GENERATE AC', () => {
  it('visa-offline-approve: TC while ATC − last online ATC ≤ 9F14 (3), then ARQC; the terminal reads the same counters by GET DATA', () => {
    const c = card('visa-offline-approve');
    const cids: number[] = [];
    for (let i = 0; i < 4; i++) {
      const { read } = initiated(c, VISA_AID);
      cids.push(parseAc(generateAc(c, 0x40, dolData(read.data.get('8C'), terminalData())).data).cid);
    }
    expect(cids).toEqual([0x40, 0x40, 0x40, 0x80]); // ATC 20, 21, 22 against 19; 23 − 19 = 4 > 3
    expect(tx(c, '80CA9F3600').data.toString('hex')).toBe('9f36020017');
    expect(tx(c, '80CA9F1300').data.toString('hex')).toBe('9f13020013');
  });

  it('visa-offline-decline: AAC at the first GENERATE AC whatever is asked', () => {
    for (const p1 of [0x40, 0x80]) {
      const c = card('visa-offline-decline');
      const { read } = initiated(c, VISA_AID);
      expect(parseAc(generateAc(c, p1, dolData(read.data.get('8C'), terminalData())).data).cid).toBe(0x00);
    }
  });

  it('a TC asked of a card that does not approve offline becomes an ARQC; an AAC stays an AAC', () => {
    const c = card('visa-online-pin');
    let { read } = initiated(c, VISA_AID);
    expect(parseAc(generateAc(c, 0x40, dolData(read.data.get('8C'), terminalData())).data).cid).toBe(0x80);
    ({ read } = initiated(c, VISA_AID));
    expect(parseAc(generateAc(c, 0x00, dolData(read.data.get('8C'), terminalData())).data).cid).toBe(0x00);
  });
});

describe('commands the card does not know', () => {
  it.each([
    ['class 90', '90A4040000', '6E00'],
    ['class 00, INS CA', '00CA9F3600', '6D00'],
    ['class 80, INS B2', '80B2010C00', '6D00'],
    ['class 84, INS 24', '8424000004AABBCCDD', '6D00'],
    ['class 04, INS 1E', '041E000004AABBCCDD', '6D00'],
    ['three bytes', '00A404', '6700'],
    ['Lc 00 (extended length)', '00A4040000000E', '6700'],
    ['Lc beyond the data', '00A404000E3150', '6700'],
    ['GET CHALLENGE with P1', '0084010000', '6A86'],
  ])('%s → %s', (_name, hex, sw) => {
    expect(tx(card('visa-online-pin'), hex).sw).toBe(sw);
  });

  it('GET CHALLENGE answers 8 bytes', () => {
    const answer = tx(card('visa-online-pin'), '0084000000');
    expect(answer.sw).toBe('9000');
    expect(answer.data).toEqual(FIXED_RANDOM(8));
  });
});

describe('power and reset', () => {
  it('a reset or a new SELECT ends the transaction: GENERATE AC needs a new GPO; the ATC is kept', () => {
    const c = card('visa-online-pin');
    const { read } = initiated(c, VISA_AID);
    c.reset();
    expect(generateAc(c, 0x80, dolData(read.data.get('8C'), terminalData())).sw).toBe('6985');
    expect(c.atc).toBe(2);
    c.powerOff();
    c.powerOn();
    expect(c.atr.toString('hex').toUpperCase()).toBe('3B6800000073C84012009000');
    initiated(c, VISA_AID);
    selectAid(c, VISA_AID);
    expect(generateAc(c, 0x80, dolData(read.data.get('8C'), terminalData())).sw).toBe('6985');
    expect(c.atc).toBe(3);
  });

  it('an ARQC left without its second GENERATE AC shows as "last online transaction not completed" in the next CVR', () => {
    const c = card('visa-online-pin');
    let { read } = initiated(c, VISA_AID);
    generateAc(c, 0x80, dolData(read.data.get('8C'), terminalData()));
    c.powerOff();
    ({ read } = initiated(c, VISA_AID));
    const ac = parseAc(generateAc(c, 0x80, dolData(read.data.get('8C'), terminalData())).data);
    expect(ac.iad[5]! & 0x80).toBe(0x80);
  });
});
