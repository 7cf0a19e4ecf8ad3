/**
 * DE 48 (additional data — private use, `an ..999` LLLVAR in every dialect
 * of ISO 8583:1987) carrying an encrypting reader's track ciphertext in place
 * of DE 2, 14 and 35, which then stay out of the message: the terminal never
 * held the clear tracks, and the host decrypts them with its BDK.
 *
 * The field is a run of subfields (`de48-subfields.ts`), each
 * `[tag ×2][length ×3][value]`, tag two characters `A–Z 0–9`, length three
 * decimal digits counting the value's characters, value `an` (binary values
 * as uppercase hex):
 *
 *   ES  scheme   `01` = MagneSafe TDES DUKPT: tracks with sentinels, zero
 *                padded to 8-byte blocks, TDES-CBC IV 0, X9.24-1 2009
 *                data key (request variant) of EK
 *   EK  KSN      20 hex (10 bytes)
 *   E2  track 2  ciphertext, hex, whole 8-byte blocks
 *   E1  track 1  ciphertext, hex (optional)
 *   BN  BIN      the masked PAN's first six digits (optional)
 *   L4  last 4   the masked PAN's last four digits (optional)
 *
 *   e.g. ES00201EK020FFFF0801A5B3C4E00001E2080…BN006411111L40041111
 *
 * The parser skips tags it does not know, so subfields can be added without
 * breaking an older reader.
 */
import type { EncryptedTracks } from '../../devices/card-reader.js';
import { de48Fault, DE48_FIELD, hexSubfield, PAN_CLAIM_TAGS, panClaimSubfields, parseSubfields, readPanClaim, subfield as de48Subfield, type PanClaim, type SubfieldFault } from './de48-subfields.js';

export const ENCRYPTED_TRACKS_FIELD = DE48_FIELD;

export const ENCRYPTED_TRACK_TAGS = {
  scheme: 'ES',
  ksn: 'EK',
  track2: 'E2',
  track1: 'E1',
  ...PAN_CLAIM_TAGS,
} as const;

/** ES values: one scheme today. */
export const ENCRYPTION_SCHEMES = { 'magtek-tdes-dukpt': '01' } as const satisfies Record<EncryptedTracks['scheme'], string>;

const KSN_BYTES = 10;
const BLOCK_BYTES = 8;

const invalid: SubfieldFault = de48Fault('encrypted tracks');

/** What DE 48 said, for the host side. */
export interface EncryptedTracksField extends EncryptedTracks, PanClaim {}

/**
 * DE 48's text for `tracks`, with the BIN and last four of `maskedPan`
 * (`411111******1111`) when it has them. Nothing here is clear card data.
 */
export function encryptedTracksField(tracks: EncryptedTracks, maskedPan?: string): string {
  const parts = [subfield(ENCRYPTED_TRACK_TAGS.scheme, ENCRYPTION_SCHEMES[tracks.scheme]), subfield(ENCRYPTED_TRACK_TAGS.ksn, hex(tracks.ksn))];
  parts.push(subfield(ENCRYPTED_TRACK_TAGS.track2, hex(tracks.track2)));
  if (tracks.track1 !== undefined) parts.push(subfield(ENCRYPTED_TRACK_TAGS.track1, hex(tracks.track1)));
  return [...parts, ...panClaimSubfields(maskedPan, invalid)].join('');
}

/**
 * Reads DE 48 back. Throws `HOST_REQUEST_INVALID` (details: `field` 48,
 * `subfield`, `reason`) when it is not a well-formed set: a bad length, an
 * unknown scheme, a KSN that is not 10 bytes, ciphertext that is not whole
 * blocks, or a missing ES/EK/E2.
 */
export function parseEncryptedTracksField(text: string): EncryptedTracksField {
  const values = parseSubfields(text, invalid);
  const scheme = values.get(ENCRYPTED_TRACK_TAGS.scheme);
  if (scheme !== ENCRYPTION_SCHEMES['magtek-tdes-dukpt']) invalid(ENCRYPTED_TRACK_TAGS.scheme, scheme === undefined ? 'missing' : 'unknown-scheme');
  const ksn = bytesOf(values, ENCRYPTED_TRACK_TAGS.ksn);
  if (ksn?.length !== KSN_BYTES) invalid(ENCRYPTED_TRACK_TAGS.ksn, ksn === undefined ? 'missing' : 'ksn-length');
  const track2 = blocksOf(values, ENCRYPTED_TRACK_TAGS.track2);
  if (track2 === undefined) invalid(ENCRYPTED_TRACK_TAGS.track2, 'missing');
  const track1 = blocksOf(values, ENCRYPTED_TRACK_TAGS.track1);
  return { scheme: 'magtek-tdes-dukpt', ksn, track2, ...(track1 === undefined ? {} : { track1 }), ...readPanClaim(values, invalid) };
}

function subfield(tag: string, value: string): string {
  return de48Subfield(tag, value, invalid);
}

function hex(bytes: Buffer): string {
  return bytes.toString('hex').toUpperCase();
}

function bytesOf(values: ReadonlyMap<string, string>, tag: string): Buffer | undefined {
  return hexSubfield(values, tag, invalid);
}

function blocksOf(values: ReadonlyMap<string, string>, tag: string): Buffer | undefined {
  const bytes = bytesOf(values, tag);
  if (bytes !== undefined && (bytes.length === 0 || bytes.length % BLOCK_BYTES !== 0)) invalid(tag, 'blocks');
  return bytes;
}
