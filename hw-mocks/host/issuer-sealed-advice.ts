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
 * beside it, answers 88 (cryptographic failure; `issuer-de48-pan.ts`). DE 55
 * opened beside the track is wiped unread.
 */
import { openAdviceCard, parseSealedAdviceField, SEALED_ADVICE_FIELD, type AdviceBinding, type SealedAdviceField } from '../../src/host/messages/sealed-advice.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { wipe } from '../../src/util/bytes.js';
import { textField, type IssuerContext } from './issuer-context.js';
import { panFromDe48, type De48PanOutcome } from './issuer-de48-pan.js';

const TRACK2_RE = /^(\d{12,19})[=D](\d{4})(\d{3})\d*F?$/;

export type SealedAdviceOutcome = De48PanOutcome<'opened'>;

export function openSealedAdviceOf(ctx: IssuerContext, request: Iso8583Message): SealedAdviceOutcome {
  // Sealed to this very message: without its binding fields the advice is malformed.
  const binding = bindingOf(request);
  const source = {
    field: SEALED_ADVICE_FIELD,
    parse: (text: string) => (binding === undefined ? undefined : { ...parseSealedAdviceField(text), binding }),
    open: (field: SealedAdviceField & { readonly binding: AdviceBinding }): Buffer => {
      const { track2, de55 } = openAdviceCard(ctx.keys.acquirerAdvice, field.sealed, field.binding);
      wipe(de55);
      return track2;
    },
    track2: TRACK2_RE,
  };
  return panFromDe48(request, source, 'opened');
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
