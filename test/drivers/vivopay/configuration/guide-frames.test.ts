/**
 * One test per example the *NEO 2 Interface Developer's Guide* prints for the
 * configuration commands, named after its section and page, so that a reader
 * of the test can hold it beside the guide: whole frames where the guide
 * prints their bytes, the data layouts and example lists where it prints
 * those. Each is checked on the driver's side (encoder, decoder) and on the
 * virtual reader's (the configuration store).
 */
import { describe, expect, it } from 'vitest';
import { encodeCommandFrame } from '../../../../drivers/vivopay/protocol.js';
import { CONFIGURATION_COMMANDS } from '../../../../drivers/vivopay/configuration/commands.js';
import {
  decodeAidList,
  decodeApplicationData,
  decodeCapk,
  decodeCapkList,
  decodeTlvList,
  encodeApplicationData,
  encodeCapk,
  encodeContactlessCapk,
  decodeContactlessCapkHash,
  decodeRidList,
  encodeTlvList,
  type TlvItem,
} from '../../../../drivers/vivopay/configuration/contact-records.js';
import { answerConfigurationCommand, configurationCommandsOf, createConfigurationStore, responseFrame } from '../../../../hw-mocks/vivopay/configuration-store.js';
import { CAPK_LAB_SETS } from '../../../../src/emv/kernel/oda/index.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');
const HEADER = '56 69 56 4F 74 65 63 68 32 00'; // "ViVOtech2\0"
const tlv = (tag: string, value: string): TlvItem => ({ tag, value: hex(value) });
/** The data of a response frame built by the store. */
const dataOf = (frame: Buffer | undefined): Buffer => frame!.subarray(14, frame!.length - 2);
const statusOf = (frame: Buffer | undefined): number => frame![11]!;

