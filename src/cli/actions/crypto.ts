/**
 * What `pos crypto` does: the field calculator for keys, PIN blocks, MACs, EMV
 * cryptograms and key blocks. Every input is hex (spaces allowed) or digits;
 * `--json` prints exactly the result object, hex uppercase. Bad input ends
 * with one `CODE: message` line and exit code 1; no message carries a key,
 * PIN or PAN. `pin-encrypt` prints the clear PIN block on purpose: it is a
 * technician's calculator, run by hand.
 *
 *   pos crypto dukpt --bdk H --ksn H [--aes --usage U --key-type T]
 *   pos crypto pin-encrypt --format F --pin D --pan D (--key H | --bdk H --ksn H [--aes]) [--fill H]
 *   pos crypto pin-decrypt --format F --pan D --block H (--key H | --bdk H --ksn H [--aes])
 *   pos crypto mac --alg iso9797-1-1|x9.19|cmac --key H --data H [--padding 1|2]
 *   pos crypto arqc --imk H --pan D --psn NN --atc H --data H [--un H] [--session none|emv|mastercard] [--padding 1|2] [--option A|B]
 *   pos crypto arpc --key H --arqc H (--method 1 --arc H | --method 2 --csu H [--pad H])
 *   pos crypto kcv --key H [--alg tdes|aes]
 *   pos crypto tr31 wrap --kbpk H --header TEXT --key H [--padding H] [--mask N]
 *   pos crypto tr31 unwrap --kbpk H --block TEXT
 */
import { randomBytes } from 'node:crypto';
import {
  AES_DUKPT_KEY_TYPES,
  AES_KEY_USAGES,
  type AesDukptKeyType,
  type AesKeyUsage,
  ISSUER_MASTER_KEY_BYTES,
  SESSION_KEY_METHODS,
  type SessionKeyMethod,
  checkTypedTdesKey,
  cmac,
  decryptFormat4Field,
  decodeFormat4PinField,
  decryptPinBlock,
  deriveAcSessionKey,
  deriveAesDukptKeys,
  deriveCardMasterKey,
  deriveTdesDukptKeys,
  encodeFormat4PinField,
  encodePinBlock,
  encryptFormat4,
  generateArpcMethod1,
  generateArpcMethod2,
  generateArqc,
  keyCheckValue,
  macIso9797Alg1,
  macIso9797Alg3,
  parseTr31Header,
  tdesEcb,
  unwrapTr31,
  wrapTr31,
  type Iso8ByteFormat,
  type PaddingMethod,
  type Tr31Header,
} from '../../crypto/index.js';
import { wipe } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { fromLooseHex, toHex } from '../../util/hex.js';
import { printJson } from '../errors.js';

export type Flags = Readonly<Record<string, string | boolean | undefined>>;
type Result = Readonly<Record<string, string | readonly { id: string; data: string }[]>>;

function option(what: string, value: string, allowed: readonly string[]): PosError {
  return new PosError('CRYPTO_OPTION_INVALID', `${what}: ${value} is not one of ${allowed.join(', ')}`, { what, value, allowed: [...allowed] });
}

function need(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new PosError('CRYPTO_OPTION_INVALID', `--${kebab(name)} is required`, { what: `--${kebab(name)}`, value: 'missing' });
  }
  return value;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function hexFlag(flags: Flags, name: string): Buffer {
  return fromLooseHex(need(flags, name), `--${kebab(name)}`);
}

function oneOf<T extends string>(flags: Flags, name: string, allowed: readonly T[], fallback?: T): T {
  const value = flags[name];
  if (value === undefined && fallback !== undefined) return fallback;
  const text = typeof value === 'string' ? value : need(flags, name);
  if (!(allowed as readonly string[]).includes(text)) throw option(`--${kebab(name)}`, text, allowed);
  return text as T;
}

function digits(flags: Flags, name: string): string {
  // Checked for length and digits by the crypto functions, which never echo it.
  return need(flags, name);
}

