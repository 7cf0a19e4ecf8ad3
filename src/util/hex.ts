/** Hex text ⇄ bytes. Output is always uppercase, as payment specs print it. */
import { PosError } from './errors.js';

const HEX_RE = /^(?:[0-9a-fA-F]{2})*$/;

/** Bytes as uppercase hex. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex').toUpperCase();
}

/**
 * Strict hex → bytes: an odd length or a non-hex character is a typed error
 * (Node's own decoder silently stops at the first bad character).
 * `what` names the input in the error, e.g. `'--ksn'`.
 */
export function fromHex(text: string, what = 'hex'): Buffer {
  if (!HEX_RE.test(text)) {
    const bad = text.search(/[^0-9a-fA-F]/);
    throw new PosError(
      'HEX_INVALID',
      bad >= 0 ? `${what}: not a hex digit at position ${bad}` : `${what}: odd number of hex digits (${text.length})`,
      { what, ...(bad >= 0 ? { position: bad } : { digits: text.length }) },
    );
  }
  return Buffer.from(text, 'hex');
}

/** Hex as people type it: spaces, tabs and newlines are dropped before `fromHex`. */
export function fromLooseHex(text: string, what = 'hex'): Buffer {
  return fromHex(text.replace(/\s+/g, ''), what);
}

export function isHex(text: string): boolean {
  return HEX_RE.test(text);
}
