/**
 * The simulated issuer's side of an encrypting reader (DE 48, see
 * `src/host/messages/encrypted-tracks.ts`): the data key is derived from the
 * shared TDES BDK and the swipe's KSN (ANSI X9.24-1 2009 DUKPT, data key,
 * request variant), track 2 is decrypted (TDES-CBC, IV 0) and read as
 *
 *   ;<PAN 12–19 digits>=<YYMM><SSS><discretionary digits>?<0x00 padding>
 *
 * exactly — the zero padding to the block included — which is this
 * simulator's integrity check: a tampered block or KSN decrypts to bytes
 * that are not such a track (CBC garbles the whole block), and a track
 * whose PAN disagrees with the BIN / last four sent beside it is refused
 * too. Either way the answer is 88 (cryptographic failure). The PAN found
 * then goes through the ordinary card checks.
 *
 * The clear track lives in a Buffer only while it is read and is wiped
 * before this returns; the PAN leaves as a string, as DE 2 would.
 */
import { tdesCbc } from '../../src/crypto/cipher/des.js';
import { deriveTdesKeyFromBdk } from '../../src/crypto/dukpt/tdes.js';
import { ENCRYPTED_TRACKS_FIELD, parseEncryptedTracksField, type EncryptedTracksField } from '../../src/host/messages/encrypted-tracks.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { wipe } from '../../src/util/bytes.js';
import { panMatchesClaim, parsedField, type IssuerContext } from './issuer-context.js';

const ZERO_IV = Buffer.alloc(8);
const TRACK2_RE = /^;(\d{12,19})=(\d{4})(\d{3})(\d*)\?\0*$/;

/** What DE 48 gave: no encrypted tracks, a field that is not one (30), one that does not decrypt (88), or the card's PAN. */
export type EncryptedTrackOutcome =
  | { readonly kind: 'absent' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'undecryptable' }
  | { readonly kind: 'decrypted'; readonly pan: string };

export function decryptTrackOf(ctx: IssuerContext, request: Iso8583Message): EncryptedTrackOutcome {
  const de48 = parsedField(request, ENCRYPTED_TRACKS_FIELD, parseEncryptedTracksField);
  if (de48.kind !== 'parsed') return { kind: de48.kind };
  const field = de48.value;
  const pan = decryptTrack2(ctx.keys.tdesBdk, field);
  if (pan === undefined) return { kind: 'undecryptable' };
  if (!panMatchesClaim(pan, field)) return { kind: 'undecryptable' };
  return { kind: 'decrypted', pan };
}

/** The PAN of the decrypted track 2, or undefined when the block is not a track under this KSN's key. */
function decryptTrack2(bdk: Buffer, field: EncryptedTracksField): string | undefined {
  let key: Buffer | undefined;
  let clear: Buffer | undefined;
  try {
    key = deriveTdesKeyFromBdk(bdk, field.ksn, 'dataRequest');
    clear = tdesCbc(key, ZERO_IV, field.track2, 'decrypt');
    return TRACK2_RE.exec(clear.toString('latin1'))?.[1];
  } catch {
    return undefined; // a KSN whose counter is not valid DUKPT: no key, no track
  } finally {
    wipe(key, clear);
  }
}
