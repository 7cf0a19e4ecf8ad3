/**
 * The acquirer's side of a sealed advice (DE 48 of a 0220/0221, see
 * `src/host/messages/sealed-advice.ts`): the simulator holds the private key
 * the terminal's advices are sealed to, opens the card data bound to this
 * very message (DE 41, 11, 7, 4, 49), and reads its track 2
 *
 *   <PAN 12–19 digits>=<YYMM><SSS><discretionary digits>   (`D` also separates)
 *
 * A DE 48 that is not a sealed-advice set answers 30 (format error); one
 * that does not open — another key, altered bytes, moved to another message
 * — or whose track is not a track, or disagrees with the BIN / last four sent
 * beside it, answers 88 (cryptographic failure). The clear track and DE 55
 * live in Buffers only while read and are wiped before this returns; the PAN
 * leaves as a string, as DE 2 would.
 */
import { openAdviceCard, parseSealedAdviceField, SEALED_ADVICE_FIELD, type AdviceBinding } from '../../src/host/messages/sealed-advice.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { wipe } from '../../src/util/bytes.js';
import { panMatchesClaim, parsedField, textField, type IssuerContext } from './issuer-context.js';

const TRACK2_RE = /^(\d{12,19})[=D](\d{4})(\d{3})\d*F?$/;

export type SealedAdviceOutcome =
  | { readonly kind: 'absent' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'undecryptable' }
  | { readonly kind: 'opened'; readonly pan: string };

export function openSealedAdviceOf(ctx: IssuerContext, request: Iso8583Message): SealedAdviceOutcome {
  const de48 = parsedField(request, SEALED_ADVICE_FIELD, parseSealedAdviceField);
  if (de48.kind !== 'parsed') return { kind: de48.kind };
  const field = de48.value;
  const binding = bindingOf(request);
  if (binding === undefined) return { kind: 'malformed' };
  let track2: Buffer | undefined;
  let de55: Buffer | undefined;
  try {
    ({ track2, de55 } = openAdviceCard(ctx.keys.acquirerAdvice, field.sealed, binding));
    const pan = TRACK2_RE.exec(track2.toString('latin1'))?.[1];
    if (pan === undefined) return { kind: 'undecryptable' };
    if (!panMatchesClaim(pan, field)) return { kind: 'undecryptable' };
    return { kind: 'opened', pan };
  } catch {
    return { kind: 'undecryptable' };
  } finally {
    wipe(track2, de55);
  }
}

/** DE 41, 11, 7, 4 and 49 as the message carries them; undefined when one is missing. */
function bindingOf(request: Iso8583Message): AdviceBinding | undefined {
  const terminalId = textField(request, 41);
  const stan = textField(request, 11);
  const transmissionDateTime = textField(request, 7);
  const amount = textField(request, 4);
  const currency = textField(request, 49);
  if (terminalId === undefined || stan === undefined || transmissionDateTime === undefined || amount === undefined || currency === undefined) return undefined;
  return { terminalId, stan, transmissionDateTime, amount, currency };
}
