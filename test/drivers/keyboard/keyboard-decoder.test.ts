import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyboardLineDecoder, type KeyboardEvent } from '../../../drivers/keyboard-msr/keyboard-line-decoder.js';
import { rolloverReport, typeReports } from '../../../hw-mocks/keyboard-msr/virtual-keyboard-msr.js';
import type { PosError } from '../../../src/util/errors.js';

const r = (...bytes: number[]): Buffer => {
  const b = Buffer.alloc(8);
  Buffer.from(bytes).copy(b);
  return b;
};
const UP = r();
const ENTER = r(0, 0, 0x28);

function decoder(timeouts: PosError[] = [], maxLineBytes = 64): KeyboardLineDecoder {
  return new KeyboardLineDecoder({ maxLineBytes, interKeyTimeoutMs: 500, onTimeout: (e) => timeouts.push(e) });
}

function feed(d: KeyboardLineDecoder, reports: readonly Buffer[]): string[] {
  const out: string[] = [];
  for (const rep of reports) for (const e of d.push(rep)) out.push(show(e));
  return out;
}

const show = (e: KeyboardEvent): string => (e.type === 'line' ? e.line.toString('latin1') : `!${e.error.code}`);

afterEach(() => {
  vi.useRealTimers();
});

describe('boot keyboard reports → characters (HID 1.11 App. B.1, Usage Tables §10, US layout)', () => {
  it.each([
    ['a pressed and released', [r(0, 0, 0x04), UP, ENTER, UP], ['a']],
    ['left shift gives the shifted character', [r(0x02, 0, 0x04), UP, r(0x02, 0, 0x1f), UP, ENTER], ['A@']],
    ['right shift too', [r(0x20, 0, 0x22), UP, ENTER], ['%']],
    ['a key held across reports types once', [r(0, 0, 0x1e), r(0, 0, 0x1e), r(0, 0, 0x1e), UP, ENTER], ['1']],
    ['a repeated character needs a release between', [r(0, 0, 0x1e), UP, r(0, 0, 0x1e), UP, ENTER], ['11']],
    ['2-key rollover: only the newly pressed key types', [r(0, 0, 0x04), r(0, 0, 0x04, 0x05), r(0, 0, 0x05), UP, ENTER], ['ab']],
    ['two keys new in one report type in slot order', [r(0, 0, 0x06, 0x05), UP, ENTER], ['cb']],
    ['Ctrl+key types nothing', [r(0x01, 0, 0x04), UP, r(0, 0, 0x05), UP, ENTER], ['b']],
    ['keypad digits and keypad ENTER', [r(0, 0, 0x59), UP, r(0, 0, 0x62), UP, r(0, 0, 0x58), UP], ['10']],
    ['track sentinels: % ; = ? ^', [r(0x02, 0, 0x22), UP, r(0, 0, 0x33), UP, r(0, 0, 0x2e), UP, r(0x02, 0, 0x38), UP, r(0x02, 0, 0x23), UP, ENTER], ['%;=?^']],
    ['ENTER alone is no line', [ENTER, UP, ENTER], []],
    ['ErrorRollOver discards the line, which resumes after ENTER', [r(0, 0, 0x04), rolloverReport(), r(0, 0, 0x05), UP, ENTER, r(0, 0, 0x06), UP, ENTER], ['!HID_KEYBOARD_ROLLOVER', 'c']],
    ['an unmapped key (F1) discards the line', [r(0, 0, 0x04), UP, r(0, 0, 0x3a), UP, r(0, 0, 0x05), ENTER, r(0, 0, 0x07), UP, ENTER], ['!HID_KEYBOARD_UNMAPPED', 'd']],
    ['a report that is not 8 bytes is refused and ignored', [Buffer.alloc(9), r(0, 0, 0x04), UP, ENTER], ['!HID_REPORT_LENGTH', 'a']],
  ])('%s', (_name, reports, lines) => {
    expect(feed(decoder(), reports)).toEqual(lines);
  });

  it('an overlong line is DEVICE_LINE_TOO_LONG once, then discarded to ENTER', () => {
    const d = decoder([], 4);
    expect(feed(d, typeReports('abcdefg'))).toEqual(['!DEVICE_LINE_TOO_LONG']);
    expect(feed(d, typeReports('ab'))).toEqual(['ab']);
  });

  it('a partial line then silence is DEVICE_READ_TIMEOUT (fake timers), and the next line reads', () => {
    vi.useFakeTimers();
    const timeouts: PosError[] = [];
    const d = decoder(timeouts);
    feed(d, [r(0, 0, 0x04), UP, r(0, 0, 0x05)]);
    vi.advanceTimersByTime(499);
    expect(timeouts).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(timeouts.map((e) => [e.code, e.details])).toEqual([['DEVICE_READ_TIMEOUT', { pendingBytes: 2, timeoutMs: 500 }]]);
    expect(feed(d, [UP, ...typeReports('xy')])).toEqual(['xy']);
  });

  const typeable = fc.string({ unit: fc.constantFrom(...'%B4111^TEST/CARD ONE?;=0123456789abcxyzABCXYZ!@#$&*()_+-[]{}|:"~<>,.\'`'.split('')), minLength: 1, maxLength: 80 });

  it('any typeable line, typed either way, decodes to itself (property)', () => {
    fc.assert(
      fc.property(typeable, fc.constantFrom<'press-release' | 'overlapped'>('press-release', 'overlapped'), (text, style) => {
        expect(feed(decoder([], 128), typeReports(text, style))).toEqual([text]);
      }),
    );
  });

  it('a rollover at any report position loses exactly the line it falls in (every offset)', () => {
    const first = typeReports('%B41?;41=30?');
    const second = typeReports(';4111=3012?');
    const enterAt = first.length - 2; // [… ENTER press][release]
    for (let at = 0; at <= first.length; at++) {
      const out = feed(decoder(), [...first.slice(0, at), rolloverReport(), ...first.slice(at), ...second]);
      // Up to the ENTER press the rollover spoils the first line; after it, the line it starts (the second).
      expect(out).toEqual(at <= enterAt ? ['!HID_KEYBOARD_ROLLOVER', ';4111=3012?'] : ['%B41?;41=30?', '!HID_KEYBOARD_ROLLOVER']);
    }
  });

  it('random reports give lines or PosErrors, never a throw (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.uint8Array({ maxLength: 12 })), { maxLength: 60 }), (reports) => {
        const d = decoder([], 32);
        for (const rep of reports) {
          for (const e of d.push(rep)) {
            if (e.type === 'line') expect(e.line.length).toBeLessThanOrEqual(32);
            else expect(e.error.code).toMatch(/^(HID_|DEVICE_)/);
          }
        }
        d.dispose();
      }),
    );
  });
});
