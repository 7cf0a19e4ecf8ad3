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
 * too (`issuer-de48-pan.ts`). Either way the answer is 88 (cryptographic
 * failure). The PAN found then goes through the ordinary card checks.
 */
import { tdesCbc } from '../../src/crypto/cipher/des.js';
import { deriveTdesKeyFromBdk } from '../../src/crypto/dukpt/tdes.js';
import { ENCRYPTED_TRACKS_FIELD, parseEncryptedTracksField, type EncryptedTracksField } from '../../src/host/messages/encrypted-tracks.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { wipe } from '../../src/util/bytes.js';
import type { IssuerContext } from './issuer-context.js';
import { panFromDe48, type De48PanOutcome } from './issuer-de48-pan.js';

const ZERO_IV = Buffer.alloc(8);
const TRACK2_RE = /^;(\d{12,19})=(\d{4})(\d{3})(\d*)\?\0*$/;

export type EncryptedTrackOutcome = De48PanOutcome<'decrypted'>;

export function decryptTrackOf(ctx: IssuerContext, request: Iso8583Message): EncryptedTrackOutcome {
  const source = { field: ENCRYPTED_TRACKS_FIELD, parse: parseEncryptedTracksField, open: (field: EncryptedTracksField) => decryptTrack2(ctx.keys.tdesBdk, field), track2: TRACK2_RE };
  return panFromDe48(request, source, 'decrypted');
}

/** Track 2 decrypted under this KSN's data key; throws for a KSN whose counter is not valid DUKPT (no key, no track). */
function decryptTrack2(bdk: Buffer, field: EncryptedTracksField): Buffer {
  const key = deriveTdesKeyFromBdk(bdk, field.ksn, 'dataRequest');
  try {
    return tdesCbc(key, ZERO_IV, field.track2, 'decrypt');
  } finally {
    wipe(key);
  }
}
