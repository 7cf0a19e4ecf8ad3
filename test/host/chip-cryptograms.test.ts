/**
 * The bank-host simulator's issuer verifies the APDU-level virtual cards'
 * cryptograms by their cryptogram version (told apart by 9F10 alone),
 * answers with an ARPC the card accepts, and sends a queued issuer script
 * the card applies. No sockets: `IssuerHost.handleRequest`.
 */
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/emv/ber-tlv.js';
import { flatten } from '../../src/emv/tlv-query.js';
import { Iso8583Message } from '../../src/iso8583/message.js';
import { IssuerHost } from '../../hw-mocks/host/issuer-host.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';
import { buildChipCard, type EmvChipCard } from '../../hw-mocks/chip-card/emv-chip-card.js';
import { apdu, dolData, gpo, parseAc, readAfl, selectAid, terminalData, testCas, tx, type ReadData } from '../drivers/chip-card/harness.js';
import { nextStan } from './helpers.js';

const KEYS = loadSimulationKeys();
const NOW = new Date(2026, 5, 15, 12, 0, 0);

interface Online {
  readonly card: EmvChipCard;
  readonly read: ReadData;
  readonly de55: Map<string, Buffer>;
  readonly terminal: Map<string, Buffer>;
}

/** A card taken to its ARQC; DE 55 as a terminal builds it from the card's and its own data. */
function toArqc(profile: string, amountMinor: number): Online {
  const card = buildChipCard({ profile, ca: testCas() });
  const aid = card.image.applications[0]!.aid;
  const terminal = terminalData({ '9F02': String(amountMinor).padStart(12, '0') });
  const g = gpo(card, selectAid(card, aid).data, terminal);
  const read = readAfl(card, g.afl!, g.aip!);
  const ac = parseAc(tx(card, apdu('80AE8000', dolData(read.data.get('8C'), terminal))).data);
  const de55 = new Map<string, Buffer>([
    ...[...terminal].filter(([tag]) => ['9F02', '9F03', '9F1A', '95', '5F2A', '9A', '9C', '9F37'].includes(tag)),
    ['82', g.aip!],
    ['84', aid],
    ['5F34', read.data.get('5F34')!],
    ['9F36', ac.atc],
    ['9F26', ac.ac!],
    ['9F27', Buffer.from([ac.cid])],
    ['9F10', ac.iad],
  ]);
  return { card, read, de55, terminal };
}

function authorise(issuer: IssuerHost, pan: string, amountMinor: number, de55: Map<string, Buffer>): { responseCode: unknown; issuerData: Map<string, Uint8Array>; nodes: ReturnType<typeof decode> } {
  const answer = issuer.handleRequest(
    new Iso8583Message('0200', {
      2: pan,
      3: '000000',
      4: String(amountMinor).padStart(12, '0'),
      7: '0615120000',
      11: nextStan(),
      41: 'T0000001',
      49: '978',
      55: encode([...de55].map(([tag, value]) => ({ tag, value }))),
    }),
    { trusted: true },
  );
  const raw = answer?.get(55);
  const bytes = Buffer.isBuffer(raw) ? raw : Buffer.alloc(0);
  return { responseCode: answer?.get(39), issuerData: flatten(decode(bytes)), nodes: decode(bytes) };
}

function secondAc(o: Online, issuer91: Uint8Array, arc: string): number {
  const aip = o.de55.get('82')!;
  const byExternal = (aip[0]! & 0x04) !== 0;
  if (byExternal) tx(o.card, apdu('00820000', Buffer.from(issuer91), false));
  const values = new Map([...o.terminal, ['8A', Buffer.from(arc, 'latin1')], ['91', byExternal ? Buffer.alloc(10) : Buffer.from(issuer91)]]);
  return parseAc(tx(o.card, apdu('80AE4000', dolData(o.read.data.get('8D'), values))).data).cid;
}

