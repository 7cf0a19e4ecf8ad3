/**
 * What the reader is told, made from the terminal's one configuration
 * (`readerConfigurationOf`): the kernel's tables turned into the guide's
 * TLVs, value by value, and the contactless limits of `emv.aids[].contactless`.
 */
import { describe, expect, it } from 'vitest';
import { readerConfigurationOf, TERMINAL_GROUP_BASE } from '../../../../drivers/vivopay/configuration/index.js';
import { kernelConfigOf } from '../../../../src/app/chip-kernel.js';
import { parseConfig } from '../../../../src/config/load.js';
import { thrown } from '../../../pos-error.js';
import { desiredOf } from './harness.js';

const TAC = { default: 'DC4000A800', denial: '0010000000', online: 'DC4004F800' };
const valueOf = (tlvs: readonly { tag: string; value: Buffer }[] | undefined, tag: string): string | undefined => tlvs?.find((t) => t.tag === tag)?.value.toString('hex').toUpperCase();

describe('the reader configuration from the terminal configuration', () => {
  it('terminal data: 9F1A from terminal.country, 9F35 as n2, 9F33/9F40, 9F1E, 9F15, 9F16, 9F1C', () => {
    const { terminalData } = desiredOf({ terminal: { type: 25, merchantCategoryCode: '5411' } });
    expect(terminalData.map((t) => t.tag)).toEqual(['9F1A', '9F35', '9F33', '9F40', '9F1E', '9F15', '9F16', '9F1C']);
    expect(valueOf(terminalData, '9F1A')).toBe('0250');
    expect(valueOf(terminalData, '9F35')).toBe('25');
    expect(valueOf(terminalData, '9F33')).toBe('E068C8');
    expect(valueOf(terminalData, '9F15')).toBe('5411');
    expect(Buffer.from(valueOf(terminalData, '9F16')!, 'hex').toString('latin1')).toBe('MERCHANT0000001');
  });

  it('an AID: version, floor limit b4, DDOL, TDOL, ASI, the three TACs, random selection', () => {
    const aids = [{ aid: 'A0000000031010', applicationVersion: '0096', tac: TAC, floorLimit: 15_000, partialSelection: false, randomSelection: { threshold: 10_000, targetPercent: 5, maxTargetPercent: 20 } }];
    const [visa] = desiredOf({ aids }).aids;
    expect(visa?.aid.toString('hex').toUpperCase()).toBe('A0000000031010');
    expect(Object.fromEntries(visa!.tlvs.map((t) => [t.tag, t.value.toString('hex').toUpperCase()]))).toEqual({
      '9F09': '0096',
      '9F1B': '00003A98',
      DF25: '9F3704',
      DF28: '9F02065F2A029A039C0195059F3704',
      DFEE15: '00',
      DF13: 'DC4000A800',
      DF14: '0010000000',
      DF15: 'DC4004F800',
      DF17: '00002710',
      DF18: '05',
      DF19: '14',
    });
  });

  it('a contactless group per AID from 40: limits n12, floor limit b4 (the AID\'s, unless its own), TACs; Mastercard\'s DF8123–DF8126 too', () => {
    const aids = [
      { aid: 'A0000000031010', applicationVersion: '0096', tac: TAC, floorLimit: 2_000, contactless: { transactionLimit: 25_000, cvmRequiredLimit: 5_000 } },
      { aid: 'A0000000041010', applicationVersion: '0002', tac: TAC, contactless: { transactionLimit: 30_000, cvmRequiredLimit: 4_500, floorLimit: 1_000 } },
    ];
    const { contactless } = desiredOf({ aids });
    expect(contactless.groups.map((g) => g.group)).toEqual([TERMINAL_GROUP_BASE, TERMINAL_GROUP_BASE + 1]);
    const [visa, mastercard] = contactless.groups;
    expect(valueOf(visa?.tlvs, 'DFEE34')).toBe('000000025000');
    expect(valueOf(visa?.tlvs, 'DFEE36')).toBe('000000005000');
    expect(valueOf(visa?.tlvs, '9F1B')).toBe('000007D0');
    expect(valueOf(visa?.tlvs, 'DF8122')).toBe('DC4004F800');
    expect(valueOf(visa?.tlvs, 'DF8123')).toBeUndefined();
    expect(valueOf(mastercard?.tlvs, '9F1B')).toBe('000003E8');
    expect(valueOf(mastercard?.tlvs, 'DF8123')).toBe('000000001000');
    expect(valueOf(mastercard?.tlvs, 'DF8124')).toBe('000000030000');
    expect(valueOf(mastercard?.tlvs, 'DF8126')).toBe('000000004500');
    expect(contactless.aids.map((a) => [a.aid.toString('hex').toUpperCase(), a.group, valueOf(a.tlvs, 'DFEE4C')])).toEqual([
      ['A0000000031010', 0x40, '06'],
      ['A0000000041010', 0x41, '03'],
    ]);
  });

  it('an AID with contactless disabled, or not listed, gets no group', () => {
    const aids = [
      { aid: 'A0000000031010', applicationVersion: '0096', tac: TAC, contactless: { enabled: false } },
      { aid: 'A0000000041010', applicationVersion: '0002', tac: TAC },
    ];
    expect(desiredOf({ aids }).contactless.aids.map((a) => a.aid.toString('hex').toUpperCase())).toEqual(['A0000000041010']);
    const config = parseConfig({ devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' }, emv: { aids } });
    expect(readerConfigurationOf(kernelConfigOf(config)).contactless).toEqual({ groups: [], aids: [] });
  });

  it('refuses a contactless AID whose RID names no kernel the reader has: READER_CONFIG_UNSUPPORTED', () => {
    const aids = [{ aid: 'A0000009991010', applicationVersion: '0001', tac: TAC }];
    const error = thrown(() => desiredOf({ aids }));
    expect(error.code).toBe('READER_CONFIG_UNSUPPORTED');
    expect(error.details).toEqual({ aid: 'A0000009991010', rid: 'A000000999' });
    expect(desiredOf({ aids: [{ ...aids[0], contactless: { enabled: false } }] }).aids).toHaveLength(1);
  });

  it('one CA key per RID and index, from the named sets and the configured keys', () => {
    const { capks } = desiredOf();
    const names = capks.map((k) => `${k.rid.toString('hex')}/${k.index}`);
    expect(new Set(names).size).toBe(names.length);
    expect(capks.length).toBeGreaterThan(0);
    expect(capks.every((k) => k.hash.length === 20)).toBe(true);
  });
});
