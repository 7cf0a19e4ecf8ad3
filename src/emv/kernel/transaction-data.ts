/**
 * The data objects of one EMV transaction, by tag (Book 3 §7): the card's
 * (from the FCI, GPO and records), the terminal's, and the issuer's. The
 * kernel looks every value up here, and DOLs are built from here.
 *
 * Values are copies the store owns; `wipe()` zeroes them all when the
 * transaction ends, so no PAN or track stays behind in memory.
 */
import { wipe } from '../../util/bytes.js';
import type { DataStore } from '../dol.js';

export type DataSource = 'card' | 'terminal' | 'issuer';

export class TransactionData {
  readonly #values = new Map<string, Buffer>();
  readonly #sources = new Map<string, DataSource>();

  /** Sets a value (copying it); a later set of the same tag replaces it. */
  set(tag: string, value: Uint8Array, source: DataSource): void {
    const old = this.#values.get(tag);
    if (old !== undefined) wipe(old);
    this.#values.set(tag, Buffer.from(value));
    this.#sources.set(tag, source);
  }

  get(tag: string): Buffer | undefined {
    return this.#values.get(tag);
  }

  has(tag: string): boolean {
    return this.#values.has(tag);
  }

  sourceOf(tag: string): DataSource | undefined {
    return this.#sources.get(tag);
  }

  /** For `buildDolData`: a DOL entry names a tag, the store answers with its value. */
  readonly lookup: DataStore = (tag: string) => this.#values.get(tag);

  /** Zeroes and forgets every value. */
  wipe(): void {
    for (const value of this.#values.values()) wipe(value);
    this.#values.clear();
    this.#sources.clear();
  }
}