describe('the simulator verifies each cryptogram version by its rules', () => {
  it.each([
    ['visa-online-pin', 'visa-ok', '4111111111111111'],
    ['visa-cda', 'visa-ok', '4111111111111111'],
    ['mastercard', 'mc-low-funds', '5555555555554444'],
  ])('%s: the ARQC verifies, the answer carries 91 and the card turns it into a TC', (profile, cardId, pan) => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const balance = issuer.balanceOf(cardId)!;
    const o = toArqc(profile, 300);
    const { responseCode, issuerData } = authorise(issuer, pan, 300, o.de55);
    expect(responseCode).toBe('00');
    expect(issuerData.get('91')?.length).toBe(10);
    expect(secondAc(o, issuerData.get('91')!, '00')).toBe(0x40);
    expect(issuer.balanceOf(cardId)).toBe(balance - 300);
  });

  it.each([
    ['an amount changed after the ARQC', (d: Map<string, Buffer>) => d.set('9F02', Buffer.from('000000000301', 'hex'))],
    ['a Mastercard-style ARQC with a Visa-style 9F10', (d: Map<string, Buffer>) => d.set('9F10', Buffer.from('06010A03A01000', 'hex'))],
    ['an unknown cryptogram version', (d: Map<string, Buffer>) => d.set('9F10', Buffer.concat([Buffer.from([0x01, 0x11]), d.get('9F10')!.subarray(2)]))],
    ['another unpredictable number (the Mastercard session key uses it)', (d: Map<string, Buffer>) => d.set('9F37', Buffer.from('00000000', 'hex'))],
  ])('Mastercard-style: %s is refused with 05 and no 91', (_name, tamper) => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const o = toArqc('mastercard', 300);
    tamper(o.de55);
    const { responseCode, issuerData } = authorise(issuer, '5555555555554444', 300, o.de55);
    expect(responseCode).toBe('05');
    expect(issuerData.has('91')).toBe(false);
  });

  it('a Visa-style ARQC with its CVN changed is refused', () => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const o = toArqc('visa-online-pin', 300);
    const iad = Buffer.from(o.de55.get('9F10')!);
    iad[2] = 0x12;
    o.de55.set('9F10', iad);
    expect(authorise(issuer, '4111111111111111', 300, o.de55).responseCode).toBe('05');
  });

  it('a declined authorisation still carries an ARPC for its ARC: the card answers AAC', () => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    const o = toArqc('mastercard', 900); // beyond mc-low-funds' balance
    const { responseCode, issuerData } = authorise(issuer, '5555555555554444', 900, o.de55);
    expect(responseCode).toBe('51');
    expect(secondAc(o, issuerData.get('91')!, '51')).toBe(0x00);
  });
});

describe('issuer scripts from the simulator', () => {
  it('a queued 72 script (PUT DATA 9F14, APPLICATION BLOCK) goes out once after 91, MAC’d so the card applies it', () => {
    const issuer = new IssuerHost({ clock: () => NOW, keys: KEYS });
    issuer.queueIssuerScript('visa-ok', { template: '72', identifier: Buffer.from('00000001', 'hex'), commands: [{ kind: 'put-data', tag: '9F14', value: Buffer.from([0x07]) }, { kind: 'application-block' }] });
    const o = toArqc('visa-issuer-script', 200);
    const { responseCode, issuerData, nodes } = authorise(issuer, '4111111111111111', 200, o.de55);
    expect(responseCode).toBe('00');
    expect(nodes.map((n) => n.tag)).toEqual(['91', '72']);
    expect(Buffer.from(issuerData.get('9F18')!).toString('hex')).toBe('00000001');
    expect(secondAc(o, issuerData.get('91')!, '00')).toBe(0x40);
    const commands = (nodes[1]?.children ?? []).filter((n) => n.tag === '86').map((n) => Buffer.from(n.value));
    expect(commands.map((c) => tx(o.card, c).sw)).toEqual(['9000', '9000']);
    expect(o.card.application().dataObject('9F14')).toBe('07');
    expect(selectAid(o.card, o.card.image.applications[0]!.aid).sw).toBe('6283');

    const again = toArqc('visa-online-pin', 200);
    expect(authorise(issuer, '4111111111111111', 200, again.de55).nodes.map((n) => n.tag)).toEqual(['91']);
  });
});
