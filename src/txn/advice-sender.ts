/**
 * Sends one queued advice to the host: the 0220 (0221 when a send was
 * started before) carries the offline auth code in DE 38 and the card data
 * exactly as the journal keeps them — sealed to the acquirer, in DE 48. The
 * terminal never opens them.
 *
 * The advice reuses the STAN and DE 7 of the request that could not be sent:
 * both are in the journal, so every repeat names the same message and the
 * host can de-duplicate it (terminal + STAN + day); the seal is bound to them.
 */
import { HostError } from '../host/host-error.js';
import type { SealedAdvice } from '../host/messages/financial.js';
import type { AuthorizationResponse } from '../host/model.js';
import { PosError } from '../util/errors.js';
import type { Journal, PendingAdvice } from './journal/index.js';
import type { AdviceSender } from './store-and-forward.js';

/** `Iso8583HostClient.advise`, or anything that sends 0220/0221 the same way. */
export type Advise = (request: SealedAdvice, offlineAuthCode: string, repeat: boolean) => Promise<AuthorizationResponse>;

const ACKNOWLEDGED = '00';

export interface HostAdviceSenderOptions {
  readonly journal: Journal;
  readonly advise: Advise;
  /** DE 42. */
  readonly merchantId: string;
}

export class HostAdviceSender implements AdviceSender {
  readonly #o: HostAdviceSenderOptions;

  constructor(options: HostAdviceSenderOptions) {
    this.#o = options;
  }

  async sendAdvice(advice: PendingAdvice, options: { readonly repeat: boolean }): Promise<void> {
    const id = advice.transactionId;
    const entry = this.#o.journal.get(id);
    const sealedCard = this.#o.journal.advices.sealedCard(id);
    if (sealedCard === null || advice.stan === null || advice.authCode === null || entry.transmittedAt === null || entry.entryMode === null) {
      throw new PosError('SAF_ADVICE_UNREADABLE', `Advice ${id} lacks what a 0220 needs`, { id, reason: 'missing' });
    }
    // Only purchases and refunds are approved offline; anything else in the queue was not written by this software.
    if (advice.kind !== 'purchase' && advice.kind !== 'refund') throw new PosError('SAF_ADVICE_UNREADABLE', `Advice ${id} is a ${advice.kind}`, { id, reason: 'kind' });
    const request: SealedAdvice = {
      kind: advice.kind,
      stan: advice.stan,
      at: new Date(entry.transmittedAt),
      amountMinor: advice.amountMinor,
      currency: advice.currency,
      entryMode: entry.entryMode,
      terminalId: advice.terminalId,
      merchantId: this.#o.merchantId,
      maskedPan: advice.maskedPan,
      sealedCard,
    };
    const answer = await this.#o.advise(request, advice.authCode, options.repeat);
    if (answer.responseCode !== ACKNOWLEDGED) {
      throw new HostError('HOST_BAD_RESPONSE', `Advice answered ${answer.responseCode}`, 'maybe-sent', {
        field: 39,
        reason: 'not-acknowledged',
        responseCode: answer.responseCode,
      });
    }
  }
}