describe('the guide\'s example frames and lists for the configuration commands', () => {
  it('§3.4 p60 with the samples of §19.3.16 p462: a command\'s CRC goes low byte first, a response\'s high byte first', () => {
    // Query screen "Screen1": TX ... 61 13 00 08 "Screen1\0" 58 F8, RX ... 61 00 00 01 01 5B BF.
    expect(encodeCommandFrame(0x61, 0x13, Buffer.from('Screen1\0', 'latin1'))).toEqual(hex(`${HEADER} 61 13 00 08 53 63 72 65 65 6E 31 00 58 F8`));
    expect(responseFrame(0x61, 0x00, Buffer.from([0x01]))).toEqual(hex(`${HEADER} 61 00 00 01 01 5B BF`));
  });

  it('§2.8.4 p42: Get Configuration 03-02 is ... 03 02 00 00 5B 91, and the store answers group 0 (§8.2.9 p130)', () => {
    expect(encodeCommandFrame(0x03, 0x02)).toEqual(hex(`${HEADER} 03 02 00 00 5B 91`));
    const answer = answerConfigurationCommand(createConfigurationStore(), { command: 0x03, subCommand: 0x02, data: Buffer.alloc(0) });
    // [DFEE2D 01 00] group 0 first, then Table 84's defaults (p502): 9C 01 00 ...
    expect(dataOf(answer).subarray(0, 8)).toEqual(hex('DFEE2D 01 00  9C 01 00'));
  });

  it('§4.4 p96: Set Configuration 04-00 with DF ED 11 01 00 — the guide prints its CRC 32 E6 high byte first; §3.4 sends a command\'s low byte first', () => {
    const printed = hex(`${HEADER} 04 00 00 05 DF ED 11 01 00 32 E6`);
    const ours = encodeCommandFrame(0x04, 0x00, hex('DF ED 11 01 00'));
    expect(ours.subarray(0, 19)).toEqual(printed.subarray(0, 19));
    expect(ours.readUInt16LE(19)).toBe(printed.readUInt16BE(19));
    const store = createConfigurationStore();
    // §8.2.7 p129 prints the 04 OK response: ... 04 00 00 00 AE 16.
    expect(answerConfigurationCommand(store, { command: 0x04, subCommand: 0x00, data: hex('DF ED 11 01 00') })).toEqual(hex(`${HEADER} 04 00 00 00 AE 16`));
    expect(store.groups.get(0)?.find((t) => t.tag === 'DFED11')?.value).toEqual(hex('00'));
  });

  it('§8.4.5 p162–163: Set Application Data with the guide\'s "Application Data List Example"', () => {
    const example = [
      tlv('9F01', '56 49 53 41 30 30'), // Acquirer Identifier
      tlv('5F57', '00'), // Account Type
      tlv('5F2A', '08 40'), // Transaction Currency
      tlv('9F09', '00 96'), // Terminal application version number
      tlv('5F36', '02'), // Transaction Currency Exponent
      tlv('9F1B', '00 00 3A 98'), // Terminal Floor Limit
      tlv('DF25', '9F 37 04'), // Default DDOL
      tlv('DF28', '9F 08 02'), // Default TDOL
      tlv('DFEE15', '01'), // ASI
      tlv('DF13', '00 00 00 00 00'), // TAC-Default
      tlv('DF14', '00 00 00 00 00'), // TAC-Denial
      tlv('DF15', '00 00 00 00 00'), // TAC-Online
      tlv('DF18', '00'), // Target Percentage
      tlv('DF17', '00 00 27 10'), // Threshold Value
      tlv('DF19', '00'), // Maximum Target Percentage
    ];
    const aid = hex('A0000000031010');
    const data = encodeApplicationData({ aid, tlvs: example });
    // <AID_LenL><AID_LenH><AID><TagCounterL><TagCounterH><TLV1>…
    expect(data.subarray(0, 2 + 7 + 2 + 9)).toEqual(hex('07 00  A0 00 00 00 03 10 10  0F 00  9F 01 06 56 49 53 41 30 30'));
    const store = createConfigurationStore();
    expect(statusOf(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x03, data }))).toBe(0x00);
    const answer = answerConfigurationCommand(store, { command: 0x60, subCommand: 0x01, data: aid });
    expect(decodeApplicationData('retrieveApplicationData', dataOf(answer), aid).tlvs).toEqual(example);
  });

  it('§8.4.5 p163: a 17th AID is refused with 61, a TLV of the wrong form with 05', () => {
    const store = createConfigurationStore();
    for (let i = 0; i < 16; i++) answerConfigurationCommand(store, { command: 0x60, subCommand: 0x03, data: encodeApplicationData({ aid: hex(`A00000000${i.toString(16)}1010`), tlvs: [] }) });
    expect(statusOf(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x03, data: encodeApplicationData({ aid: hex('A0000000991010'), tlvs: [] }) }))).toBe(0x61);
    const truncated = Buffer.concat([hex('07 00 A0 00 00 00 03 10 10 01 00'), hex('9F 09 02 00')]);
    expect(statusOf(answerConfigurationCommand(createConfigurationStore(), { command: 0x60, subCommand: 0x03, data: truncated }))).toBe(0x05);
  });

  it('§8.4.6–8.4.8 p163–165: Set and Retrieve Terminal Data with the guide\'s "Terminal Data List Example"', () => {
    const example = [
      tlv('5F36', '02'),
      tlv('9F1A', '08 40'),
      tlv('9F35', '21'),
      tlv('9F33', '60 28 C8'),
      tlv('9F40', 'F0 00 F0 A0 01'),
      tlv('9F1E', '54 65 72 6D 69 6E 61 6C'), // "Terminal"
      tlv('9F15', '12 34'),
      tlv('9F16', '30'.repeat(15)),
    ];
    const data = encodeTlvList(example);
    expect(data.subarray(0, 6)).toEqual(hex('08 00  5F 36 01 02'));
    const store = createConfigurationStore();
    // 60-04 before any terminal data: status 60 (p164).
    expect(statusOf(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x04, data: Buffer.alloc(0) }))).toBe(0x60);
    expect(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x06, data })).toEqual(responseFrame(0x60, 0x00));
    expect(decodeTlvList('retrieveTerminalData', dataOf(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x04, data: Buffer.alloc(0) })))).toEqual(example);
  });

  it('§8.4.9 p172: Retrieve AID List answers <NumberL><NumberH> then <LenL><LenH><AID> each; none is status 60', () => {
    const answer = hex('02 00  07 00 A0 00 00 00 03 10 10  07 00 A0 00 00 00 04 10 10');
    expect(decodeAidList('retrieveAidList', answer).map((a) => a.toString('hex').toUpperCase())).toEqual(['A0000000031010', 'A0000000041010']);
    expect(encodeCommandFrame(0x60, 0x07).subarray(0, 14)).toEqual(hex(`${HEADER} 60 07 00 00`));
    expect(statusOf(answerConfigurationCommand(createConfigurationStore(), { command: 0x60, subCommand: 0x07, data: Buffer.alloc(0) }))).toBe(0x60);
  });

  it('§8.4.10–8.4.13 p172–175: a CA key record, its list, and a hash that does not match refused with 17', () => {
    const key = CAPK_LAB_SETS['emv-test'][0]!;
    const record = encodeCapk({ rid: key.rid, index: key.index, exponent: key.exponent, modulus: key.modulus, hash: key.checksum });
    // <RID 5><Index><Hash Algorithm 01><Encryption Algorithm 01><HashValue 20><Exponent 4><Modulus Length LenL LenH><Modulus>
    expect(record.subarray(0, 5)).toEqual(key.rid);
    expect(record.subarray(5, 8)).toEqual(Buffer.from([key.index, 0x01, 0x01]));
    expect(record.subarray(8, 28)).toEqual(key.checksum);
    expect(record.subarray(28, 32)).toEqual(key.exponent.length === 1 ? hex('00 00 00 03') : hex('00 01 00 01'));
    expect(record.readUInt16LE(32)).toBe(key.modulus.length);
    expect(record.subarray(34)).toEqual(key.modulus);

    const store = createConfigurationStore();
    expect(statusOf(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x0a, data: record }))).toBe(0x00);
    const id = Buffer.concat([key.rid, Buffer.from([key.index])]);
    expect(decodeCapk('retrieveCaPublicKey', dataOf(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x08, data: id })))).toMatchObject({ index: key.index, modulus: key.modulus, exponent: key.exponent });
    expect(decodeCapkList('retrieveCaPublicKeyList', dataOf(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x0b, data: Buffer.alloc(0) })))).toEqual([{ rid: key.rid, index: key.index }]);

    const badHash = Buffer.from(record);
    badHash.writeUInt8(badHash.readUInt8(8) ^ 0x01, 8);
    expect(statusOf(answerConfigurationCommand(createConfigurationStore(), { command: 0x60, subCommand: 0x0a, data: badHash }))).toBe(0x17);
    // 60-09 with no data removes every key (p173); then 60-0B says there is none (60).
    expect(statusOf(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x09, data: Buffer.alloc(0) }))).toBe(0x00);
    expect(statusOf(answerConfigurationCommand(store, { command: 0x60, subCommand: 0x0b, data: Buffer.alloc(0) }))).toBe(0x60);
  });

  it('§8.7.2–8.7.6 p247–250: the contactless kernel\'s key, its modulus length high byte first; 49 when it exists, 4B when it does not', () => {
    const key = CAPK_LAB_SETS['emv-test'][0]!;
    const data = encodeContactlessCapk({ rid: key.rid, index: key.index, exponent: key.exponent, modulus: key.modulus, hash: key.checksum });
    // <RID 5><Key Index><Hash Algorithm 01><Public Key Algorithm 01><Checksum 20><Exponent 4><Modulus Length MSB LSB><Modulus>
    expect(data.subarray(5, 8)).toEqual(Buffer.from([key.index, 0x01, 0x01]));
    expect(data.readUInt16BE(32)).toBe(key.modulus.length);
    const store = createConfigurationStore();
    const id = Buffer.concat([key.rid, Buffer.from([key.index])]);
    expect(statusOf(answerConfigurationCommand(store, { command: 0xd0, subCommand: 0x02, data: id }))).toBe(0x4b);
    expect(statusOf(answerConfigurationCommand(store, { command: 0xd0, subCommand: 0x03, data }))).toBe(0x00);
    expect(statusOf(answerConfigurationCommand(store, { command: 0xd0, subCommand: 0x03, data }))).toBe(0x49);
    expect(decodeContactlessCapkHash('getContactlessCaKeyHash', dataOf(answerConfigurationCommand(store, { command: 0xd0, subCommand: 0x02, data: id })))).toEqual(key.checksum);
    // D0-06: the RIDs, 5 bytes each (number of RIDs = length / 5).
    expect(decodeRidList('getContactlessCaRids', dataOf(answerConfigurationCommand(store, { command: 0xd0, subCommand: 0x06, data: Buffer.alloc(0) })))).toEqual([key.rid]);
    expect(statusOf(answerConfigurationCommand(store, { command: 0xd0, subCommand: 0x04, data: id }))).toBe(0x00);
    expect(dataOf(answerConfigurationCommand(store, { command: 0xd0, subCommand: 0x06, data: Buffer.alloc(0) }))).toHaveLength(0);
  });

  it('§8.3.1–8.3.8 p151–158: a group before its AID, an AID\'s run beginning with its group number, group 0 kept', () => {
    const store = createConfigurationStore();
    const ask = (sub: number, command: number, data: string) => answerConfigurationCommand(store, { command, subCommand: sub, data: hex(data) });
    // An AID naming a group that does not exist is rejected (p151).
    expect(statusOf(ask(0x02, 0x04, 'DFEE2D 01 40  9F06 07 A0000000031010  DFEE4C 01 06'))).toBe(0x05);
    expect(statusOf(ask(0x03, 0x04, 'DFEE2D 01 40  DFEE34 06 000000010000'))).toBe(0x00);
    expect(statusOf(ask(0x02, 0x04, 'DFEE2D 01 40  9F06 07 A0000000031010  DFEE4C 01 06'))).toBe(0x00);
    expect(dataOf(ask(0x05, 0x03, ''))).toEqual(hex('DFEE2D 01 40  9F06 07 A0000000031010  DFEE4C 01 06'));
    expect(dataOf(ask(0x04, 0x03, '9F06 07 A0000000031010'))).toEqual(hex('DFEE2D 01 40  9F06 07 A0000000031010  DFEE4C 01 06'));
    // An unknown AID is answered with its TLV alone, not an error (p154); an unknown group with its number alone (p155).
    expect(dataOf(ask(0x04, 0x03, '9F06 07 A0000000041010'))).toEqual(hex('9F06 07 A0000000041010'));
    expect(dataOf(ask(0x06, 0x03, 'DFEE2D 01 41'))).toEqual(hex('DFEE2D 01 41'));
    // Group 0 cannot be deleted, nor a group an AID names (p157).
    expect(statusOf(ask(0x05, 0x04, 'DFEE2D 01 00'))).not.toBe(0x00);
    expect(statusOf(ask(0x05, 0x04, 'DFEE2D 01 40'))).not.toBe(0x00);
    expect(statusOf(ask(0x04, 0x04, '9F06 07 A0000000031010'))).toBe(0x00);
    expect(statusOf(ask(0x04, 0x04, '9F06 07 A0000000031010'))).toBe(0x60);
    expect(statusOf(ask(0x05, 0x04, 'DFEE2D 01 40'))).toBe(0x00);
    expect(dataOf(ask(0x07, 0x03, '')).subarray(0, 5)).toEqual(hex('DFEE2D 01 00'));
  });

  it('§8.2.10, 8.2.13, 8.2.14 p131–134: the version commands are 29-00, 29-06, 29-07 with no data; the kernel answers as the guide\'s examples', () => {
    expect(CONFIGURATION_COMMANDS.getFirmwareVersion).toMatchObject({ command: 0x29, subCommand: 0x00 });
    expect(encodeCommandFrame(0x29, 0x06).subarray(0, 14)).toEqual(hex(`${HEADER} 29 06 00 00`));
    const store = createConfigurationStore();
    expect(dataOf(answerConfigurationCommand(store, { command: 0x29, subCommand: 0x06, data: Buffer.alloc(0) })).toString('latin1')).toBe('EMV Common L2 V1.10');
    expect(dataOf(answerConfigurationCommand(store, { command: 0x29, subCommand: 0x07, data: Buffer.alloc(0) })).toString('latin1')).toBe('EMV Common L2 V1.10.037');
  });

  it('gives the same answers as status and data, for a twin that frames them itself', () => {
    const answer = configurationCommandsOf(createConfigurationStore());
    expect(answer({ command: 0x29, subCommand: 0x07, data: Buffer.alloc(0) })).toEqual({ status: 0x00, data: Buffer.from('EMV Common L2 V1.10.037', 'latin1') });
    expect(answer({ command: 0x60, subCommand: 0x04, data: Buffer.alloc(0) })).toEqual({ status: 0x60, data: Buffer.alloc(0) });
    expect(answer({ command: 0x60, subCommand: 0x10, data: Buffer.alloc(0) })).toBeUndefined();
  });

  it('answers nothing for a command that is not a configuration command (the twin\'s own)', () => {
    expect(answerConfigurationCommand(createConfigurationStore(), { command: 0x60, subCommand: 0x10, data: Buffer.alloc(0) })).toBeUndefined();
    expect(answerConfigurationCommand(createConfigurationStore(), { command: 0x18, subCommand: 0x01, data: Buffer.alloc(0) })).toBeUndefined();
  });
});
