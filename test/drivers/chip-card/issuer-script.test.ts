/**
 * Issuer script commands on the virtual card (EMV 4.4 Book 3 §6.5, §10.10):
 * MAC'd as `hw-mocks/chip-card/issuer-script.ts` documents, applied by the
 * card, and their results in the CVR.
 */
import { describe, expect, it } from 'vitest';
import { decode } from '../../../src/emv/ber-tlv.js';
import { buildChipCard, type EmvChipCard } from '../../../hw-mocks/chip-card/emv-chip-card.js';
import { issuerMasterKeyFor } from '../../../hw-mocks/chip-card/issuer-keys.js';
import { issuerScriptTemplate, scriptCommandApdu, smiMasterKey, smiSessionKey, type ScriptCommand } from '../../../hw-mocks/chip-card/issuer-script.js';
import { apdu, arpc, dolData, gpo, issuerSessionKey, parseAc, readAfl, selectAid, terminalData, tx, type ReadData } from './harness.js';

const AID = 'A0000000031010';
const PAN = '4111111111111111';

interface Online {
  readonly card: EmvChipCard;
  readonly read: ReadData;
  readonly atc: Buffer;
  readonly arqc: Buffer;
  readonly sk: Buffer;
}

function online(card: EmvChipCard = buildChipCard({ profile: 'visa-issuer-script' })): Online {
  const fci = selectAid(card, AID).data;
  const g = gpo(card, fci, terminalData());
  const read = readAfl(card, g.afl!, g.aip!);
  const ac = parseAc(tx(card, apdu('80AE8000', dolData(read.data.get('8C'), terminalData()))).data);
  const sk = issuerSessionKey('visa-ok', PAN, '01', ac.iad, ac.atc, terminalData().get('9F37')!);
  return { card, read, atc: ac.atc, arqc: ac.ac!, sk };
}

/** What the issuer does: the command MAC'd under SK_SMI derived from its own copy of the card's keys. */
function issuerCommand(o: Online, command: ScriptCommand): Buffer {
  const mkSmi = smiMasterKey(issuerMasterKeyFor('visa-ok'), PAN, '01');
  return scriptCommandApdu(smiSessionKey(mkSmi, o.arqc), command, o.atc, o.arqc);
}

function secondAc(o: Online, arc = '00'): ReturnType<typeof parseAc> {
  tx(o.card, apdu('00820000', arpc(o.sk, o.arqc, arc), false));
  return parseAc(tx(o.card, apdu('80AE4000', dolData(o.read.data.get('8D'), new Map([...terminalData(), ['8A', Buffer.from(arc, 'latin1')]])))).data);
}

describe('issuer scripts', () => {
  it('APPLICATION BLOCK in a 72 script after the TC: 9000, the CVR of the next transaction counts it, and SELECT answers 6283', () => {
    const o = online();
    expect(secondAc(o).cid).toBe(0x40);
    const command = issuerCommand(o, { kind: 'application-block' });
    expect(command.subarray(0, 5).toString('hex')).toBe('841e000004');
    expect(tx(o.card, command).sw).toBe('9000');
    expect(o.card.application().blocked).toBe(true);
    expect(selectAid(o.card, AID).sw).toBe('6283');
    expect(o.card.application().scriptCommands).toBe(1);
  });

  it('APPLICATION BLOCK in a 71 script before the second GENERATE AC: the card answers AAC to an approval', () => {
    const o = online();
    expect(tx(o.card, issuerCommand(o, { kind: 'application-block' })).sw).toBe('9000');
    const ac = secondAc(o);
    expect(ac.cid).toBe(0x00);
    expect(ac.iad[6]! >> 4).toBe(1); // CVR byte 4: one script command processed
  });

  it('PUT DATA 9F14 changes the lower consecutive offline limit a READ RECORD shows; a tag outside the list is 6A88', () => {
    const o = online();
    secondAc(o);
    expect(tx(o.card, issuerCommand(o, { kind: 'put-data', tag: '9F14', value: Buffer.from([0x09]) })).sw).toBe('9000');
    expect(tx(o.card, issuerCommand(o, { kind: 'put-data', tag: '9F0D', value: Buffer.alloc(5) })).sw).toBe('6A88');
    expect(o.card.application().dataObject('9F14')).toBe('09');
    const fci = selectAid(o.card, AID).data;
    const g = gpo(o.card, fci, terminalData());
    expect(readAfl(o.card, g.afl!, g.aip!).data.get('9F14')!.toString('hex')).toBe('09');
  });

  it('a wrong MAC is 6988 and changes nothing; the next CVR says "issuer script processing failed"', () => {
    const o = online();
    secondAc(o);
    const command = issuerCommand(o, { kind: 'application-block' });
    command[command.length - 1] = command[command.length - 1]! ^ 0x01;
    expect(tx(o.card, command).sw).toBe('6988');
    expect(o.card.application().blocked).toBe(false);
    const next = online(o.card);
    const ac = parseAc(tx(next.card, apdu('80AE4000', dolData(next.read.data.get('8D'), new Map([...terminalData(), ['8A', Buffer.from('00', 'latin1')]])))).data);
    expect(ac.iad[6]! & 0x08).toBe(0x08);
  });

  it('a script MAC’d for another transaction does not verify', () => {
    const first = online();
    const stale = issuerCommand(first, { kind: 'application-block' });
    secondAc(first);
    const o = online(first.card);
    expect(tx(o.card, stale).sw).toBe('6988');
  });

  it('a script command without an ARQC in this session is 6985; CARD BLOCK makes every SELECT 6A81', () => {
    const card = buildChipCard({ profile: 'visa-issuer-script' });
    selectAid(card, AID);
    expect(tx(card, '841E000004AABBCCDD').sw).toBe('6985');
    const o = online(card);
    expect(tx(card, issuerCommand(o, { kind: 'card-block' })).sw).toBe('9000');
    expect(selectAid(card, AID).sw).toBe('6A81');
    expect(card.cardBlocked).toBe(true);
  });

  it('issuerScriptTemplate wraps commands as 71|72 [9F18 id] [86 command]…', () => {
    const template = issuerScriptTemplate('72', Buffer.from('00000001', 'hex'), [Buffer.from('841E000004AABBCCDD', 'hex')]);
    const [node] = decode(template);
    expect(node?.tag).toBe('72');
    expect(node?.children?.map((c) => c.tag)).toEqual(['9F18', '86']);
  });
});
