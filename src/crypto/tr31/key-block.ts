/**
 * TR-31 / ANSI X9.143 key blocks, versions B and D (X9.143-2021, 7.2 and
 * 7.3): the key block protection key (KBPK) derives a key block encryption
 * key (KBEK) and a MAC key (KBMK) by CMAC in counter mode (SP 800-108) over
 *
 *   [counter 1][usage 2: 0000 enc, 0001 MAC][00][algorithm 2][length in bits 2]
 *
 * where algorithm and length are those of the KBPK (0000 2TDEA/128, 0001
 * 3TDEA/192, 0002 AES-128/128, 0003 AES-192/192, 0004 AES-256/256), and each
 * derived key is the leftmost KBPK-length bits of the CMAC outputs for
 * counter 1, 2, … (SP 800-108 5.1, "the leftmost L bits"): AES-192 keeps 24
 * of two blocks' 32 bytes.
 *
 * The MAC (CMAC under KBMK) covers the header and the clear key data
 * [key length in bits, 2 bytes][key][padding]; the key data is then
 * encrypted in CBC mode under KBEK with the MAC as IV. The block is
 *
 *   header ‖ hex(encrypted key data) ‖ hex(MAC)
 *
 * Version B: TDES KBPK, 8-byte blocks and MAC. Version D: AES KBPK, 16-byte
 * blocks and MAC. Versions A and C (variant binding) are not offered.
 */
import { constantTimeEqual, wipe } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { checkKeyLength } from '../check.js';
import { aesCbc } from '../cipher/aes.js';
import { tdesCbc } from '../cipher/des.js';
import { cmac } from '../mac/cmac.js';
import type { RandomSource } from '../pin-block/digits.js';
import { type Tr31Header, formatTr31Header, parseTr31Header } from './header.js';

export type Tr31Version = 'B' | 'D';

const VERSIONS = {
  B: { cipher: 'tdes', blockBytes: 8, kbpkLengths: [16, 24], keyLengths: [8, 16, 24] },
  D: { cipher: 'aes', blockBytes: 16, kbpkLengths: [16, 24, 32], keyLengths: [8, 16, 24, 32] },
} as const;

export interface Tr31Keys {
  readonly kbek: Buffer;
  readonly kbmk: Buffer;
}

/** The derivation data's algorithm indicator by KBPK length (X9.143-2021 7.2.1 / 7.3.1). */
const TDES_KBPK_ALGORITHM = { 16: 0x0000, 24: 0x0001 } as const;
const AES_KBPK_ALGORITHM = { 16: 0x0002, 24: 0x0003, 32: 0x0004 } as const;

/** KBEK and KBMK from the KBPK (X9.143-2021, 7.2.1 / 7.3.1). The caller wipes them. */
export function deriveTr31Keys(version: Tr31Version, kbpk: Uint8Array): Tr31Keys {
  const spec = VERSIONS[version];
  checkKeyLength(kbpk, spec.kbpkLengths, 'KBPK');
  // checkKeyLength has bounded the length to the table's keys.
  const algorithm = version === 'B' ? TDES_KBPK_ALGORITHM[kbpk.length as 16 | 24] : AES_KBPK_ALGORITHM[kbpk.length as 16 | 24 | 32];
  const derive = (usage: number): Buffer => {
    const blocks = Math.ceil(kbpk.length / spec.blockBytes);
    const parts: Buffer[] = [];
    for (let counter = 1; counter <= blocks; counter++) {
      const data = Buffer.alloc(8);
      data[0] = counter;
      data.writeUInt16BE(usage, 1);
      data.writeUInt16BE(algorithm, 4);
      data.writeUInt16BE(kbpk.length * 8, 6);
      parts.push(cmac(spec.cipher, kbpk, data));
    }
    const all = Buffer.concat(parts);
    // Leftmost KBPK-length bits: AES-192's second CMAC block gives only 8 of its 16 bytes.
    const key = Buffer.from(all.subarray(0, kbpk.length));
    wipe(all, ...parts);
    return key;
  };
  return { kbek: derive(0x0000), kbmk: derive(0x0001) };
}

function versionOf(versionId: string): Tr31Version {
  if (versionId === 'B' || versionId === 'D') return versionId;
  throw new PosError('TR31_UNSUPPORTED', `TR-31 key block version ${versionId} is not supported (B and D are)`, {
    versionId,
    supported: ['B', 'D'],
  });
}

function cbc(version: Tr31Version, key: Uint8Array, iv: Uint8Array, data: Uint8Array, direction: 'encrypt' | 'decrypt'): Buffer {
  return VERSIONS[version].cipher === 'aes' ? aesCbc(key, iv, data, direction) : tdesCbc(key, iv, data, direction);
}

export interface Tr31WrapOptions {
  /** Pads the key data as if the key were this long, hiding the real length. */
  readonly maskedKeyLengthBytes?: number;
  /** Padding bytes: hex text (exact bytes, for vectors) or a random source. */
  readonly padding: RandomSource | string;
}

