/**
 * An offline advice's card data, sealed to the acquirer's PUBLIC key, and
 * DE 48 carrying it in the 0220/0221 in place of DE 2, 14, 35 and 55. The
 * terminal can seal but never open: the private key lives at the acquirer
 * (in simulation, the bank-host simulator). Someone holding the terminal's
 * disk and key folder holds no key that opens what waits in the journal.
 *
 * Sealing — a KEM/DEM in the manner of HPKE (RFC 9180, base mode), on
 * node:crypto:
 *   1. X25519 (RFC 7748 §6.1) between a fresh ephemeral key and the
 *      acquirer's key; an all-zero shared secret is refused;
 *   2. HKDF-SHA-256 (RFC 5869): IKM the shared secret, salt = ephemeral
 *      public key ‖ acquirer public key, info = `pos-terminal advice card 01`,
 *      44 bytes = AES key (32) ‖ GCM nonce (12) — each ephemeral key seals
 *      once, so a derived nonce never repeats under its key;
 *   3. AES-256-GCM (NIST SP 800-38D), 16-byte tag, additional data =
 *      [scheme][key id] ‖ `<DE 41>|<DE 11>|<DE 7>|<DE 4>|<DE 49>` of the
 *      advice, so a blob opens only inside the message it was sealed for.
 *
 * Sealed form (what the journal keeps until the host acknowledges):
 *
 *   [scheme 0x01][key id: 8][ephemeral public key: 32][tag: 16][ciphertext…]
 *
 * key id = the first 8 bytes of SHA-256 over the acquirer key's SPKI DER
 * (which key to open with, after a rotation). Plaintext: fields
 * `[field: 1][length: 2 BE][value]` — 0x01 track 2 (the content between the
 * sentinels, `PAN=YYMMSSS…`: PAN, expiry and service code are read from it),
 * 0x02 DE 55 without the objects EMV marks sensitive (`chip-data.ts`).
 *
 * DE 48 of the advice (subfields as in `de48-subfields.ts`, values `an`):
 *
 *   AS  scheme   `01` = the sealing above
 *   AK  key id   16 hex
 *   AC  sealed   hex of [ephemeral public key][tag][ciphertext]
 *   BN  BIN      the masked PAN's first six digits (optional)
 *   L4  last 4   the masked PAN's last four digits (optional)
 *
 *   e.g. AS00201AK0169F3A…AC176…BN006476173L40040119
 *
 * A host answers 30 for a DE 48 that is not such a set and 88 for one that
 * does not open (another key, altered, moved to another message) or whose
 * track disagrees with BN / L4. DE 48's 999 characters leave room for a
 * track 2 and about 380 bytes of DE 55.
 */
