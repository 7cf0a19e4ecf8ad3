/**
 * The issuer's read of a DE 48 that carries the card's track 2 in a form only
 * it can open (an encrypting reader's DUKPT ciphertext, an advice's sealed
 * card data): parse the field, open the track, read the PAN from it and check
 * it against the BIN / last four the field claims. The clear track lives in a
 * Buffer only while it is read and is wiped before this returns; the PAN
 * leaves as a string, as DE 2 would.
 */
import type { PanClaim } from '../../src/host/messages/de48-subfields.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { wipe } from '../../src/util/bytes.js';
import { panMatchesClaim, parsedField } from './issuer-context.js';

/** What DE 48 gave: nothing, a field that is not one (30), one that does not open to the claimed card (88), or the card's PAN. */
export type De48PanOutcome<Recovered extends 'decrypted' | 'opened'> =
  | { readonly kind: 'absent' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'undecryptable' }
  | { readonly kind: Recovered; readonly pan: string };

export interface De48TrackSource<Field extends PanClaim> {
  readonly field: number;
  /** The field read from its text; throws when it is not one, undefined when this message cannot carry it. */
  readonly parse: (text: string) => Field | undefined;
  /** The clear track 2 (wiped by the caller); throws when it does not open. */
  readonly open: (field: Field) => Buffer;
  /** The clear track's whole layout, the PAN its first group. */
  readonly track2: RegExp;
}

export function panFromDe48<Field extends PanClaim, Recovered extends 'decrypted' | 'opened'>(
  request: Iso8583Message,
  source: De48TrackSource<Field>,
  recovered: Recovered,
): De48PanOutcome<Recovered> {
  const de48 = parsedField(request, source.field, source.parse);
  if (de48.kind !== 'parsed') return de48.kind === 'absent' ? { kind: 'absent' } : { kind: 'malformed' };
  const field = de48.value;
  if (field === undefined) return { kind: 'malformed' };
  let track2: Buffer | undefined;
  try {
    track2 = source.open(field);
    const pan = source.track2.exec(track2.toString('latin1'))?.[1];
    if (pan === undefined || !panMatchesClaim(pan, field)) return { kind: 'undecryptable' };
    return { kind: recovered, pan };
  } catch {
    return { kind: 'undecryptable' };
  } finally {
    wipe(track2);
  }
}