/** Wraps `key` under `kbpk` with the given header fields. */
export function wrapTr31(kbpk: Uint8Array, header: Tr31Header, key: Uint8Array, options: Tr31WrapOptions): string {
  const version = versionOf(header.versionId);
  const spec = VERSIONS[version];
  checkKeyLength(kbpk, spec.kbpkLengths, 'KBPK');
  checkKeyLength(key, spec.keyLengths, 'wrapped key');
  const coverBytes = Math.max(key.length, options.maskedKeyLengthBytes ?? 0);
  const dataBytes = Math.ceil((2 + coverBytes) / spec.blockBytes) * spec.blockBytes;
  const padBytes = dataBytes - 2 - key.length;
  const padding = typeof options.padding === 'string' ? Buffer.from(options.padding, 'hex') : Buffer.from(options.padding(padBytes));
  if (padding.length !== padBytes) {
    throw new PosError('CRYPTO_INPUT_LENGTH', `TR-31 key data needs ${padBytes} padding bytes`, { what: 'padding', lengthBytes: padding.length, expected: [padBytes] });
  }
  const headerText = formatTr31Header(header, (chars) => chars + dataBytes * 2 + spec.blockBytes * 2, spec.blockBytes);
  const clear = Buffer.alloc(dataBytes);
  clear.writeUInt16BE(key.length * 8, 0);
  clear.set(key, 2);
  clear.set(padding, 2 + key.length);
  const { kbek, kbmk } = deriveTr31Keys(version, kbpk);
  try {
    const mac = cmac(spec.cipher, kbmk, Buffer.concat([Buffer.from(headerText, 'latin1'), clear]));
    const encrypted = cbc(version, kbek, mac, clear, 'encrypt');
    return headerText + encrypted.toString('hex').toUpperCase() + mac.toString('hex').toUpperCase();
  } finally {
    wipe(kbek, kbmk, clear, padding);
  }
}

export interface Tr31UseRequirement {
  readonly keyUsage?: readonly string[];
  readonly algorithm?: readonly string[];
  readonly modeOfUse?: readonly string[];
  readonly exportability?: readonly string[];
}

/**
 * Unwraps a key block: header checks, MAC check in constant time (a wrong
 * KBPK and a tampered block look the same: `TR31_MAC_MISMATCH`), then the key
 * length. With `require`, a header field outside the allowed values is
 * refused with `TR31_USE_NOT_ALLOWED` before any key leaves this function.
 */
export function unwrapTr31(kbpk: Uint8Array, block: string, require: Tr31UseRequirement = {}): { header: Tr31Header; key: Buffer } {
  const { header, lengthChars, declaredLength } = parseTr31Header(block);
  if (declaredLength !== block.length) {
    throw new PosError('TR31_HEADER_INVALID', 'TR-31 header length does not match the key block', {
      reason: 'length mismatch',
      offset: 1,
      declaredLength,
      actualLength: block.length,
    });
  }
  const version = versionOf(header.versionId);
  const spec = VERSIONS[version];
  checkKeyLength(kbpk, spec.kbpkLengths, 'KBPK');
  const macChars = spec.blockBytes * 2;
  const body = block.slice(lengthChars, block.length - macChars);
  const macText = block.slice(block.length - macChars);
  if (body.length === 0 || body.length % macChars !== 0 || !/^[0-9A-F]+$/.test(body) || !/^[0-9A-F]+$/.test(macText)) {
    throw new PosError('TR31_HEADER_INVALID', 'TR-31 key data or MAC is not whole blocks of uppercase hex', {
      reason: 'key data',
      offset: lengthChars,
      keyDataChars: body.length,
    });
  }
  const mac = Buffer.from(macText, 'hex');
  const { kbek, kbmk } = deriveTr31Keys(version, kbpk);
  const clear = cbc(version, kbek, mac, Buffer.from(body, 'hex'), 'decrypt');
  try {
    const expected = cmac(spec.cipher, kbmk, Buffer.concat([Buffer.from(block.slice(0, lengthChars), 'latin1'), clear]));
    if (!constantTimeEqual(expected, mac)) {
      throw new PosError('TR31_MAC_MISMATCH', 'TR-31 key block failed authentication (wrong KBPK or altered block)', { versionId: version });
    }
    const keyBits = clear.readUInt16BE(0);
    if (keyBits % 8 !== 0 || !(spec.keyLengths as readonly number[]).includes(keyBits / 8) || 2 + keyBits / 8 > clear.length) {
      throw new PosError('TR31_KEY_INVALID', 'TR-31 key block holds a key of an impossible length', { keyBits });
    }
    checkUse(header, require);
    return { header, key: Buffer.from(clear.subarray(2, 2 + keyBits / 8)) };
  } finally {
    wipe(kbek, kbmk, clear);
  }
}

function checkUse(header: Tr31Header, require: Tr31UseRequirement): void {
  for (const field of ['keyUsage', 'algorithm', 'modeOfUse', 'exportability'] as const) {
    const allowed = require[field];
    if (allowed !== undefined && !allowed.includes(header[field])) {
      throw new PosError('TR31_USE_NOT_ALLOWED', `TR-31 header ${field} ${header[field]} is not one of ${allowed.join(', ')}`, {
        field,
        value: header[field],
        allowed: [...allowed],
      });
    }
  }
}

/** Common requirements by intended use (X9.143-2021 tables 6 and 7). */
export const TR31_USES = {
  /** A BDK for DUKPT derivation at the host. */
  bdk: { keyUsage: ['B0'], modeOfUse: ['X', 'N'] },
  /** A DUKPT initial key for a PIN pad. */
  initialKey: { keyUsage: ['B1'], modeOfUse: ['X', 'N'] },
  /** A PIN encryption key used to encrypt. */
  pinEncrypt: { keyUsage: ['P0'], modeOfUse: ['E', 'B'] },
  /** A PIN encryption key used to decrypt. */
  pinDecrypt: { keyUsage: ['P0'], modeOfUse: ['D', 'B'] },
  /** A MAC key used to verify. */
  macVerify: { keyUsage: ['M0', 'M1', 'M3', 'M6'], modeOfUse: ['V', 'C'] },
  /** An issuer master key for application cryptograms. */
  emvAcMasterKey: { keyUsage: ['E0'], modeOfUse: ['X', 'N'] },
} as const satisfies Record<string, Tr31UseRequirement>;
