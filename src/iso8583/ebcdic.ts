/**
 * EBCDIC code page 037 (IBM CCSID 37, US/Canada), limited to the characters
 * ISO 8583:1987 §4.1 formats can hold: printable ASCII 0x20–0x7E. A byte
 * outside that set has no character here and is a charset error.
 */

/** IBM-037 code of each printable ASCII character, from 0x20 (space) to 0x7E (`~`). */
const CP037_PRINTABLE = [
  0x40, 0x5a, 0x7f, 0x7b, 0x5b, 0x6c, 0x50, 0x7d, 0x4d, 0x5d, 0x5c, 0x4e, 0x6b, 0x60, 0x4b, 0x61, // space ! " # $ % & ' ( ) * + , - . /
  0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, // 0–9
  0x7a, 0x5e, 0x4c, 0x7e, 0x6e, 0x6f, 0x7c, // : ; < = > ? @
  0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, // A–I
  0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, // J–R
  0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, // S–Z
  0xba, 0xe0, 0xbb, 0xb0, 0x6d, 0x79, // [ \ ] ^ _ `
  0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, // a–i
  0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, // j–r
  0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, // s–z
  0xc0, 0x4f, 0xd0, 0xa1, // { | } ~
] as const;

const FIRST_PRINTABLE = 0x20; // ' '
const NO_CHAR = -1;

const TO_EBCDIC = new Int16Array(256).fill(NO_CHAR);
const FROM_EBCDIC = new Int16Array(256).fill(NO_CHAR);
CP037_PRINTABLE.forEach((code, i) => {
  TO_EBCDIC[FIRST_PRINTABLE + i] = code;
  FROM_EBCDIC[code] = FIRST_PRINTABLE + i;
});

/** The EBCDIC bytes of printable ASCII `text`; returns the index of the first unmappable character instead, when there is one. */
export function toEbcdic(text: string): Buffer | number {
  const out = Buffer.allocUnsafe(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const e = c < 256 ? (TO_EBCDIC[c] ?? NO_CHAR) : NO_CHAR;
    if (e === NO_CHAR) return i;
    out[i] = e;
  }
  return out;
}

/** `toEbcdic` of ASCII bytes, written at `out[at]`; returns the index of the first unmappable byte, or -1. */
export function toEbcdicBytes(ascii: Uint8Array, out: Buffer, at: number): number {
  for (let i = 0; i < ascii.length; i++) {
    const e = TO_EBCDIC[ascii[i] as number] ?? NO_CHAR;
    if (e === NO_CHAR) return i;
    out[at + i] = e;
  }
  return -1;
}

/** ASCII text of EBCDIC `bytes[start, end)`; returns the index (from `start`) of the first byte with no character instead. */
export function fromEbcdic(bytes: Uint8Array, start: number, end: number): string | number {
  let text = '';
  for (let i = start; i < end; i++) {
    const c = FROM_EBCDIC[bytes[i] ?? 0] ?? NO_CHAR;
    if (c === NO_CHAR) return i - start;
    text += String.fromCharCode(c);
  }
  return text;
}
