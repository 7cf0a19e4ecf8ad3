/**
 * ISO 8583:1987 §4.1 message type identifier: four decimal digits (version,
 * class, function, origin), written as
 *
 *   ascii  "0200" → 30 32 30 30
 *   ebcdic "0200" → F0 F2 F0 F0
 *   bcd    "0200" → 02 00
 */
import { PosError } from '../util/errors.js';
import { packBcd, unpackBcd } from './bcd.js';
import { fromEbcdic, toEbcdic } from './ebcdic.js';
import type { MtiEncoding } from './types.js';

/** Digits (and ASCII characters) of an MTI: version, class, function, origin. */
export const MTI_CHARS = 4;
/** Bytes of a BCD MTI. */
export const BCD_MTI_BYTES = 2;
const MTI_RE = /^[0-9]{4}$/;

export function mtiBytes(encoding: MtiEncoding): number {
  return encoding === 'bcd' ? BCD_MTI_BYTES : MTI_CHARS;
}

export function checkMti(mti: string): void {
  if (MTI_RE.test(mti)) return;
  const bad = [...mti].findIndex((c) => c < '0' || c > '9');
  throw new PosError('ISO8583_MTI_INVALID', 'The MTI must be four decimal digits', {
    field: 0,
    offset: bad >= 0 && bad < MTI_CHARS ? bad : Math.min(mti.length, MTI_CHARS),
    length: mti.length,
  });
}

export function encodeMti(mti: string, encoding: MtiEncoding): Buffer {
  checkMti(mti);
  switch (encoding) {
    case 'ascii':
      return Buffer.from(mti, 'latin1');
    case 'ebcdic':
      return toEbcdic(mti) as Buffer;
    case 'bcd': {
      const out = Buffer.alloc(BCD_MTI_BYTES);
      packBcd(mti, 'left', out, 0);
      return out;
    }
  }
}

export function decodeMti(bytes: Buffer, encoding: MtiEncoding): string {
  const size = mtiBytes(encoding);
  if (bytes.length < size) {
    throw new PosError('ISO8583_TRUNCATED', 'The message is shorter than its MTI', { field: 0, offset: 0, needed: size, available: bytes.length });
  }
  let mti: string;
  switch (encoding) {
    case 'ascii':
      mti = bytes.toString('latin1', 0, MTI_CHARS);
      break;
    case 'ebcdic': {
      const text = fromEbcdic(bytes, 0, MTI_CHARS);
      if (typeof text === 'number') throw invalid(text);
      mti = text;
      break;
    }
    case 'bcd': {
      const text = unpackBcd(bytes, 0, MTI_CHARS, 'left', false);
      if (typeof text !== 'string') throw invalid(text.bad >> 1);
      mti = text;
      break;
    }
  }
  checkMti(mti);
  return mti;
}

function invalid(offset: number): PosError {
  return new PosError('ISO8583_MTI_INVALID', 'The MTI must be four decimal digits', { field: 0, offset, length: MTI_CHARS });
}
