/**
 * DLE EOT answers decoded bit by bit as the ESC/POS Command Reference's
 * tables give them (DLE EOT "Transmit real-time status": printer status
 * n = 1, off-line status n = 2, error status n = 3, roll paper sensor
 * status n = 4; bits 0 and 7 fixed off, bits 1 and 4 fixed on).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStatusByte, printerStatusOf, printRefusal, type StatusBytes } from '../../../drivers/escpos-printer/index.js';
import { PosError } from '../../../src/util/errors.js';

const FIXED = 0x12; // bit 1 (02h) and bit 4 (10h) "Not used. Fixed to On."

describe('DLE EOT status bytes', () => {
  it.each([
    ['n = 1, bit 3 off (00h): on-line', 1, FIXED, { offline: false, drawerPin3High: false }],
    ['n = 1, bit 3 on (08h): off-line', 1, FIXED | 0x08, { offline: true, drawerPin3High: false }],
    ['n = 1, bit 2 on (04h): drawer kick-out connector pin 3 HIGH', 1, FIXED | 0x04, { offline: false, drawerPin3High: true }],
    ['n = 2, bit 2 on (04h): cover is open', 2, FIXED | 0x04, { coverOpen: true, feedButton: false, paperEndStop: false, error: false }],
    ['n = 2, bit 3 on (08h): paper is being fed by the paper feed button', 2, FIXED | 0x08, { coverOpen: false, feedButton: true, paperEndStop: false, error: false }],
    ['n = 2, bit 5 on (20h): printing stops due to a paper-end', 2, FIXED | 0x20, { coverOpen: false, feedButton: false, paperEndStop: true, error: false }],
    ['n = 2, bit 6 on (40h): error occurred', 2, FIXED | 0x40, { coverOpen: false, feedButton: false, paperEndStop: false, error: true }],
    ['n = 3, bit 3 on (08h): autocutter error', 3, FIXED | 0x08, { autocutterError: true, unrecoverableError: false, autoRecoverableError: false }],
    ['n = 3, bit 5 on (20h): unrecoverable error', 3, FIXED | 0x20, { autocutterError: false, unrecoverableError: true, autoRecoverableError: false }],
    ['n = 3, bit 6 on (40h): auto-recoverable error', 3, FIXED | 0x40, { autocutterError: false, unrecoverableError: false, autoRecoverableError: true }],
    ['n = 4, bits 2,3 on (0Ch): roll paper near-end sensor: paper near end', 4, FIXED | 0x0c, { nearEnd: true, paperEnd: false }],
    ['n = 4, bits 5,6 on (60h): roll paper end sensor: paper not present', 4, FIXED | 0x60, { nearEnd: false, paperEnd: true }],
    ['n = 4, 00h: paper adequate, paper present', 4, FIXED, { nearEnd: false, paperEnd: false }],
  ] as const)('%s', (_name, n, byte, decoded) => {
    expect(decodeStatusByte(n, byte)).toEqual(decoded);
  });

  it.each([
    ['bit 1 off', 0x10],
    ['bit 4 off', 0x02],
    ['bit 0 on', 0x13],
    ['bit 7 on', 0x92],
    ['not a byte', 0x112],
  ])('refuses a byte without the fixed bits (%s) with PRINTER_STATUS_INVALID', (_name, byte) => {
    expect(() => decodeStatusByte(1, byte)).toThrow(expect.objectContaining({ code: 'PRINTER_STATUS_INVALID', details: { request: 1, byte } }));
  });

  it('any byte is a decoded status or PRINTER_STATUS_INVALID, nothing else (fuzz)', () => {
    fc.assert(
      fc.property(fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const), fc.integer({ min: -1, max: 300 }), (n, byte) => {
        try {
          const decoded = decodeStatusByte(n, byte);
          expect(byte & 0x93).toBe(0x12);
          expect(Object.values(decoded).every((v) => typeof v === 'boolean')).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(PosError);
          expect((err as PosError).code).toBe('PRINTER_STATUS_INVALID');
        }
      }),
    );
  });
});

const ready: StatusBytes = { 1: decodeStatusByte(1, FIXED), 2: decodeStatusByte(2, FIXED), 3: decodeStatusByte(3, FIXED), 4: decodeStatusByte(4, FIXED) };

describe('what the four answers mean for printing', () => {
  it('a ready printer: on-line, paper in, cover shut; nothing refuses a job', () => {
    expect(printerStatusOf(ready)).toEqual({ online: true, paperOut: false, paperNearEnd: false, coverOpen: false });
    expect(printRefusal('p', ready)).toBeUndefined();
  });

  it.each([
    ['cover open (n = 2 bit 2), off-line (n = 1 bit 3)', { 1: decodeStatusByte(1, FIXED | 0x08), 2: decodeStatusByte(2, FIXED | 0x04) }, 'PRINTER_COVER_OPEN', undefined],
    ['paper end (n = 4 bits 5,6), paper-end stop (n = 2 bit 5)', { 1: decodeStatusByte(1, FIXED | 0x08), 2: decodeStatusByte(2, FIXED | 0x20), 4: decodeStatusByte(4, FIXED | 0x6c) }, 'PRINTER_PAPER_OUT', undefined],
    ['autocutter error (n = 3 bit 3)', { 1: decodeStatusByte(1, FIXED | 0x08), 2: decodeStatusByte(2, FIXED | 0x40), 3: decodeStatusByte(3, FIXED | 0x08) }, 'PRINTER_OFFLINE', 'autocutter-error'],
    ['off-line with no cause given', { 1: decodeStatusByte(1, FIXED | 0x08) }, 'PRINTER_OFFLINE', 'offline'],
  ] as const)('%s → %s', (_name, bytes, code, cause) => {
    const refusal = printRefusal('printer', { ...ready, ...bytes });
    expect(refusal?.code).toBe(code);
    if (cause !== undefined) expect(refusal?.details).toEqual({ device: 'printer', cause });
  });

  it('near end still prints, and says so', () => {
    const nearEnd = { ...ready, 4: decodeStatusByte(4, FIXED | 0x0c) };
    expect(printerStatusOf(nearEnd).paperNearEnd).toBe(true);
    expect(printRefusal('p', nearEnd)).toBeUndefined();
  });
});
