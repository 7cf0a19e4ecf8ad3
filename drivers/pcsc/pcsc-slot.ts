/**
 * One card slot of a PC/SC reader, through pcscd: the reader chosen by a
 * name pattern, its cards as sessions with a `Transmit` for the EMV kernel.
 *
 * The contract:
 * - `openPcscSlot` loads the binding (`PCSC_LIBRARY_UNAVAILABLE` when it
 *   cannot) and starts watching; it does not fail because pcscd is down or
 *   the reader is absent: `state()` says so and the slot keeps looking
 *   (every `rescanMs`), so a reader unplugged and plugged back, or pcscd
 *   restarted, is found again without the caller doing anything.
 * - The reader is the first in pcscd's list whose name `readerPattern`
 *   matches ("Virtual PCD 00 00", "ACS ACR39U ICC Reader 00 00", …); while
 *   it stays, the slot keeps it.
 * - `waitForCard(signal)` resolves with a `CardSession` for the card in the
 *   reader now or the next one inserted, connected exclusively with T=0 or
 *   T=1, whichever it offers. One wait at a time (`DEVICE_BUSY`), and none
 *   while a session is connected (disconnect it first). It rejects with
 *   `DEVICE_READ_CANCELLED` when `signal` aborts or the slot closes,
 *   `PCSC_CARD_IN_USE` when another program holds the card,
 *   `PCSC_CONNECT_FAILED` when the card cannot be powered (mute,
 *   unsupported), `DEVICE_CLOSED` after `close()`.
 * - `CardSession.transmit(command)` is the kernel's `Transmit`: one command
 *   APDU to its whole response APDU (T=0's 61xx/6Cxx resolved,
 *   `procedure-bytes.ts`), one exchange at a time (`DEVICE_BUSY`). A card
 *   pulled before or during the exchange rejects with `EMV_CARD_REMOVED` —
 *   at once when pcscd or the reader says so, else as soon as pcscd reports
 *   the slot empty (it polls some readers, vpcd among them, every 400 ms;
 *   `removalSettleMs` bounds the wait). A reader unplugged is
 *   `PCSC_READER_REMOVED`, pcscd gone `PCSC_SERVICE_UNAVAILABLE`, a failure
 *   with the card still in `PCSC_TRANSMIT_FAILED`, an answer without a
 *   status word `PCSC_RESPONSE_INVALID`; after `disconnect()`, `DEVICE_CLOSED`.
 * - `CardSession.removed` resolves (never rejects) when that card leaves the
 *   slot — also after `disconnect()`, so a caller can wait for "remove card" —
 *   with why: `card-removed`, `reader-removed`, `service-stopped`,
 *   `slot-closed`.
 * - `close()` ends every wait and session, releases the PC/SC contexts, and
 *   resolves when the watcher has stopped.
 *
 * Two PC/SC contexts: a waiting `SCardGetStatusChange` blocks its context
 * (and holds one libuv pool thread), so card handles live on a second one.
 * Nothing here logs APDU bytes; the ATR (not card data) and reader names are
 * logged.
 */
import type { Transmit } from '../../src/emv/kernel/apdu.js';
import type { Logger } from '../../src/log/logger.js';
import { PosError } from '../../src/util/errors.js';
import { deviceClosed, readBusy, readCancelled } from '../shared/device-errors.js';
import {
  eventCount,
  PcscCallError,
  PNP_NOTIFICATION,
  SCARD_STATE,
  STATE_FLAGS_MASK,
  type Disposition,
  type PcscBinding,
  type PcscCardHandle,
  type PcscContext,
  type PcscFailure,
  type PcscProtocol,
  type ReaderStatus,
} from './pcsc-binding.js';
import { exchangeApdu } from './procedure-bytes.js';
import { loadSmartcardBinding } from './smartcard-binding.js';

/** Where the slot stands: looking for pcscd, for the reader, or watching the reader's card slot. */
export type SlotState = 'starting' | 'no-service' | 'no-reader' | 'empty' | 'card-present' | 'closed';

export interface SlotStatus {
  readonly state: SlotState;
  /** The reader in use, from `empty` and `card-present`. */
  readonly reader?: string;
}

