/**
 * The batch through the ECR API, served as a route module (`EcrRoutes`):
 *
 *   GET  /v1/totals        the open batch's totals per currency, nothing closed (an X report) → 200 BatchTotals
 *   POST /v1/batch/close   settlement as `pos batch close` runs it (`closeBatch`,
 *                          src/txn/settlement.ts): owed reversals drained first, then
 *                          the 0500; the batch closes only when the host agrees      → 200 BatchCloseResult
 *
 * A close answers 200 whether or not the host agrees: `inBalance` says which,
 * and an out-of-balance batch stays open (the CLI's exit 1). Reversals still
 * owed after the drain do not stop it, as they do not stop the CLI: the
 * answer counts them (`pendingReversals`). Queued offline advices go first,
 * then owed reversals. Refused with 409 before anything reaches the host:
 * while a transaction runs (`TXN_BUSY`: its row would land in the batch
 * being closed; none starts while the close runs), and when the host takes no 0500 — an HTTPS
 * gateway (`ECR_BATCH_CLOSE_UNSUPPORTED`). A host that fails the 0500 is its
 * `HOST_*` code (502, 504); the batch stays open.
 */
import type { Iso8583HostClient } from '../host/iso8583/client.js';
import type { DrainResult } from '../host/reversal-sender.js';
import type { BatchCloseDeps } from '../txn/settlement.js';
import { closeBatch } from '../txn/settlement.js';
import { PosError } from '../util/errors.js';
import type { EcrRoutes } from './ecr-server.js';

export interface EcrBatchDeps {
  /** Whose running transaction holds off a close, and which takes none while it runs. */
  readonly engine: { exclusive<T>(work: () => Promise<T>): Promise<T> };
  /** Store-and-forward's queued advices, sent before the 0500 (they are in the totals); null when off. */
  readonly advices: { drain(): Promise<unknown> } | null;
  readonly journal: BatchCloseDeps['journal'];
  /** The reversal sender and, for an ISO 8583 host, the client that sends the 0500 (`HostSetup`). */
  readonly host: { readonly iso8583: Pick<Iso8583HostClient, 'reconcile'> | null; readonly sender: { drain(): Promise<DrainResult> } };
  readonly terminal: BatchCloseDeps['terminal'];
  readonly clock: () => Date;
}

export function ecrBatchRoutes(deps: EcrBatchDeps): EcrRoutes {
  return {
    async answer(route) {
      switch (route) {
        case 'GET /v1/totals':
          return { status: 200, body: deps.journal.batches.totals() };
        case 'POST /v1/batch/close': {
          const iso8583 = deps.host.iso8583;
          if (iso8583 === null) throw new PosError('ECR_BATCH_CLOSE_UNSUPPORTED', 'The host takes no batch close (0500): it speaks no ISO 8583', { fields: ['host.type'] });
          const { advices } = deps;
          const result = await deps.engine.exclusive(() =>
            closeBatch({
              journal: deps.journal,
              ...(advices === null ? {} : { drainAdvices: () => advices.drain() }),
              drainReversals: () => deps.host.sender.drain(),
              reconcile: (request) => iso8583.reconcile(request),
              terminal: deps.terminal,
              clock: deps.clock,
            }),
          );
          return { status: 200, body: result };
        }
        default:
          return undefined;
      }
    },
  };
}
