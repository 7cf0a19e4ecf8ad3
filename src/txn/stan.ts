/**
 * DE 11, the systems trace audit number: six digits, 000001–999999, one per
 * request, wrapping after 999999 (000000 is not used).
 */

export interface StanSource {
  next(): string;
}

export class StanCounter implements StanSource {
  #last: number;

  /** `last` is the STAN used most recently (0 for none). */
  constructor(last = 0) {
    if (!Number.isInteger(last) || last < 0 || last > 999_999) throw new RangeError('STAN seed must be 0–999999');
    this.#last = last;
  }

  next(): string {
    this.#last = this.#last >= 999_999 ? 1 : this.#last + 1;
    return this.#last.toString().padStart(6, '0');
  }
}
