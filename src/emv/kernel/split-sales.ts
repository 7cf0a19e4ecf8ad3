/**
 * The transaction log for the split-sales check (EMV 4.4 Book 3 §10.6.1):
 * the amount of the most recent approved transaction with the same card
 * today, added to this one's before it is compared with the floor limit.
 *
 * The log lives in memory only, for the current day, and names each card by
 * an HMAC of its PAN under a key drawn at random when the log is made and
 * never written anywhere: nothing on disk, and nothing in a memory dump
 * after a restart, can be correlated back to a card number.
 */
import { createHmac, randomBytes } from 'node:crypto';

const KEY_BYTES = 32;
/** At most this many cards are remembered; the oldest go first. A counter's day stays well under it. */
const MAX_CARDS = 2048;

export class SplitSalesLog {
  readonly #key: Buffer;
  readonly #now: () => Date;
  readonly #amounts = new Map<string, number>();
  #day = '';

  constructor(now: () => Date, key: Buffer = randomBytes(KEY_BYTES)) {
    this.#now = now;
    this.#key = key;
  }

  /** The most recent approved amount for the card with PAN `pan` (5A, BCD) today; 0 when none. */
  recentAmount(pan: Uint8Array | undefined): number {
    if (pan === undefined) return 0;
    this.#rollDay();
    return this.#amounts.get(this.#name(pan)) ?? 0;
  }

  /** An approved transaction of `amountMinor` with the card `pan`. */
  recordApproval(pan: Uint8Array | undefined, amountMinor: number): void {
    if (pan === undefined) return;
    this.#rollDay();
    const name = this.#name(pan);
    this.#amounts.delete(name);
    this.#amounts.set(name, amountMinor);
    if (this.#amounts.size > MAX_CARDS) {
      const oldest = this.#amounts.keys().next().value;
      if (oldest !== undefined) this.#amounts.delete(oldest);
    }
  }

  #name(pan: Uint8Array): string {
    return createHmac('sha256', this.#key).update(pan).digest('base64');
  }

  #rollDay(): void {
    const day = this.#now().toISOString().slice(0, 10);
    if (day !== this.#day) {
      this.#amounts.clear();
      this.#day = day;
    }
  }
}