import { createCipheriv, createDecipheriv, createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { wipe } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { de48Fault, DE48_FIELD, hexSubfield, MAX_DE48_CHARS, PAN_CLAIM_TAGS, panClaimSubfields, parseSubfields, readPanClaim, subfield, type PanClaim, type SubfieldFault } from './de48-subfields.js';

export const SEALED_ADVICE_FIELD = DE48_FIELD;

export const SEALED_ADVICE_TAGS = {
  scheme: 'AS',
  keyId: 'AK',
  sealed: 'AC',
  ...PAN_CLAIM_TAGS,
} as const;

/** The one scheme: X25519, HKDF-SHA-256, AES-256-GCM. */
export const ADVICE_SEAL_SCHEME = 0x01;
export const KEY_ID_BYTES = 8;
export const X25519_PUBLIC_BYTES = 32;
export const TAG_BYTES = 16;
/** [scheme][key id][ephemeral public key][tag] before the ciphertext. */
export const SEALED_HEADER_BYTES = 1 + KEY_ID_BYTES + X25519_PUBLIC_BYTES + TAG_BYTES;
const HKDF_INFO = Buffer.from('pos-terminal advice card 01', 'latin1');
const AES_KEY_BYTES = 32;
const NONCE_BYTES = 12;
const FIELD_HEADER_BYTES = 3; // [field][length hi][length lo]
const CARD_FIELDS = { track2: 0x01, de55: 0x02 } as const;

/** The acquirer's public key, as the terminal holds it. */
export interface AdviceSealingKey {
  readonly publicKey: KeyObject;
  /** Raw X25519 public key. */
  readonly raw: Buffer;
  readonly keyId: Buffer;
}

/** The acquirer's private key, as the host (here: the simulator) holds it. */
export interface AdviceOpeningKey extends AdviceSealingKey {
  readonly privateKey: KeyObject;
}

/** What the sealed card data is bound to: fields of the advice that carries it, as they go on the wire. */
export interface AdviceBinding {
  /** DE 41. */
  readonly terminalId: string;
  /** DE 11. */
  readonly stan: string;
  /** DE 7, MMDDhhmmss UTC. */
  readonly transmissionDateTime: string;
  /** DE 4, n 12. */
  readonly amount: string;
  /** DE 49. */
  readonly currency: string;
}

/** The card data an advice needs, as bytes the caller owns (and wipes). */
export interface AdviceCardData {
  readonly track2: Buffer;
  readonly de55?: Buffer;
}

/** What DE 48 of an advice said. `sealed` is the whole sealed form, scheme and key id included. */
export interface SealedAdviceField extends PanClaim {
  readonly keyId: Buffer;
  readonly sealed: Buffer;
}

function rawPublic(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  return Buffer.from(jwk.x ?? '', 'base64url');
}

function keyIdOf(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  return createHash('sha256').update(spki).digest().subarray(0, KEY_ID_BYTES);
}

/** An X25519 public key (a `KeyObject` or PEM text) ready to seal to; `KEY_FILE_INVALID` for any other key. */
export function adviceSealingKey(key: KeyObject | string): AdviceSealingKey {
  let publicKey: KeyObject;
  try {
    publicKey = typeof key === 'string' ? createPublicKey(key) : key;
  } catch {
    throw new PosError('KEY_FILE_INVALID', 'The acquirer advice key is not a public key in PEM', { expected: 'x25519' });
  }
  if (publicKey.type !== 'public' || publicKey.asymmetricKeyType !== 'x25519') {
    throw new PosError('KEY_FILE_INVALID', 'The acquirer advice key must be an X25519 public key', { expected: 'x25519', got: publicKey.asymmetricKeyType ?? publicKey.type });
  }
  return { publicKey, raw: rawPublic(publicKey), keyId: keyIdOf(publicKey) };
}

/** The acquirer side: from an X25519 private key. */
export function adviceOpeningKey(privateKey: KeyObject): AdviceOpeningKey {
  return { ...adviceSealingKey(createPublicKey(privateKey)), privateKey };
}

function aad(header: Buffer, binding: AdviceBinding): Buffer {
  const { terminalId, stan, transmissionDateTime, amount, currency } = binding;
  return Buffer.concat([header, Buffer.from([terminalId, stan, transmissionDateTime, amount, currency].join('|'), 'latin1')]);
}

/** AES key ‖ nonce from the shared secret; the caller wipes both. */
function deriveKeyAndNonce(shared: Buffer, ephemeralRaw: Buffer, recipientRaw: Buffer): { key: Buffer; nonce: Buffer } {
  if (shared.every((b) => b === 0)) throw new Error('all-zero X25519 output');
  const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephemeralRaw, recipientRaw]), HKDF_INFO, AES_KEY_BYTES + NONCE_BYTES));
  return { key: okm.subarray(0, AES_KEY_BYTES), nonce: okm.subarray(AES_KEY_BYTES) };
}

function encodeCardData(card: AdviceCardData): Buffer {
  const fields: [number, Uint8Array][] = [[CARD_FIELDS.track2, card.track2]];
  if (card.de55 !== undefined) fields.push([CARD_FIELDS.de55, card.de55]);
  const out = Buffer.alloc(fields.reduce((n, [, v]) => n + FIELD_HEADER_BYTES + v.length, 0));
  let at = 0;
  for (const [field, value] of fields) {
    out[at] = field;
    out.writeUInt16BE(value.length, at + 1);
    out.set(value, at + FIELD_HEADER_BYTES);
    at += FIELD_HEADER_BYTES + value.length;
  }
  return out;
}

/** Seals `card` for the advice `binding` describes. Never opens again on this side. */
export function sealAdviceCard(key: AdviceSealingKey, card: AdviceCardData, binding: AdviceBinding): Buffer {
  const ephemeral = generateKeyPairSync('x25519');
  const ephemeralRaw = rawPublic(ephemeral.publicKey);
  const shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: key.publicKey });
  const { key: aesKey, nonce } = deriveKeyAndNonce(shared, ephemeralRaw, key.raw);
  const plain = encodeCardData(card);
  try {
    const header = Buffer.concat([Buffer.from([ADVICE_SEAL_SCHEME]), key.keyId]);
    const cipher = createCipheriv('aes-256-gcm', aesKey, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(header, binding));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([header, ephemeralRaw, cipher.getAuthTag(), body]);
  } finally {
    wipe(plain, shared, aesKey, nonce);
  }
}

function unreadable(reason: 'format' | 'key' | 'authentication' | 'content'): PosError {
  return new PosError('SAF_ADVICE_UNREADABLE', `The sealed advice card data cannot be opened (${reason})`, { reason });
}

/**
 * The acquirer's side: opens a sealed form for the advice `binding`
 * describes. `SAF_ADVICE_UNREADABLE` (details: `reason`) when it is not one,
 * is for another key, was altered or belongs to another message.
 */
