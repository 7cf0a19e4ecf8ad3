/**
 * The two cards the kernel bench puts under the kernel's `Transmit`:
 *
 * - `TimedCard`: a live virtual chip card whose every answer is timed, so the
 *   card's own work can be taken out of a transaction's time, and whose
 *   exchanges are recorded;
 * - `ReplayCard`: one recorded transaction's answers given back in order at
 *   no cost (a resolved promise), each command checked against the one
 *   recorded. A replay is only honest when the kernel sends the very same
 *   commands: the bench fixes the clock, the unpredictable number and the
 *   random-selection draw, so the card's signatures (SDAD over the same
 *   9F37, CDA over the same PDOL and CDOL data) and the issuer's ARPC still
 *   verify, and the kernel does every check it did live. A command that
 *   differs throws: the replay would no longer be the same transaction.
 */
import type { Transmit } from '../../src/emv/kernel/apdu.js';

export interface RecordedExchange {
  readonly command: Buffer;
  readonly response: Buffer;
}

/** The card's side of the kernel's `Transmit`, synchronous as the virtual chip cards are. */
export interface SyncCard {
  transmit(command: Buffer): Buffer;
}

export class TimedCard {
  readonly #card: SyncCard;
  #recording = false;
  /** Every exchange since `reset(true)`; none are kept after `reset()`. */
  exchanges: RecordedExchange[] = [];
  /** Milliseconds spent inside the card since the last `reset`. */
  cardMs = 0;

  constructor(card: SyncCard) {
    this.#card = card;
  }

  /** Starts a new transaction's account: `record` keeps copies of its exchanges (work a timed run leaves out). */
  reset(record = false): void {
    this.#recording = record;
    this.exchanges = [];
    this.cardMs = 0;
  }

  readonly transmit: Transmit = (command) => {
    const started = performance.now();
    const response = this.#card.transmit(command);
    this.cardMs += performance.now() - started;
    if (this.#recording) this.exchanges.push({ command: Buffer.from(command), response: Buffer.from(response) });
    return Promise.resolve(response);
  };
}

export class ReplayCard {
  readonly #exchanges: readonly RecordedExchange[];
  #next = 0;

  constructor(exchanges: readonly RecordedExchange[]) {
    this.#exchanges = exchanges;
  }

  /** True when every recorded exchange was replayed. */
  get finished(): boolean {
    return this.#next === this.#exchanges.length;
  }

  readonly transmit: Transmit = (command) => {
    const step = this.#exchanges[this.#next];
    if (step === undefined || !step.command.equals(command)) {
      return Promise.reject(new Error(`replay: command ${this.#next} is not the recorded one; the transaction is no longer the same`));
    }
    this.#next++;
    // A copy: the kernel may keep or zero what it is given.
    return Promise.resolve(Buffer.from(step.response));
  };
}