/** Why a session's card is gone. */
export type RemovalReason = 'card-removed' | 'reader-removed' | 'service-stopped' | 'slot-closed';

/** A card in the slot, connected. */
export interface CardSession {
  readonly reader: string;
  /** The Answer To Reset (ISO/IEC 7816-3 §8). */
  readonly atr: Buffer;
  readonly protocol: PcscProtocol;
  /** One command APDU → its whole response APDU; see the module's contract. */
  readonly transmit: Transmit;
  /** Resolves when this card leaves the slot (or the slot can no longer see it); never rejects. */
  readonly removed: Promise<RemovalReason>;
  /**
   * Releases the card, idempotent. `leave` (default) hands it back to pcscd
   * as it is (pcscd powers an idle card down by itself); `unpower` (EMV's
   * deactivation, Book 1 §6.1.5) and `reset` make pcscd talk to the card
   * inside SCardDisconnect, which blocks this thread: with a virtual card
   * served by this same process through vpcd that never returns, so use
   * them only with a real reader.
   */
  disconnect(disposition?: Disposition): void;
}

export interface PcscSlot {
  waitForCard(signal?: AbortSignal): Promise<CardSession>;
  state(): SlotStatus;
  /** Calls `listener` on every change of `state()`; returns the unsubscribe. */
  onReaderChange(listener: (status: SlotStatus) => void): () => void;
  close(): Promise<void>;
}

export interface PcscSlotOptions {
  /** Which reader: the first whose PC/SC name matches. */
  readonly readerPattern: RegExp;
  readonly logger: Logger;
  /** The PC/SC binding; default npm `smartcard`, imported now. */
  readonly binding?: PcscBinding;
  /** How long a look at the reader lasts before the list is read again, and the retry interval while pcscd is down. Default 1000 ms. */
  readonly rescanMs?: number;
  /** After an exchange failed or came back empty, how long to wait for pcscd to report the card gone before calling it a card or reader failure. Default 1500 ms (pcscd polls every 400 ms). */
  readonly removalSettleMs?: number;
}

/** The name errors and logs give this device. */
const DEVICE = 'pcsc reader';
const DEFAULT_RESCAN_MS = 1000;
const DEFAULT_REMOVAL_SETTLE_MS = 1500;
/** Connecting to a card pcscd has only just seen can fail while it powers the card; tries per card before waiting for the next one. */
const CONNECT_ATTEMPTS = 5;
/** Failures of SCardConnect that mean "not now" rather than "this card cannot". */
const TRANSIENT_CONNECT: ReadonlySet<PcscFailure> = new Set(['removed', 'no-card', 'reset', 'reader-unavailable', 'no-service', 'closed']);
const SW_BYTES = 2;

/** A reader state as handed back to wait for the next change: without CHANGED and IGNORE, which describe the call, not the reader. */
function settledState(state: number): number {
  return state & ~(SCARD_STATE.CHANGED | SCARD_STATE.IGNORE);
}

export async function openPcscSlot(options: PcscSlotOptions): Promise<PcscSlot> {
  const binding = options.binding ?? (await loadSmartcardBinding());
  return new Slot(binding, options);
}

/** A pending `waitForCard`. */
interface Waiter {
  readonly resolve: (session: CardSession) => void;
  readonly reject: (err: PosError) => void;
  readonly detach: () => void;
}

class Slot implements PcscSlot {
  readonly #binding: PcscBinding;
  readonly #pattern: RegExp;
  readonly #logger: Logger;
  readonly #rescanMs: number;
  readonly #settleMs: number;
  readonly #listeners = new Set<(status: SlotStatus) => void>();
  /** Sessions whose card is still in the slot (connected or not): each learns when it leaves. */
  readonly #sessions = new Set<Session>();
  /** The binding's transmits in flight, of every session (ended ones too): the card context outlives them. */
  readonly #transmitting = new Set<Promise<unknown>>();
  #status: SlotStatus = { state: 'starting' };
  #monitor: PcscContext | undefined;
  #io: PcscContext | undefined;
  /** The reader's last state as PC/SC reported it, handed back to wait for the next change. */
  #readerState = 0;
  #pnpState = 0;
  /** pcsc-lite's card event count when the present card was seen: another value means another card. */
  #cardEvent: number | undefined;
  #waiter: Waiter | undefined;
  #connecting = false;
  #connectAttempts = 0;
  #closed = false;
  #wakeSleep: (() => void) | undefined;
  readonly #loop: Promise<void>;