/** A TDES key a person typed where odd parity is required (BDK, IMK): length checked before parity. */
function parityKey(flags: Flags, name: string, allowedLengths: readonly number[]): Buffer {
  const key = hexFlag(flags, name);
  checkTypedTdesKey(key, allowedLengths, `--${kebab(name)}`);
  return key;
}

/** A TDES DUKPT BDK is double length (X9.24-1 2009). */
const TDES_BDK_BYTES: readonly number[] = [16];

const hexOut = (b: Uint8Array): string => toHex(b);

export function dukptCommand(flags: Flags): Result {
  const ksn = hexFlag(flags, 'ksn');
  if (flags['aes'] === true) {
    const bdk = hexFlag(flags, 'bdk');
    const usage = oneOf(flags, 'usage', Object.keys(AES_KEY_USAGES) as AesKeyUsage[]);
    const type = oneOf(flags, 'keyType', Object.keys(AES_DUKPT_KEY_TYPES) as AesDukptKeyType[]);
    const keys = deriveAesDukptKeys(bdk, ksn, usage, type);
    const out = { initialKey: hexOut(keys.initialKey), derivedKey: hexOut(keys.derivedKey) };
    wipe(bdk, keys.initialKey, keys.transactionKey, keys.derivedKey);
    return out;
  }
  const bdk = parityKey(flags, 'bdk', TDES_BDK_BYTES);
  const k = deriveTdesDukptKeys(bdk, ksn);
  const out = {
    ipek: hexOut(k.ipek),
    transactionKey: hexOut(k.transactionKey),
    pinKey: hexOut(k.pinKey),
    macRequestKey: hexOut(k.macRequestKey),
    macResponseKey: hexOut(k.macResponseKey),
    dataRequestKey: hexOut(k.dataRequestKey),
    dataResponseKey: hexOut(k.dataResponseKey),
  };
  wipe(bdk, ...(Object.values(k) as Buffer[]));
  return out;
}

const PIN_FORMATS = ['0', '1', '3', '4'] as const;

/** The PIN key: `--key`, or derived from BDK and KSN (TDES DUKPT, or AES DUKPT with `--aes`). */
function pinKey(flags: Flags, format: (typeof PIN_FORMATS)[number]): Buffer {
  if (flags['key'] !== undefined) return hexFlag(flags, 'key');
  const ksn = hexFlag(flags, 'ksn');
  if (flags['aes'] === true) {
    const bdk = hexFlag(flags, 'bdk');
    const type = oneOf(flags, 'keyType', Object.keys(AES_DUKPT_KEY_TYPES) as AesDukptKeyType[], format === '4' ? 'aes128' : 'tdes2');
    const keys = deriveAesDukptKeys(bdk, ksn, 'pin', type);
    wipe(bdk, keys.initialKey, keys.transactionKey);
    return keys.derivedKey;
  }
  if (format === '4') throw option('--format with TDES DUKPT', format, ['0', '1', '3']);
  const bdk = parityKey(flags, 'bdk', TDES_BDK_BYTES);
  const keys = deriveTdesDukptKeys(bdk, ksn);
  const out = Buffer.from(keys.pinKey);
  wipe(bdk, ...(Object.values(keys) as Buffer[]));
  return out;
}

export function pinEncryptCommand(flags: Flags, random: (n: number) => Uint8Array = randomBytes): Result {
  const format = oneOf(flags, 'format', PIN_FORMATS);
  const pin = digits(flags, 'pin');
  const fill = typeof flags['fill'] === 'string' ? flags['fill'].replace(/\s+/g, '') : random;
  const key = pinKey(flags, format);
  try {
    if (format === '4') {
      const pan = digits(flags, 'pan');
      const field = encodeFormat4PinField(pin, fill);
      const encrypted = encryptFormat4(key, field, pan);
      const out = { pinBlock: hexOut(field), encryptedPinBlock: hexOut(encrypted) };
      wipe(field);
      return out;
    }
    const f = Number(format) as Iso8ByteFormat;
    const pan = f === 1 ? undefined : digits(flags, 'pan');
    const clear = encodePinBlock({ format: f, pin, ...(pan === undefined ? {} : { pan }), fill });
    if (key.length !== 16 && key.length !== 24) {
      throw new PosError('CRYPTO_KEY_LENGTH', `--key: ${key.length} bytes, expected 16 or 24`, { what: '--key', lengthBytes: key.length, expected: [16, 24] });
    }
    const out = { pinBlock: hexOut(clear), encryptedPinBlock: hexOut(tdesEcb(key, clear)) };
    wipe(clear);
    return out;
  } finally {
    wipe(key);
  }
}

