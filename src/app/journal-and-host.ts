/**
 * What a process needs to move money on a state folder, opened in the order
 * a start takes them: the journal (recovered from an unclean stop: requests
 * left unanswered owe their reversal), the reversal duties, the host with its
 * reversal sender, and store-and-forward when it is on. The terminal and
 * `pos batch close` with no terminal running both open them here; `close()`
 * takes them down in reverse.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import { Journal, recoverJournal } from '../txn/journal/index.js';
import { setUpStoreAndForward, type StoreAndForwardSetup } from '../txn/offline-setup.js';
import { ReversalDuties } from '../txn/reversal-duties.js';
import { loadAcquirerAdviceKey } from './acquirer-advice-key.js';
import { startHost, type HostSetup } from './host-setup.js';
import type { Deck } from './simulation/index.js';

export interface JournalAndHost {
  readonly journal: Journal;
  /** Reversal duties outlive a journal that cannot write (disk full): held in memory, sent, written once it can. */
  readonly duties: ReversalDuties;
  readonly host: HostSetup;
  /** Null when store-and-forward is off (or the host takes no advices). */
  readonly saf: StoreAndForwardSetup | null;
  close(): Promise<void>;
}

export async function openJournalAndHost(
  config: Config,
  stateDir: string,
  options: { readonly logger: Logger; readonly clock: () => Date; readonly keyDir: string; readonly deck?: () => Deck },
): Promise<JournalAndHost> {
  const { logger, clock } = options;
  // Offline advices are sealed to the acquirer's public key: missing, nothing opens.
  const adviceKey = config.storeAndForward.enabled ? loadAcquirerAdviceKey(options.keyDir) : null;
  const journal = Journal.open({ dir: stateDir, terminalId: config.terminal.id, clock });
  try {
    for (const change of recoverJournal(journal).changed) logger.warn(change, 'journal recovery after an unclean stop');
    const duties = new ReversalDuties(journal.reversals, logger);
    const host = await startHost(config, { logger, clock, nextStan: () => journal.stan.next(), store: duties, ...(options.deck === undefined ? {} : { deck: options.deck }) });
    const saf =
      adviceKey === null
        ? null
        : setUpStoreAndForward(config.storeAndForward, { journal, adviceKey, clock, host: host.client, drainReversals: () => host.sender.drain(), merchantId: config.terminal.merchantId, logger });
    return {
      journal,
      duties,
      host,
      saf,
      close: async () => {
        saf?.close();
        await host.close();
        journal.close();
      },
    };
  } catch (err) {
    journal.close();
    throw err;
  }
}
