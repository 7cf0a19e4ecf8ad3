/**
 * A `ChipCardReader` whose terminal runs EMV itself: a contact slot that
 * gives APDUs (a PC/SC reader, or an in-process virtual card in tests), the
 * project's kernel (`src/emv/kernel/`) over it, and, optionally, a paired
 * magstripe reader for swipes and for fallback after a chip failure.
 *
 *   readCard     → the first card event wins: a card in the slot (the kernel
 *                  runs up to the first GENERATE AC; the PIN pad is asked
 *                  through `ReadRequest.enterOnlinePin` when the CVM is online
 *                  PIN) or a swipe on the paired reader
 *   completeChip → the kernel's completion with the host's answer, or with
 *                  "unable to go online"; then the card is released
 *
 * A chip failure that is the card's (no common application, unusable data,
 * a card that does not answer) lets the paired stripe reader take a fallback
 * swipe (entry mode `fallback`); a pulled card or a cancel never does.
 */
import type { Logger } from 'pino';
import type { ChipCard } from '../../src/card/types.js';
import type { CardRead, CardReader, ChipCardReader, ChipCompletion, ChipRead, DeviceState, EmvSummary, HostAnswerForCard, ReadRequest, SwipeRead } from '../../src/devices/card-reader.js';
import { encode } from '../../src/emv/ber-tlv.js';
import type { Transmit } from '../../src/emv/kernel/apdu.js';
import { TRANSACTION_TYPE } from '../../src/emv/kernel/context.js';
import { EmvTransaction, type KernelSummary } from '../../src/emv/kernel/transaction.js';
import { currencyByNumeric } from '../../src/emv/iso-codes.js';
import { silentLogger } from '../../src/log/logger.js';
import { asPosError, PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import type { ChipKernel } from '../shared/chip-kernel.js';
import { readBusy, readCancelled } from '../shared/device-errors.js';
import { cardFromTrack2Equivalent } from '../shared/track2-equivalent.js';

/** A card in a contact slot: its ATR and an APDU exchange that already resolves T=0's procedure bytes. */
export interface CardSession {
  readonly atr: Buffer;
  readonly transmit: Transmit;
  /** Resolves (never rejects) once the card has left the slot, also after `disconnect()`. */
  readonly removed: Promise<unknown>;
  /** Releases the card. Idempotent. */
  disconnect(): Promise<void>;
}

/** A contact slot: waits for a card. */
export interface CardSlot {
  readonly name: string;
  /** Resolves when a card is in the slot and powered; rejects with kind `cancelled` when `signal` aborts. */
  waitForCard(signal: AbortSignal): Promise<CardSession>;
  state(): DeviceState;
  close(): Promise<void>;
}

export interface EmvContactReaderOptions {
  readonly slot: CardSlot;
  readonly kernel: ChipKernel;
  /** A magstripe reader for swipes and fallback; absent for a chip-only terminal. */
  readonly stripe?: CardReader;
  readonly logger?: Logger;
}

/**
 * Errors that are the chip's, after which a fallback swipe is allowed (it
 * goes online, flagged as fallback, for the issuer to judge): no application
 * in common, or a chip that did not answer as EMV says. A card that answered
 * that it or its application is blocked has decided: no fallback.
 */
const CHIP_FAILURES = new Set(['EMV_NO_APPLICATION', 'EMV_CARD_STATUS', 'EMV_CARD_DATA_INVALID', 'EMV_CARD_DATA_MISSING', 'EMV_APDU_INVALID']);

interface Pending {
  readonly txn: EmvTransaction;
  readonly session: CardSession;
}

class EmvContactReader implements ChipCardReader {
  readonly name: string;
  readonly capabilities = { chip: true } as const;
  readonly #slot: CardSlot;
  readonly #kernel: ChipKernel;
  readonly #stripe: CardReader | undefined;
  readonly #log: Logger;
  #armed = false;
  #pending: Pending | undefined;
  /** The last card read, until it leaves the slot: the next chip read is of a new card, never of one left in. */
  #lastCard: Promise<unknown> | undefined;

  constructor(options: EmvContactReaderOptions) {
    this.#slot = options.slot;
    this.#kernel = options.kernel;
    this.#stripe = options.stripe;
    this.name = options.stripe === undefined ? options.slot.name : `${options.slot.name}+${options.stripe.name}`;
    this.#log = (options.logger ?? silentLogger).child({ device: this.name });
  }

  state(): DeviceState {
    return this.#slot.state();
  }

  async readCard(request: ReadRequest, signal: AbortSignal): Promise<CardRead> {
    if (this.#armed) throw readBusy(this.name);
    this.#armed = true;
    await this.#release();
    const local = new AbortController();
    const onAbort = (): void => local.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const first = await this.#firstCard(request, local.signal);
      if (first.kind === 'swipe') return first.read;
      return await this.#chip(first.session, request, local.signal);
    } catch (error) {
      if (signal.aborted) throw readCancelled(this.name, 'aborted');
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
      local.abort();
      this.#armed = false;
    }
  }

  /** The slot and the stripe race; the loser is stopped. */
  async #firstCard(request: ReadRequest, signal: AbortSignal): Promise<{ kind: 'chip'; session: CardSession } | { kind: 'swipe'; read: CardRead }> {
    const race = new AbortController();
    const stop = (): void => race.abort();
    signal.addEventListener('abort', stop, { once: true });
    const chip = this.#cardTakenOut(race.signal)
      .then(() => this.#slot.waitForCard(race.signal))
      .then((session) => {
        this.#lastCard = session.removed;
        return { kind: 'chip' as const, session };
      });
    const swipe = this.#stripe?.readCard(request, race.signal).then((read) => ({ kind: 'swipe' as const, read }));
    try {
      const winner = await Promise.race(swipe === undefined ? [chip] : [chip, swipe]);
      race.abort();
      // The loser's late success must not leak: a session is released, a swipe wiped.
      void chip.then((other) => (winner.kind === 'chip' ? undefined : other.session.disconnect()), () => undefined);
      void swipe?.then((other) => (winner.kind === 'swipe' ? undefined : wipeRead(other.read)), () => undefined);
      return winner;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }

  /** Resolves once the last card read has left the slot; rejects with kind `cancelled` when `signal` aborts first. */
  async #cardTakenOut(signal: AbortSignal): Promise<void> {
    const last = this.#lastCard;
    if (last === undefined) return;
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(readCancelled(this.name, 'aborted'));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      void last.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
    if (this.#lastCard === last) this.#lastCard = undefined;
  }

  async #chip(session: CardSession, request: ReadRequest, signal: AbortSignal): Promise<CardRead> {
    // The read's cancel stops the kernel at its next APDU; once the read is handed over, completion is not abortable.
    const gate = { signal: signal as AbortSignal | undefined };
    let txn: EmvTransaction;
    try {
      txn = await EmvTransaction.start(
        {
          env: {
            transmit: abortable(session.transmit, gate),
            now: this.#kernel.now,
            unpredictableNumber: this.#kernel.unpredictableNumber,
            randomPercent: this.#kernel.randomPercent,
          },
          config: this.#kernel.config,
          capks: this.#kernel.capks,
          cvm: { onlinePin: this.#kernel.cvm.onlinePin && request.enterOnlinePin !== undefined, signature: this.#kernel.cvm.signature },
          requestOnlinePin: (track2Equivalent) => onlinePin(request, track2Equivalent),
          splitSales: this.#kernel.splitSales,
        },
        {
          amountMinor: request.amountMinor,
          amountOtherMinor: request.cashbackMinor ?? 0,
          currency: request.currency.padStart(4, '0'),
          currencyExponent: currencyByNumeric(Number(request.currency))?.exponent ?? 2,
          ...kernelTransactionType(request),
        },
      );
    } catch (error) {
      await session.disconnect();
      const failure = asPosError(error, 'EMV kernel');
      if (signal.aborted || !CHIP_FAILURES.has(failure.code)) throw failure;
      this.#log.info({ code: failure.code }, 'chip failed');
      if (this.#stripe === undefined) throw new PosError('CHIP_READ_FAILED', 'The chip could not be read and no stripe reader is attached', { cause: failure.code });
      return this.#fallback(request, signal);
    }
    try {
      const read = this.#chipRead(txn, session);
      gate.signal = undefined;
      return read;
    } catch (error) {
      txn.wipe();
      await session.disconnect();
      throw error;
    }
  }

  #chipRead(txn: EmvTransaction, session: CardSession): ChipRead {
    const t2 = txn.track2Equivalent();
    let card: ChipCard;
    try {
      card = cardFromTrack2Equivalent(t2);
    } finally {
      t2.fill(0);
    }
    const data = txn.onlineData();
    const tlv = encode([...data].map(([tag, value]) => ({ tag, value })));
    for (const value of data.values()) value.fill(0);
    const decision = txn.firstDecision;
    if (decision === 'online') {
      this.#pending = { txn, session };
    } else {
      txn.wipe();
      void session.disconnect();
    }
    return {
      entryMode: 'chip',
      card,
      chip: { tlv: Sensitive.of('data', tlv) },
      firstDecision: decision,
      onlinePinEntered: txn.onlinePinEntered,
      emv: summaryOf(txn.summary()),
    };
  }

  async #fallback(request: ReadRequest, signal: AbortSignal): Promise<SwipeRead> {
    request.useStripe?.();
    const read = await (this.#stripe as CardReader).readCard(request, signal);
    if (read.entryMode !== 'swipe' && read.entryMode !== 'fallback') {
      throw new PosError('CHIP_READ_FAILED', 'The paired stripe reader gave a chip read', { device: this.name });
    }
    return { ...read, entryMode: 'fallback' };
  }

  async completeChip(answer: HostAnswerForCard): Promise<ChipCompletion> {
    const pending = this.#pending;
    if (pending === undefined) throw new PosError('CHIP_NO_TRANSACTION', 'No chip transaction is waiting for the host answer', { device: this.name });
    this.#pending = undefined;
    try {
      const completion = await pending.txn.complete(
        answer.unableToGoOnline === true
          ? { kind: 'unable-to-go-online' }
          : { kind: 'answered', arc: Buffer.from(answer.responseCode.padEnd(2, ' ').slice(0, 2), 'latin1'), approved: answer.approved, issuerTlv: answer.issuerTlv },
      );
      const second = completion.secondAc;
      const tlv = encode([
        ...(second === undefined ? [] : [{ tag: '9F26', value: second.cryptogram }, { tag: '9F27', value: Buffer.from([second.cid]) }, { tag: '9F36', value: second.atc }]),
        ...(second?.issuerApplicationData === undefined ? [] : [{ tag: '9F10', value: second.issuerApplicationData }]),
        { tag: '8A', value: completion.arc },
        ...(completion.scriptResults.length > 0 ? [{ tag: '9F5B', value: completion.scriptResults }] : []),
      ]);
      return { decision: completion.decision, tlv, emv: summaryOf(pending.txn.summary()) };
    } finally {
      pending.txn.wipe();
      await pending.session.disconnect();
    }
  }

  async #release(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined) return;
    pending.txn.wipe();
    await pending.session.disconnect();
  }

  async close(): Promise<void> {
    await this.#release();
    await Promise.all([this.#slot.close(), this.#stripe?.close()]);
  }
}

/** The kernel's PIN request, through the engine's PIN pad dialog. */
async function onlinePin(request: ReadRequest, track2Equivalent: Buffer): Promise<'entered' | 'unavailable'> {
  const enter = request.enterOnlinePin;
  if (enter === undefined) return 'unavailable';
  const card = cardFromTrack2Equivalent(track2Equivalent);
  try {
    await enter(card);
    return 'entered';
  } catch (error) {
    const failure = asPosError(error, 'online PIN');
    // No PIN given by the cardholder ends the read; a PIN pad that cannot take one is a CVM the terminal cannot perform.
    if (failure.kind === 'cancelled' || failure.kind === 'timeout') throw failure;
    return 'unavailable';
  } finally {
    card.pan.wipe();
    card.track2.wipe();
  }
}

/** A transmit that refuses to start once the read is cancelled, so the kernel stops at the next APDU. */
function abortable(transmit: Transmit, gate: { readonly signal: AbortSignal | undefined }): Transmit {
  return (command) => {
    if (gate.signal?.aborted === true) return Promise.reject(new PosError('DEVICE_READ_CANCELLED', 'The read was cancelled', { reason: 'aborted' }));
    return transmit(command);
  };
}

function summaryOf(summary: KernelSummary): EmvSummary {
  return summary;
}

function wipeRead(read: CardRead): void {
  read.card.pan.wipe();
  read.card.track2.wipe();
}

export function createEmvContactReader(options: EmvContactReaderOptions): ChipCardReader {
  return new EmvContactReader(options);
}

/** 9C for what the card is read for, and whether the merchant forces it online (a pre-authorization). */
function kernelTransactionType(request: ReadRequest): { readonly transactionType: number; readonly forcedOnline?: true } {
  switch (request.purpose) {
    case 'refund':
      return { transactionType: TRANSACTION_TYPE.refund };
    case 'preauth':
      return { transactionType: TRANSACTION_TYPE.purchase, forcedOnline: true };
    default:
      return { transactionType: (request.cashbackMinor ?? 0) > 0 ? TRANSACTION_TYPE.purchaseWithCashback : TRANSACTION_TYPE.purchase };
  }
}