export function pinDecryptCommand(flags: Flags): Result {
  const format = oneOf(flags, 'format', PIN_FORMATS);
  const block = hexFlag(flags, 'block');
  const key = pinKey(flags, format);
  try {
    if (format === '4') {
      const field = decryptFormat4Field(key, block, digits(flags, 'pan'));
      try {
        return { pin: decodeFormat4PinField(field) };
      } finally {
        wipe(field);
      }
    }
    const f = Number(format) as Iso8ByteFormat;
    return { pin: decryptPinBlock(key, block, f, f === 1 ? undefined : digits(flags, 'pan')) };
  } finally {
    wipe(key);
  }
}

const MAC_ALGS = ['iso9797-1-1', 'x9.19', 'cmac'] as const;
const PADDINGS = ['1', '2'] as const;

export function macCommand(flags: Flags): Result {
  const alg = oneOf(flags, 'alg', MAC_ALGS);
  const key = hexFlag(flags, 'key');
  const data = fromLooseHex(typeof flags['data'] === 'string' ? flags['data'] : '', '--data');
  try {
    if (alg === 'cmac') return { mac: hexOut(cmac(oneOf(flags, 'cipher', ['aes', 'tdes'] as const, 'aes'), key, data)) };
    const padding = Number(oneOf(flags, 'padding', PADDINGS, '1')) as PaddingMethod;
    return { mac: hexOut(alg === 'x9.19' ? macIso9797Alg3(key, data, padding) : macIso9797Alg1(key, data, padding)) };
  } finally {
    wipe(key);
  }
}

export function arqcCommand(flags: Flags): Result {
  const imk = parityKey(flags, 'imk', ISSUER_MASTER_KEY_BYTES);
  const pan = digits(flags, 'pan');
  const psn = need(flags, 'psn');
  const atc = hexFlag(flags, 'atc');
  const data = hexFlag(flags, 'data');
  const method: SessionKeyMethod = oneOf<SessionKeyMethod>(flags, 'session', SESSION_KEY_METHODS, 'emv');
  const padding = Number(oneOf(flags, 'padding', PADDINGS, '2')) as PaddingMethod;
  const un = flags['un'] === undefined ? undefined : hexFlag(flags, 'un');
  const cardKeyOption = flags['option'] === undefined ? undefined : oneOf(flags, 'option', ['A', 'B'] as const);
  const mk = deriveCardMasterKey(imk, pan, psn, cardKeyOption);
  const sk = deriveAcSessionKey(method, mk, atc, un);
  const out = { cardMasterKey: hexOut(mk), sessionKey: hexOut(sk), arqc: hexOut(generateArqc(sk, data, padding)) };
  wipe(imk, mk, sk);
  return out;
}

export function arpcCommand(flags: Flags): Result {
  const key = hexFlag(flags, 'key');
  const arqc = hexFlag(flags, 'arqc');
  const method = oneOf(flags, 'method', ['1', '2'] as const);
  try {
    if (method === '1') return { arpc: hexOut(generateArpcMethod1(key, arqc, hexFlag(flags, 'arc'))) };
    const pad = flags['pad'] === undefined ? new Uint8Array(0) : hexFlag(flags, 'pad');
    return { arpc: hexOut(generateArpcMethod2(key, arqc, hexFlag(flags, 'csu'), pad)) };
  } finally {
    wipe(key);
  }
}

