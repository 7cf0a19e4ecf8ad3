import { describe, expect, it } from 'vitest';
import { encodeCommand, parseResponse, swHex } from '../../../src/emv/kernel/apdu.js';
import { bcd, buildKernelDol } from '../../../src/emv/kernel/terminal-data.js';
import { TSI_BITS, TVR_BITS, newTvr } from '../../../src/emv/kernel/tvr.js';
import { TSI, TVR } from '../../../src/emv/interpret/bit-fields.js';
import { isPosError } from '../../../src/util/errors.js';
import { ScriptedCard } from '../../../hw-mocks/chip-card/scripted-card.js';
import { testContext } from './fixtures.js';

describe('APDUs (ISO 7816-4 §5)', () => {
  it.each([
    ['case 1', { cla: 0x00, ins: 0x82, p1: 0, p2: 0 }, '00820000'],
    ['case 2: READ RECORD 1 of SFI 1, Le 00', { cla: 0x00, ins: 0xb2, p1: 1, p2: 0x0c, le: 0 }, '00B2010C00'],
    ['case 4: SELECT 1PAY.SYS.DDF01', { cla: 0x00, ins: 0xa4, p1: 4, p2: 0, data: Buffer.from('1PAY.SYS.DDF01', 'latin1'), le: 0 }, '00A404000E315041592E5359532E444446303100'],
  ])('encodes %s', (_name, command, expected) => {
    expect(encodeCommand(command).toString('hex').toUpperCase()).toBe(expected);
  });

  it('refuses data longer than a short APDU carries', () => {
    let caught: unknown;
    try {
      encodeCommand({ cla: 0, ins: 0xa4, p1: 4, p2: 0, data: Buffer.alloc(256) });
    } catch (error) {
      caught = error;
    }
    expect(isPosError(caught, 'EMV_APDU_INVALID')).toBe(true);
  });

  it('splits data and status word, and refuses a response without one', () => {
    const response = parseResponse(Buffer.from('6F009000', 'hex'));
    expect(response.data.toString('hex')).toBe('6f00');
    expect(swHex(response.sw)).toBe('9000');
    expect(() => parseResponse(Buffer.from('90', 'hex'))).toThrow(/no status word/);
  });
});

describe('TVR and TSI registers', () => {
  it('name the same bits as the interpreter tables (Book 3 Annex C5, C6)', () => {
    const table = (field: typeof TVR) => field.bits.map((b) => `${b.byte}.${b.bit}`).sort();
    expect(Object.values(TVR_BITS).map(([byte, bit]) => `${byte}.${bit}`).sort()).toEqual(table(TVR).filter((p) => !['5.4', '5.3'].includes(p)));
    expect(Object.values(TSI_BITS).map(([byte, bit]) => `${byte}.${bit}`).sort()).toEqual(table(TSI).filter((p) => p.startsWith('1.')));
  });

  it('sets exactly the named bit', () => {
    const tvr = newTvr();
    tvr.set('exceedsFloorLimit');
    tvr.set('odaNotPerformed');
    expect(tvr.bytes().toString('hex')).toBe('8000008000');
    expect(tvr.names()).toEqual(['odaNotPerformed', 'exceedsFloorLimit']);
  });
});

describe('terminal data', () => {
  it('encodes n fields as packed BCD and refuses what does not fit', () => {
    expect(bcd(1234, 6).toString('hex')).toBe('000000001234');
    expect(() => bcd(1234567, 3)).toThrow(RangeError);
  });

  it('builds a DOL with the TVR as it stands now', () => {
    const ctx = testContext(new ScriptedCard([]).transmit);
    ctx.tvr.set('exceedsFloorLimit');
    const dol = Buffer.from('9F02069505 9A03 9F3704'.replace(/\s/g, ''), 'hex');
    expect(buildKernelDol(ctx, dol).toString('hex').toUpperCase()).toBe('000000001234' + '0000008000' + '260315' + '11223344');
  });
});
