/**
 * Store-and-forward assembled from config, for the composition root: the
 * policy, the approvals the ledger asks, and the forwarder that sends the
 * advices over the host client's 0220/0221. Only an ISO 8583 host takes
 * advices; with another host (the HTTPS JSON gateway) the terminal stays
 * online-only and says so.
 */
import type { Logger } from 'pino';
import type { CardBrand } from '../card/types.js';
import type { StoreAndForwardConfig } from '../config/schema.js';
import type { EntryMode } from '../devices/card-reader.js';
import { Iso8583HostClient } from '../host/iso8583/client.js';
import type { HostClient } from '../host/model.js';
import type { AdviceSealingKey } from '../host/messages/sealed-advice.js';
import { AdviceSealer } from './advice-card.js';
import { AdviceForwarder } from './advice-forwarder.js';
import { HostAdviceSender } from './advice-sender.js';
import type { Journal } from './journal/index.js';
import { OfflineApprovals } from './offline-approver.js';
import { StoreAndForward, type AdviceLife, type OfflinePolicy } from './store-and-forward.js';

/**
 * With `chipOnly: false`, contactless and a plain swipe may be approved too;
 * a fallback swipe (the chip failed) and a keyed PAN never are.
 */
const ANY_READ: readonly EntryMode[] = ['chip', 'contactless', 'swipe'];

export function policyFromConfig(config: StoreAndForwardConfig): OfflinePolicy {
  return {
    floorLimits: definedOnly(config.floorLimits),
    entryModes: config.chipOnly ? ['chip'] : ANY_READ,
    refundLimitMinor: config.refundLimit,
    maxQueuedCount: config.maxCount,
    maxQueuedTotalMinor: config.maxTotal,
  };
}

function definedOnly(limits: StoreAndForwardConfig['floorLimits']): Partial<Record<CardBrand, number>> {
  const out: Partial<Record<CardBrand, number>> = {};
  for (const [brand, limit] of Object.entries(limits) as [CardBrand, number | undefined][]) if (limit !== undefined) out[brand] = limit;
  return out;
}

export function adviceLifeFromConfig(config: StoreAndForwardConfig): AdviceLife {
  return { maxAgeDays: config.adviceMaxAgeDays, maxAttempts: config.adviceMaxAttempts };
}

export interface OfflineApprovalsHealth {
  readonly queued: number;
  /** The money waiting for the host, purchases and refunds alike (what the queue cap weighs). */
  readonly queuedTotal: number;
  readonly expired: number;
  /**
   * Refunds approved offline whose advice expired: the customer was told
   * they were credited and the acquirer never heard of it — the merchant
   * must pay these back another way.
   */
  readonly expiredRefunds: { readonly count: number; readonly amountMinor: number };
}

/**
 * For `/v1/health`: how many offline approvals wait for the host, how much
 * money, and how many expired unacknowledged (the operator's to settle).
 */
export function offlineApprovalsHealth(journal: Journal): OfflineApprovalsHealth {
  const pending = journal.advices.pending();
  const expired = journal.list({ status: 'advice-expired' });
  const refunds = expired.filter((e) => e.kind === 'refund');
  return {
    queued: pending.length,
    queuedTotal: pending.reduce((sum, a) => sum + a.amountMinor, 0),
    expired: expired.length,
    expiredRefunds: { count: refunds.length, amountMinor: refunds.reduce((sum, e) => sum + e.amountMinor, 0) },
  };
}

export interface StoreAndForwardSetup {
  /** What the ledger asks (`JournalLedger`): the policy, the offline approval, the sealed advice. */
  readonly approvals: OfflineApprovals;
  readonly forwarder: AdviceForwarder;
  close(): void;
}

export interface StoreAndForwardDeps {
  readonly journal: Journal;
  /** The acquirer's public key (`acquirer-advice.pub`): advices are sealed to it, never opened here. */
  readonly adviceKey: AdviceSealingKey;
  readonly clock?: () => Date;
  readonly host: HostClient;
  /** One pass of the reversal sender: advices go after pending reversals. */
  readonly drainReversals: () => Promise<{ readonly remaining: number }>;
  readonly merchantId: string;
  readonly logger: Logger;
}

/** Null when store-and-forward is off, or the host takes no advices. The forwarder is started. */
export function setUpStoreAndForward(config: StoreAndForwardConfig, deps: StoreAndForwardDeps): StoreAndForwardSetup | null {
  if (!config.enabled) return null;
  const { host, logger } = deps;
  if (!(host instanceof Iso8583HostClient)) {
    logger.warn({ host: host.description }, 'store-and-forward is enabled but this host takes no advices: online only');
    return null;
  }
  const sealer = new AdviceSealer(deps.adviceKey);
  const saf = new StoreAndForward({
    journal: deps.journal,
    policy: policyFromConfig(config),
    life: adviceLifeFromConfig(config),
    ...(deps.clock === undefined ? {} : { clock: deps.clock }),
    sender: new HostAdviceSender({
      journal: deps.journal,
      merchantId: deps.merchantId,
      advise: (request, authCode, repeat) => host.advise(request, authCode, repeat),
    }),
  });
  const forwarder = new AdviceForwarder({ saf, drainReversals: deps.drainReversals, intervalMs: config.flushIntervalMs, logger });
  forwarder.start();
  logger.info(
    { floorLimits: config.floorLimits, chipOnly: config.chipOnly, maxCount: config.maxCount, maxTotal: config.maxTotal, adviceKeyId: sealer.keyId },
    'store-and-forward on',
  );
  return {
    approvals: new OfflineApprovals({ saf, sealer, journal: deps.journal }),
    forwarder,
    close: () => {
      forwarder.stop();
    },
  };
}