export function kcvCommand(flags: Flags): Result {
  const key = hexFlag(flags, 'key');
  const alg = oneOf(flags, 'alg', ['tdes', 'aes'] as const, key.length === 32 ? 'aes' : 'tdes');
  try {
    return { kcv: hexOut(keyCheckValue(key, alg)) };
  } finally {
    wipe(key);
  }
}

function headerFields(header: Tr31Header): Result {
  return {
    versionId: header.versionId,
    keyUsage: header.keyUsage,
    algorithm: header.algorithm,
    modeOfUse: header.modeOfUse,
    keyVersionNumber: header.keyVersionNumber,
    exportability: header.exportability,
    optionalBlocks: header.optionalBlocks.map((b) => ({ id: b.id, data: b.data })),
  };
}

export function tr31WrapCommand(flags: Flags, random: (n: number) => Uint8Array = randomBytes): Result {
  const kbpk = hexFlag(flags, 'kbpk');
  const key = hexFlag(flags, 'key');
  // The template's length digits are recomputed; only the fields and optional blocks count.
  const template = need(flags, 'header');
  const { header } = parseTr31Header(template);
  const mask = flags['mask'] === undefined ? undefined : Number(need(flags, 'mask'));
  if (mask !== undefined && !(Number.isInteger(mask) && mask >= 0 && mask <= 64)) {
    throw new PosError('CRYPTO_OPTION_INVALID', '--mask must be a key length in bytes (0-64)', { what: '--mask', value: String(flags['mask']) });
  }
  const padding = typeof flags['padding'] === 'string' ? flags['padding'].replace(/\s+/g, '') : random;
  try {
    const keyBlock = wrapTr31(kbpk, header, key, { padding, ...(mask === undefined ? {} : { maskedKeyLengthBytes: mask }) });
    return { keyBlock, ...headerFields(parseTr31Header(keyBlock).header) };
  } finally {
    wipe(kbpk, key);
  }
}

export function tr31UnwrapCommand(flags: Flags): Result {
  const kbpk = hexFlag(flags, 'kbpk');
  const block = need(flags, 'block').trim();
  try {
    const { header, key } = unwrapTr31(kbpk, block);
    const kcv = keyCheckValue(key, header.algorithm === 'A' ? 'aes' : 'tdes');
    const out = { ...headerFields(header), key: hexOut(key), kcv: hexOut(kcv) };
    wipe(key);
    return out;
  } finally {
    wipe(kbpk);
  }
}

/** `name: value` lines, optional blocks one per line. */
export function renderResult(result: Result): string {
  let out = '';
  for (const [name, value] of Object.entries(result)) {
    if (typeof value === 'string') out += `${name}: ${value}\n`;
    else out += value.length === 0 ? `${name}: none\n` : value.map((b) => `${name}: ${b.id} ${b.data}\n`).join('');
  }
  return out;
}

function emit(result: Result, flags: Flags): void {
  if (flags['json'] === true) printJson(result);
  else process.stdout.write(renderResult(result));
}

/** Each `pos crypto` calculation by its subcommand's path. */
const CALCULATIONS = {
  dukpt: dukptCommand,
  'pin-encrypt': (f: Flags) => pinEncryptCommand(f),
  'pin-decrypt': pinDecryptCommand,
  mac: macCommand,
  arqc: arqcCommand,
  arpc: arpcCommand,
  kcv: kcvCommand,
  'tr31 wrap': (f: Flags) => tr31WrapCommand(f),
  'tr31 unwrap': tr31UnwrapCommand,
} as const satisfies Record<string, (flags: Flags) => Result>;

export type CryptoCalculation = keyof typeof CALCULATIONS;

/** Runs one calculation and prints its result (`--json`: one JSON object). */
export function runCryptoCalculation(name: CryptoCalculation, flags: Flags): void {
  emit(CALCULATIONS[name](flags), flags);
}