export function openAdviceCard(key: AdviceOpeningKey, sealed: Uint8Array, binding: AdviceBinding): AdviceCardData {
  const blob = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (blob.length < SEALED_HEADER_BYTES || blob[0] !== ADVICE_SEAL_SCHEME) throw unreadable('format');
  const header = blob.subarray(0, 1 + KEY_ID_BYTES);
  if (!header.subarray(1).equals(key.keyId)) throw unreadable('key');
  const ephemeralRaw = blob.subarray(header.length, header.length + X25519_PUBLIC_BYTES);
  const tag = blob.subarray(header.length + X25519_PUBLIC_BYTES, SEALED_HEADER_BYTES);
  let plain: Buffer;
  try {
    const ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: ephemeralRaw.toString('base64url') }, format: 'jwk' });
    const shared = diffieHellman({ privateKey: key.privateKey, publicKey: ephemeral });
    const { key: aesKey, nonce } = deriveKeyAndNonce(shared, ephemeralRaw, key.raw);
    try {
      const decipher = createDecipheriv('aes-256-gcm', aesKey, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(header, binding));
      decipher.setAuthTag(tag);
      plain = Buffer.concat([decipher.update(blob.subarray(SEALED_HEADER_BYTES)), decipher.final()]);
    } finally {
      wipe(shared, aesKey, nonce);
    }
  } catch {
    throw unreadable('authentication');
  }
  try {
    return decodeCardData(plain);
  } finally {
    wipe(plain);
  }
}

function decodeCardData(plain: Buffer): AdviceCardData {
  const values = new Map<number, Buffer>();
  let at = 0;
  while (at < plain.length) {
    if (at + FIELD_HEADER_BYTES > plain.length) break;
    const field = plain[at] as number;
    const end = at + FIELD_HEADER_BYTES + plain.readUInt16BE(at + 1);
    if (end > plain.length) break;
    // A copy each: the caller owns (and wipes) what it gets; the plaintext is wiped here.
    values.set(field, Buffer.from(plain.subarray(at + FIELD_HEADER_BYTES, end)));
    at = end;
  }
  const track2 = values.get(CARD_FIELDS.track2);
  if (at !== plain.length || track2 === undefined) {
    for (const v of values.values()) wipe(v);
    throw unreadable('content');
  }
  const de55 = values.get(CARD_FIELDS.de55);
  return { track2, ...(de55 === undefined ? {} : { de55 }) };
}

const fault: SubfieldFault = de48Fault('sealed advice');

/** DE 48's text for a sealed form, with the BIN and last four of `maskedPan` (`411111******1111`) when it has them. */
export function sealedAdviceField(sealed: Uint8Array, maskedPan?: string | null): string {
  const blob = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (blob.length < SEALED_HEADER_BYTES || blob[0] !== ADVICE_SEAL_SCHEME) fault(SEALED_ADVICE_TAGS.sealed, 'format');
  const hex = (b: Buffer): string => b.toString('hex').toUpperCase();
  const parts = [
    subfield(SEALED_ADVICE_TAGS.scheme, schemeDigits(ADVICE_SEAL_SCHEME), fault),
    subfield(SEALED_ADVICE_TAGS.keyId, hex(blob.subarray(1, 1 + KEY_ID_BYTES)), fault),
    subfield(SEALED_ADVICE_TAGS.sealed, hex(blob.subarray(1 + KEY_ID_BYTES)), fault),
    ...panClaimSubfields(maskedPan, fault),
  ];
  const text = parts.join('');
  if (text.length > MAX_DE48_CHARS) fault(SEALED_ADVICE_TAGS.sealed, 'too-long');
  return text;
}

function schemeDigits(scheme: number): string {
  return String(scheme).padStart(2, '0');
}

/**
 * Reads an advice's DE 48 back. `HOST_REQUEST_INVALID` (details: `field` 48,
 * `subfield`, `reason`) when it is not a well-formed set: a bad length, an
 * unknown scheme, a key id that is not 8 bytes, a sealed form too short,
 * a missing AS/AK/AC, BIN or last four not digits.
 */
export function parseSealedAdviceField(text: string): SealedAdviceField {
  const values = parseSubfields(text, fault);
  const scheme = values.get(SEALED_ADVICE_TAGS.scheme);
  if (scheme !== schemeDigits(ADVICE_SEAL_SCHEME)) fault(SEALED_ADVICE_TAGS.scheme, scheme === undefined ? 'missing' : 'unknown-scheme');
  const keyId = hexSubfield(values, SEALED_ADVICE_TAGS.keyId, fault);
  if (keyId?.length !== KEY_ID_BYTES) fault(SEALED_ADVICE_TAGS.keyId, keyId === undefined ? 'missing' : 'key-id-length');
  const body = hexSubfield(values, SEALED_ADVICE_TAGS.sealed, fault);
  if (body === undefined) fault(SEALED_ADVICE_TAGS.sealed, 'missing');
  if (body.length < X25519_PUBLIC_BYTES + TAG_BYTES) fault(SEALED_ADVICE_TAGS.sealed, 'short');
  return { keyId, sealed: Buffer.concat([Buffer.from([ADVICE_SEAL_SCHEME]), keyId, body]), ...readPanClaim(values, fault) };
}
