/**
 * Reversal duties that survive a journal that cannot write. A duty is owed
 * the moment a request may have reached the host and did not end honoured;
 * if the journal refuses the write then (disk full, read-only), the duty is
 * kept in memory, sent like any other, and written to the journal by the
 * first later call that finds it writable again. Only a power cut in that
 * window loses the memory copy — and then the journal's own row, left at
 * `request-sent` or `response-received`, becomes the duty again at start-up
 * recovery.
 *
 *   engine ──ledger.reversalOwed──▶ ReversalDuties ──▶ journal.reversals (durable)
 *                                        └──────────▶ memory (until a write succeeds)
 *   ReversalSender ──pending()/acknowledge()──▶ ReversalDuties
 */
import type { Logger } from 'pino';
import type { PendingReversal, ReversalOutcome, ReversalStore } from '../host/reversal-store.js';
import { isPosError } from '../util/errors.js';

export class ReversalDuties implements ReversalStore {
  readonly #durable: ReversalStore;
  readonly #log: Logger;
  /** Duties the durable store refused, oldest first. */
  readonly #unpersisted: PendingReversal[] = [];
  /** Acknowledged duties whose acknowledgement the durable store has not taken yet. */
  /** Acknowledged while the journal could not take it: the transaction and how the host took it. */
  readonly #acknowledgedUnpersisted = new Map<string, ReversalOutcome>();
  /** Duties the host acknowledged before the durable store ever held them: written, then acknowledged. */
  readonly #pendingWrites: PendingReversal[] = [];

  constructor(durable: ReversalStore, logger: Logger) {
    this.#durable = durable;
    this.#log = logger;
  }

  /** How many duties are owed but held in memory only (`/v1/health`). */
  get unpersisted(): number {
    return this.#unpersisted.length + this.#acknowledgedUnpersisted.size;
  }

  /** Never throws for a journal fault: the duty is then kept in memory and is owed all the same. */
  add(reversal: PendingReversal): void {
    this.persist();
    if (this.#unpersisted.length === 0) {
      try {
        this.#durable.add(reversal);
        return;
      } catch (err) {
        if (!isPosError(err) || !err.code.startsWith('JOURNAL_')) throw err;
        this.#log.error({ err, stan: reversal.stan }, 'journal refused a reversal duty: kept in memory until it can be written');
      }
    }
    // Behind an unwritten older duty, a newer one waits in memory too: the order stays oldest first.
    this.#unpersisted.push(reversal);
  }

  pending(): readonly PendingReversal[] {
    this.persist();
    let durable: readonly PendingReversal[] = [];
    try {
      durable = this.#durable.pending();
    } catch (err) {
      this.#log.error({ err }, 'journal cannot list reversal duties: sending the ones held in memory');
    }
    const inMemory = new Set(this.#unpersisted.map((r) => r.transactionId));
    return [...durable.filter((r) => !inMemory.has(r.transactionId) && !this.#acknowledgedUnpersisted.has(r.transactionId)), ...this.#unpersisted];
  }

  acknowledge(transactionId: string, outcome: ReversalOutcome = 'reversed'): void {
    const at = this.#unpersisted.findIndex((r) => r.transactionId === transactionId);
    if (at >= 0) {
      // The durable store never had it: it must learn of the duty and its acknowledgement together.
      const [reversal] = this.#unpersisted.splice(at, 1);
      if (reversal !== undefined) this.#pendingWrites.push(reversal);
    }
    this.#acknowledgedUnpersisted.set(transactionId, outcome);
    this.persist();
  }

  /** Writes what memory holds to the durable store, oldest first, stopping at the first refusal. Returns whether memory is now empty. */
  persist(): boolean {
    try {
      while (this.#unpersisted.length > 0) {
        const next = this.#unpersisted[0]!;
        this.#durable.add(next);
        this.#unpersisted.shift();
        this.#log.warn({ stan: next.stan }, 'reversal duty held in memory is now in the journal');
      }
      for (const reversal of [...this.#pendingWrites]) {
        this.#durable.add(reversal);
        this.#pendingWrites.splice(this.#pendingWrites.indexOf(reversal), 1);
      }
      for (const [id, outcome] of [...this.#acknowledgedUnpersisted]) {
        this.#durable.acknowledge(id, outcome);
        this.#acknowledgedUnpersisted.delete(id);
      }
      return true;
    } catch (err) {
      if (!isPosError(err) || !err.code.startsWith('JOURNAL_')) throw err;
      return false;
    }
  }
}