  constructor(binding: PcscBinding, options: PcscSlotOptions) {
    this.#binding = binding;
    this.#pattern = new RegExp(options.readerPattern.source, options.readerPattern.flags.replace(/[gy]/g, ''));
    this.#logger = options.logger;
    this.#rescanMs = options.rescanMs ?? DEFAULT_RESCAN_MS;
    this.#settleMs = options.removalSettleMs ?? DEFAULT_REMOVAL_SETTLE_MS;
    this.#loop = this.#watch();
  }

  state(): SlotStatus {
    return this.#status;
  }

  onReaderChange(listener: (status: SlotStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  waitForCard(signal?: AbortSignal): Promise<CardSession> {
    if (this.#closed) return Promise.reject(deviceClosed(DEVICE));
    if (this.#waiter !== undefined) return Promise.reject(readBusy(DEVICE));
    if ([...this.#sessions].some((s) => s.connected)) return Promise.reject(new PosError('DEVICE_BUSY', `${DEVICE} has a card session open: disconnect it first`, { device: DEVICE }));
    if (signal?.aborted === true) return Promise.reject(readCancelled(DEVICE, 'aborted'));
    this.#connectAttempts = 0;
    return new Promise<CardSession>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.#waiter !== waiter) return;
        this.#waiter = undefined;
        reject(readCancelled(DEVICE, 'aborted'));
      };
      const waiter: Waiter = { resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiter = waiter;
      this.#offerCard();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return this.#loop;
    this.#closed = true;
    this.#monitor?.cancel();
    this.#wakeSleep?.();
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.detach();
    waiter?.reject(readCancelled(DEVICE, 'closed'));
    this.#cardLeft('slot-closed');
    await this.#loop;
    this.#set({ state: 'closed' });
  }

  // ── Watching pcscd ────────────────────────────────────────────────────

  async #watch(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#look();
      } catch (err) {
        this.#lost(err);
        await this.#sleep(this.#rescanMs);
      }
    }
    this.#dropContexts();
  }

  /** One look: list the readers, then wait for the chosen reader (or the reader list) to change, at most `rescanMs`. */
  async #look(): Promise<void> {
    const monitor = this.#contexts().monitor;
    const chosen = this.#choose(monitor.listReaders());
    if (chosen === undefined) {
      if (this.#status.reader !== undefined) this.#readerGone();
      this.#set({ state: 'no-reader' });
      const changes = await monitor.waitForChange([{ name: PNP_NOTIFICATION, state: this.#pnpState }], this.#rescanMs);
      if (typeof changes !== 'string') this.#takePnp(changes);
      return;
    }
    if (chosen.name !== this.#status.reader) {
      if (this.#status.reader !== undefined) this.#readerGone();
      this.#readerState = 0;
    }
    if (settledState(chosen.state) !== this.#readerState) this.#observe(chosen);
    const changes = await monitor.waitForChange(
      [
        { name: chosen.name, state: this.#readerState },
        { name: PNP_NOTIFICATION, state: this.#pnpState },
      ],
      this.#rescanMs,
    );
    if (typeof changes === 'string' || this.#closed) return;
    this.#takePnp(changes);
    const mine = changes.find((c) => c.name === chosen.name);
    if (mine !== undefined && settledState(mine.state) !== this.#readerState) this.#observe(mine);
  }

  #takePnp(changes: readonly ReaderStatus[]): void {
    const pnp = changes.find((c) => c.name === PNP_NOTIFICATION);
    if (pnp !== undefined) this.#pnpState = pnp.state;
  }

  /** The reader to use: the one in use while it is listed, else the first whose name matches. */
  #choose(readers: readonly ReaderStatus[]): ReaderStatus | undefined {
    const current = this.#status.reader;
    return readers.find((r) => r.name === current) ?? readers.find((r) => this.#pattern.test(r.name));
  }

  /** What a reader state says about the reader and its card. */
  #observe(reader: ReaderStatus): void {
    const flags = reader.state & STATE_FLAGS_MASK;
    if ((flags & (SCARD_STATE.UNKNOWN | SCARD_STATE.UNAVAILABLE)) !== 0) {
      // Gone from pcscd (unplugged) or its driver cannot read it: as good as no reader.
      if (this.#status.reader !== undefined) this.#readerGone();
      this.#readerState = 0;
      this.#set({ state: 'no-reader' });
      return;
    }
    this.#readerState = settledState(reader.state);
    if ((flags & SCARD_STATE.PRESENT) !== 0) {
      const event = eventCount(reader.state);
      if (this.#cardEvent !== undefined && event !== this.#cardEvent) this.#cardLeft('card-removed'); // pulled and another inserted between two looks
      if (this.#cardEvent !== event) {
        this.#connectAttempts = 0;
        const mute = (flags & SCARD_STATE.MUTE) !== 0;
        this.#logger.info({ reader: reader.name, atr: reader.atr?.toString('hex').toUpperCase(), mute }, 'card inserted');
      }
      this.#cardEvent = event;
      this.#set({ state: 'card-present', reader: reader.name });
      this.#offerCard();
    } else {
      if (this.#cardEvent !== undefined) {
        this.#logger.info({ reader: reader.name }, 'card removed');
        this.#cardLeft('card-removed');
      }
      this.#set({ state: 'empty', reader: reader.name });
    }
  }

  #readerGone(): void {
    this.#logger.warn({ reader: this.#status.reader }, 'card reader removed');
    this.#cardLeft('reader-removed');
    this.#readerState = 0;
  }

  /** The watcher failed: pcscd stopped, or a context went bad. Start over with new contexts. */
  #lost(err: unknown): void {
    const failure = err instanceof PcscCallError ? err.failure : undefined;
    this.#cardLeft('service-stopped');
    this.#dropContexts();
    this.#readerState = 0;
    this.#pnpState = 0;
    if (this.#closed) return;
    if (this.#status.state !== 'no-service') {
      if (failure === undefined) this.#logger.error({ err }, 'PC/SC watcher failed');
      else this.#logger.warn({ failure }, 'PC/SC service not available: pcscd is not running');
    }
    this.#set({ state: 'no-service' });
  }

  #contexts(): { monitor: PcscContext; io: PcscContext } {
    if (this.#monitor === undefined || this.#io === undefined) {
      this.#dropContexts();
      const monitor = this.#binding.establish();
      try {
        this.#io = this.#binding.establish();
      } catch (err) {
        monitor.close();
        throw err;
      }
      this.#monitor = monitor;
    }
    return { monitor: this.#monitor, io: this.#io };
  }

  #dropContexts(): void {
    const monitor = this.#monitor;
    const io = this.#io;
    this.#monitor = undefined;
    this.#io = undefined;
    monitor?.close();
    // A card handle's exchange in flight must finish before its context goes (SCardReleaseContext would wait for it on this thread).
    if (io !== undefined) void Promise.allSettled([...this.#transmitting]).then(() => io.close());
  }

  #sleep(ms: number): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeSleep = done;
    });
  }

  #set(status: SlotStatus): void {
    if (status.state === this.#status.state && status.reader === this.#status.reader) return;
    if (status.state === 'no-reader' && this.#status.state !== 'no-reader') this.#logger.info({ pattern: this.#pattern.source }, 'waiting for a PC/SC reader');
    if ((status.state === 'empty' || status.state === 'card-present') && status.reader !== this.#status.reader) this.#logger.info({ reader: status.reader }, 'card reader ready');
    this.#status = status;
    for (const listener of this.#listeners) {
      try {
        listener(status);
      } catch (err) {
        this.#logger.error({ err }, 'reader change listener threw');
      }
    }
  }

  // ── Cards ─────────────────────────────────────────────────────────────

  /** The present card's sessions learn it has gone; the next card starts afresh. */
  #cardLeft(reason: RemovalReason): void {
    this.#cardEvent = undefined;
    for (const session of this.#sessions) session.end(reason);
    this.#sessions.clear();
  }

  /** Connects the waiting caller to the present card, if there are both. */
  #offerCard(): void {
    const waiter = this.#waiter;
    const io = this.#io;
    const reader = this.#status.reader;
    const event = this.#cardEvent;
    if (waiter === undefined || io === undefined || reader === undefined || this.#status.state !== 'card-present' || this.#connecting) return;
    if (this.#connectAttempts >= CONNECT_ATTEMPTS) return;
    this.#connectAttempts++;
    this.#connecting = true;
    io.connect(reader, true).then(
      (handle) => {
        this.#connecting = false;
        if (this.#waiter !== waiter || this.#cardEvent !== event || this.#closed) {
          handle.disconnect('leave');
          this.#offerCard();
          return;
        }
        this.#waiter = undefined;
        waiter.detach();
        const session = new Session(handle, reader, this.#settleMs, (transmit) => {
          this.#transmitting.add(transmit);
          void transmit.then(() => this.#transmitting.delete(transmit));
        });
        this.#sessions.add(session);
        this.#logger.info({ reader, protocol: handle.protocol }, 'card connected');
        waiter.resolve(session.api);
      },
      (err: unknown) => {
        this.#connecting = false;
        if (this.#waiter !== waiter) return;
        const failure = err instanceof PcscCallError ? err.failure : 'other';
        if (TRANSIENT_CONNECT.has(failure)) {
          // The watcher will see the card go or the service fail; until then try again shortly.
          setTimeout(() => this.#offerCard(), Math.max(1, Math.floor(this.#rescanMs / 5))).unref();
          return;
        }
        this.#waiter = undefined;
        waiter.detach();
        this.#logger.warn({ reader, failure }, 'card connect failed');
        waiter.reject(
          failure === 'sharing'
            ? new PosError('PCSC_CARD_IN_USE', `Another program holds the card in ${reader}`, { reader }, { cause: err })
            : new PosError('PCSC_CONNECT_FAILED', `The card in ${reader} could not be connected (${failure})`, { reader, failure }, { cause: err }),
        );
      },
    );
  }
}

/** What one exchange through the handle came to: an answer, a failure, or the card gone first. */
type Outcome = { readonly response: Buffer } | { readonly failure: PcscFailure; readonly cause: unknown } | { readonly removed: RemovalReason };

class Session {
  readonly #handle: PcscCardHandle;
  readonly #reader: string;
  readonly #settleMs: number;
  readonly #removed: Promise<RemovalReason>;
  readonly #removedOutcome: Promise<Outcome>;
  #resolveRemoved!: (reason: RemovalReason) => void;
  #ended: RemovalReason | undefined;
  #disconnected = false;
  /** The exchange the caller is in (one at a time). */
  #inflight: Promise<unknown> | undefined;
  /** The binding's transmit in flight: it may outlive the exchange when the card was pulled. */
  #native: Promise<unknown> | undefined;
  readonly api: CardSession;

  readonly #track: (transmit: Promise<unknown>) => void;

  constructor(handle: PcscCardHandle, reader: string, settleMs: number, track: (transmit: Promise<unknown>) => void) {
    this.#handle = handle;
    this.#track = track;
    this.#reader = reader;
    this.#settleMs = settleMs;
    this.#removed = new Promise((resolve) => (this.#resolveRemoved = resolve));
    this.#removedOutcome = this.#removed.then((removed) => ({ removed }));
    this.api = {
      reader,
      atr: Buffer.from(handle.atr),
      protocol: handle.protocol,
      transmit: (command) => this.#transmit(command),
      removed: this.#removed,
      disconnect: (disposition = 'leave') => this.#disconnect(disposition),
    };
  }

  get connected(): boolean {
    return !this.#disconnected && this.#ended === undefined;
  }

  /** The card has gone: every exchange from now on says why, and the handle is released (once idle). */
  end(reason: RemovalReason): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    this.#resolveRemoved(reason);
    this.#release('leave');
  }

  #disconnect(disposition: Disposition): void {
    if (this.#disconnected || this.#ended !== undefined) {
      this.#disconnected = true;
      return;
    }
    this.#release(disposition);
  }

  #release(disposition: Disposition): void {
    if (this.#disconnected) return;
    this.#disconnected = true;
    // SCardDisconnect waits for an exchange in flight on the same handle, on this thread: let it finish first.
    const native = this.#native;
    if (native === undefined) this.#handle.disconnect(disposition);
    else void native.then(() => this.#handle.disconnect(disposition));
  }

  async #transmit(command: Buffer): Promise<Buffer> {
    if (this.#ended !== undefined) throw removalError(this.#ended, this.#reader);
    if (this.#disconnected) throw deviceClosed(`${DEVICE} card session`);
    if (this.#inflight !== undefined) throw new PosError('DEVICE_BUSY', `${DEVICE} has an exchange in flight`, { device: DEVICE });
    const exchange = exchangeApdu((c) => this.#raw(c), command, this.#handle.protocol);
    this.#inflight = exchange.catch(() => undefined);
    try {
      return await exchange;
    } finally {
      this.#inflight = undefined;
    }
  }

  /** One exchange with the reader, its failures named. */
  async #raw(command: Buffer): Promise<Buffer> {
    if (this.#ended !== undefined) throw removalError(this.#ended, this.#reader);
    const sent: Promise<Outcome> = this.#handle.transmit(command).then(
      (response) => ({ response }),
      (cause: unknown) => ({ failure: cause instanceof PcscCallError ? cause.failure : 'other', cause }),
    );
    this.#native = sent;
    this.#track(sent);
    void sent.then(() => {
      if (this.#native === sent) this.#native = undefined;
    });
    const outcome = await Promise.race([sent, this.#removedOutcome]);
    if ('removed' in outcome) throw removalError(outcome.removed, this.#reader);
    if ('response' in outcome && outcome.response.length >= SW_BYTES) return outcome.response;
    if ('failure' in outcome) {
      const { failure, cause } = outcome;
      if (failure === 'removed' || failure === 'no-card') throw removalError('card-removed', this.#reader, cause);
      if (failure === 'reader-unavailable') throw removalError('reader-removed', this.#reader, cause);
      if (failure === 'no-service') throw removalError('service-stopped', this.#reader, cause);
    }
    // A failure PC/SC does not name, or an answer with no status word (vpcd's when its card's socket closed):
    // the card may have just left, and pcscd has not looked yet. Wait for its word.
    const settled = await this.#settle();
    if (settled !== undefined) throw removalError(settled, this.#reader);
    if ('failure' in outcome) {
      throw new PosError('PCSC_TRANSMIT_FAILED', `The exchange with the card in ${this.#reader} failed (${outcome.failure})`, { reader: this.#reader, failure: outcome.failure }, { cause: outcome.cause });
    }
    throw new PosError('PCSC_RESPONSE_INVALID', `The card in ${this.#reader} answered without a status word`, { reader: this.#reader, length: outcome.response.length });
  }

  /** The removal reason if the card leaves within `settleMs`, else undefined. */
  async #settle(): Promise<RemovalReason | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const elapsed = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), this.#settleMs);
    });
    try {
      return await Promise.race([this.#removed, elapsed]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The error an exchange gives once its card has gone. */
function removalError(reason: RemovalReason, reader: string, cause?: unknown): PosError {
  const options = cause === undefined ? undefined : { cause };
  switch (reason) {
    case 'card-removed':
      return new PosError('EMV_CARD_REMOVED', `The card left ${reader}`, { reader }, options);
    case 'reader-removed':
      return new PosError('PCSC_READER_REMOVED', `${reader} went away`, { reader }, options);
    case 'service-stopped':
      return new PosError('PCSC_SERVICE_UNAVAILABLE', 'pcscd stopped', { reader }, options);
    case 'slot-closed':
      return deviceClosed(DEVICE);
  }
}
