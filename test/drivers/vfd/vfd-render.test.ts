import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CD5220, EPSON, VFD_COMMAND_SETS, type VfdEmulation } from '../../../drivers/vfd-display/command-sets.js';
import { centre, encodeLine, initSequence, renderLines, renderScreen, screenLines } from '../../../drivers/vfd-display/vfd-render.js';
import { VirtualVfd } from '../../../hw-mocks/display/virtual-vfd.js';
import { screens } from '../../../src/display/screens.js';

const EMULATIONS: readonly VfdEmulation[] = ['cd5220', 'epson'];

describe('screen model on 20×2', () => {
  it.each([
    ['idle', screens.idle(), ['      WELCOME       ', '                    ']],
    ['present card, EUR (exponent 2)', screens.presentCard({ minor: 1234, currency: '978' }), ['     SWIPE CARD     ', '     12.34 EUR      ']],
    ['approved, JPY (exponent 0)', screens.approved({ minor: 1500, currency: '392' }, '123456'), ['      APPROVED      ', '      1500 JPY      ']],
    ['processing, KWD (exponent 3)', screens.processing({ minor: 5, currency: '414' }), ['     PROCESSING     ', '     0.005 KWD      ']],
    ['declined shows the reason', screens.declined({ minor: 100, currency: '978' }, 'INSUFFICIENT FUNDS'), ['      DECLINED      ', ' INSUFFICIENT FUNDS ']],
    ['a reason over 20 characters is cut', screens.failed({ minor: 100, currency: '978' }, 'HOST DID NOT ANSWER IN TIME'), ['   NOT COMPLETED    ', 'HOST DID NOT ANSWER ']],
  ] as const)('%s', (_name, screen, lines) => {
    expect(screenLines(screen)).toEqual(lines);
  });

  it('centring keeps at most 20 characters and is left-biased on odd room (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ABC 123.'.split('')), maxLength: 40 }), (text) => {
        const line = centre(text);
        expect(line.length).toBe(20);
        expect(line.trim()).toBe(text.trim().slice(0, 20).trim());
      }),
    );
  });
});

describe('command sets', () => {
  it.each([
    ['cd5220', CD5220, [0x1b, 0x40, 0x1b, 0x11, 0x1b, 0x5f, 0x00, 0x1b, 0x66, 0x55, 0x1b, 0x2a, 0x02, 0x0c]],
    ['epson', EPSON, [0x1b, 0x40, 0x1f, 0x01, 0x1f, 0x43, 0x00, 0x1b, 0x74, 0x13, 0x1f, 0x58, 0x02, 0x0c]],
  ] as const)('%s init: reset, overwrite, cursor off, code page, brightness 2, clear', (_name, set, bytes) => {
    expect([...initSequence(set, 2)]).toEqual(bytes);
  });

  it.each([
    ['cd5220', CD5220, [0x1b, 0x6c, 0x01, 0x02]],
    ['epson', EPSON, [0x1f, 0x24, 0x01, 0x02]],
  ] as const)('%s cursor to column 1 row 2', (_name, set, bytes) => {
    expect(set.moveTo(1, 2)).toEqual(bytes);
  });

  it('non-ASCII from the table maps into the upper half; unknown is ?', () => {
    expect([...encodeLine('é€Ω', CD5220).subarray(0, 3)]).toEqual([0x82, 0x3f, 0x3f]); // CD5220 table: PC437, no euro
    expect([...encodeLine('é€Ω', EPSON).subarray(0, 3)]).toEqual([0x82, 0xd5, 0x3f]); // Epson: PC858 with euro
    expect([...encodeLine('a\u0007b', EPSON).subarray(0, 3)]).toEqual([0x61, 0x3f, 0x62]); // a control character never reaches the wire
  });
});

describe('the virtual display reads back what the driver rendered', () => {
  const printable = fc.string({ unit: fc.constantFrom(...'ABCXYZ 0123456789.,:-/éüÄ£'.split('')), maxLength: 24 });

  it.each(EMULATIONS)('%s: any two lines round-trip, fed whole, split at every offset, and byte by byte (property)', (emulation) => {
    const set = VFD_COMMAND_SETS[emulation];
    fc.assert(
      fc.property(printable, printable, (a, b) => {
        const lines: [string, string] = [centre(a), centre(b)];
        const bytes = Buffer.concat([initSequence(set, 3), renderLines(lines, set)]);
        const whole = new VirtualVfd(emulation);
        whole.push(bytes);
        expect(whole.lines()).toEqual(lines);
        expect(whole.brightness).toBe(3);
        const split = 1 + (a.length * 7 + b.length) % (bytes.length - 1);
        const twoPieces = new VirtualVfd(emulation);
        twoPieces.push(bytes.subarray(0, split));
        twoPieces.push(bytes.subarray(split));
        expect(twoPieces.lines()).toEqual(lines);
      }),
    );
  });

  it.each(EMULATIONS)('%s: a screen split at every offset and fed byte by byte reads the same', (emulation) => {
    const set = VFD_COMMAND_SETS[emulation];
    const bytes = Buffer.concat([initSequence(set, 4), renderScreen(screens.presentCard({ minor: 4250, currency: '978' }), set)]);
    const expected = ['     SWIPE CARD     ', '     42.50 EUR      '];
    for (let at = 0; at <= bytes.length; at++) {
      const d = new VirtualVfd(emulation);
      d.push(bytes.subarray(0, at));
      d.push(bytes.subarray(at));
      expect(d.lines()).toEqual(expected);
    }
    const oneByOne = new VirtualVfd(emulation);
    for (const b of bytes) oneByOne.push(Buffer.from([b]));
    expect(oneByOne.lines()).toEqual(expected);
    expect(oneByOne.unknownBytes).toBe(0);
  });

  it.each(EMULATIONS)('%s: garbage between frames is skipped and the next frame reads', (emulation) => {
    const set = VFD_COMMAND_SETS[emulation];
    const d = new VirtualVfd(emulation);
    d.push(renderScreen(screens.idle(), set));
    d.push(Buffer.from([0x1b, 0x99, 0x00, 0x7f, 0x1b]));
    d.push(renderScreen(screens.processing({ minor: 1, currency: '840' }), set));
    expect(d.lines()).toEqual(['     PROCESSING     ', '      0.01 USD      ']);
    expect(d.unknownBytes).toBeGreaterThan(0);
  });

  it('random bytes never throw and always leave two 20-character lines (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...EMULATIONS), fc.uint8Array({ maxLength: 200 }), (emulation, bytes) => {
        const d = new VirtualVfd(emulation);
        d.push(bytes);
        const [a, b] = d.lines();
        expect([a.length, b.length]).toEqual([20, 20]);
      }),
    );
  });
});
