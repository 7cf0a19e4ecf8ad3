/**
 * The card data an offline approval's advice (0220) needs, sealed for the
 * journal to the acquirer's public key (`src/host/messages/sealed-advice.ts`:
 * X25519, HKDF-SHA-256, AES-256-GCM). The journal never holds a PAN, track
 * or chip data in clear, and the terminal holds no key that opens what it
 * sealed: the blob waits in the journal — PCI DSS 3.5 "rendered unreadable"
 * with no decryption key on the device — goes to the host as DE 48, and is
 * destroyed when the host has the advice (`journal.advices.sent`) or the
 * advice's life ends (`journal.advices.expire`).
 *
 * The seal is bound to the advice that will carry it (DE 41, 11, 7, 4, 49,
 * all in the journal row by the time the card accepts), so the terminal
 * needs no other state to send it, and the host opens it only inside that
 * message.
 */
import type { AdviceBinding, AdviceSealingKey } from '../host/messages/sealed-advice.js';
import { sealAdviceCard } from '../host/messages/sealed-advice.js';
import { amountField, transmissionDateTime } from '../host/messages/fields.js';
import { PosError } from '../util/errors.js';
import type { Sensitive } from '../util/sensitive.js';

/** In the key folder: the acquirer's X25519 public key (PEM, SPKI), needed only with store-and-forward on. */
export const ACQUIRER_ADVICE_KEY_FILE = 'acquirer-advice.pub';

/** What an advice is built from: the card's track 2 and, read by chip, DE 55 without sensitive tags. */
export interface AdviceCard {
  readonly track2: Sensitive;
  readonly de55?: Sensitive;
}

/** The journal fields a seal is bound to (a `JournalEntry` has them). */
export interface AdviceRow {
  readonly id: string;
  readonly terminalId: string;
  readonly stan: string | null;
  /** ISO 8601, the request's DE 7 moment. */
  readonly transmittedAt: string | null;
  readonly amountMinor: number;
  readonly currency: string;
}

/** The binding of the advice `row` will be sent as; `SAF_ADVICE_UNREADABLE` (reason `missing`) without STAN or DE 7. */
export function adviceBinding(row: AdviceRow): AdviceBinding {
  if (row.stan === null || row.transmittedAt === null) {
    throw new PosError('SAF_ADVICE_UNREADABLE', `Advice ${row.id} lacks what a 0220 needs`, { id: row.id, reason: 'missing' });
  }
  return {
    terminalId: row.terminalId,
    stan: row.stan,
    transmissionDateTime: transmissionDateTime(new Date(row.transmittedAt)),
    amount: amountField(row.amountMinor),
    currency: row.currency,
  };
}

export class AdviceSealer {
  readonly #key: AdviceSealingKey;

  constructor(key: AdviceSealingKey) {
    this.#key = key;
  }

  /** The key id the host will be told (AK), hex. */
  get keyId(): string {
    return this.#key.keyId.toString('hex').toUpperCase();
  }

  /** Seals the card for the advice of `row`; reads the card's bytes in place and copies nothing else out. */
  seal(row: AdviceRow, card: AdviceCard): Buffer {
    return sealAdviceCard(this.#key, { track2: card.track2.reveal(), ...(card.de55 === undefined ? {} : { de55: card.de55.reveal() }) }, adviceBinding(row));
  }
}
