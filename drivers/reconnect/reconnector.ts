/**
 * Keeps a device open: when its transport ends with an error (unplugged, EIO,
 * ENXIO, "bad file descriptor"), reports `disconnected`, reopens it with
 * capped exponential backoff and jitter, and reports `connected` with the new
 * transport. Works around any transport with `onClose`/`close` — serial,
 * HID, in-memory — because it only calls the `open` it is given.
 *
 * A port just unplugged can still be held by the dying handle for a moment
 * (serialport: "Cannot lock port", EBUSY; hidraw: EBUSY). Such a failure is
 * retried after a short fixed delay, `busyRetries` times, before it counts as
 * an ordinary failed attempt.
 *
 *   connected ──onClose(error)──▶ disconnected ──open() ok──▶ connected
 *       │                              │  ▲
 *       │ close()                      └──┘ open() failed: wait min(max, initial·factorⁿ) ± jitter
 *       ▼
 *     closed
 *
 * The composition root builds the driver again on each `connected` (a driver
 * ends with its transport), so an armed read fails cleanly with kind
 * `disconnected` and the next read goes to the new driver.
 */
import { PosError, asPosError } from '../../src/util/errors.js';
import { ListenerSet } from '../transport/listener-set.js';

/** What the wrapper needs of a transport: `ByteTransport` and `HidReportTransport` both fit. */
export interface Closable {
  onClose(listener: (error?: PosError) => void): () => void;
  close(): Promise<void>;
}

export interface BackoffOptions {
  /** First delay after a failed open; default 250 ms. */
  readonly initialDelayMs?: number;
  /** Cap; default 10 000 ms. */
  readonly maxDelayMs?: number;
  /** Growth per failed attempt; default 2. */
  readonly factor?: number;
  /** Fraction of the delay added or removed at random; default 0.2 (±20 %). */
  readonly jitter?: number;
  /** [0, 1); default `Math.random`. Tests pass a fixed one. */
  readonly random?: () => number;
}

export interface ReconnectOptions<T extends Closable> extends BackoffOptions {
  /** What is being kept open (`/dev/ttyUSB0`, `hid:0801:0002`), for events and errors. */
  readonly target: string;
  readonly open: () => Promise<T>;
  /** Delay between retries of a port still locked by the old handle; default 100 ms. */
  readonly busyDelayMs?: number;
  /** Consecutive busy retries before the failure counts as an attempt; default 20. */
  readonly busyRetries?: number;
  /** Give up after this many failed attempts in a row (`RECONNECT_GAVE_UP`); default: never. */
  readonly maxAttempts?: number;
}

export type ReconnectEvent<T> =
  | { readonly type: 'connected'; readonly transport: T; readonly attempt: number }
  | { readonly type: 'disconnected'; readonly error: PosError }
  | { readonly type: 'retry'; readonly attempt: number; readonly delayMs: number; readonly busy: boolean; readonly error: PosError }
  | { readonly type: 'gave-up'; readonly error: PosError };

export type ReconnectState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** errno codes and messages that mean the device is gone, not just a failed call. */
const GONE_CODES: ReadonlySet<string> = new Set(['EIO', 'ENXIO', 'ENODEV', 'EBADF', 'ENOENT', 'EPIPE']);
const GONE_TEXT = /bad file descriptor|no such device|i\/o error|device (?:not configured|disconnected)|could not read from hid device/i;
const BUSY_CODES: ReadonlySet<string> = new Set(['EBUSY', 'EAGAIN']);
const BUSY_TEXT = /cannot lock port|resource (?:busy|temporarily unavailable)|device or resource busy/i;

/** True when the error (or any cause) says the device went away. */
export function isDeviceGone(error: unknown): boolean {
  return matchChain(error, (e) => (e instanceof PosError && e.kind === 'disconnected') || GONE_CODES.has(errno(e)) || GONE_TEXT.test(e.message));
}

/** True when the error (or any cause) says the port is still locked by another handle. */
export function isPortBusy(error: unknown): boolean {
  return matchChain(error, (e) => BUSY_CODES.has(errno(e)) || BUSY_TEXT.test(e.message));
}

/** The delay before attempt `attempt` (1-based): capped exponential, then jittered, never above the cap. */
export function backoffDelayMs(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialDelayMs ?? 250;
  const max = options.maxDelayMs ?? 10_000;
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  const base = Math.min(max, initial * factor ** Math.max(0, attempt - 1));
  const jittered = base * (1 - jitter + 2 * jitter * random());
  return Math.round(Math.min(max, Math.max(0, jittered)));
}

export class Reconnector<T extends Closable> {
  readonly #options: ReconnectOptions<T>;
  readonly #events = new ListenerSet<ReconnectEvent<T>>();
  #state: ReconnectState = 'connecting';
  #current: T | undefined;
  #unsubscribe: (() => void) | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #attempt = 0;
  #busyInARow = 0;

  constructor(options: ReconnectOptions<T>) {
    this.#options = options;
  }

  /** Opens for the first time; a failure goes into the same backoff loop (a device plugged in later is picked up). */
  start(): void {
    if (this.#state === 'connecting' && this.#timer === undefined && this.#attempt === 0) void this.#tryOpen();
  }

  onEvent(listener: (event: ReconnectEvent<T>) => void): () => void {
    return this.#events.add(listener);
  }

  state(): ReconnectState {
    return this.#state;
  }

  /** The open transport, while connected. */
  current(): T | undefined {
    return this.#current;
  }

  /**
   * For a failure seen outside `onClose` (a write rejected with EBADF): if it
   * means the device is gone, the transport is dropped and reopened.
   */
  reportFailure(error: unknown): void {
    if (this.#state !== 'connected' || !isDeviceGone(error)) return;
    const current = this.#current;
    this.#lost(asPosError(error, 'reconnect'));
    void current?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    const current = this.#current;
    this.#current = undefined;
    this.#events.clear();
    await current?.close();
  }

  async #tryOpen(): Promise<void> {
    this.#timer = undefined;
    if (this.#state === 'closed') return;
    let transport: T;
    try {
      transport = await this.#options.open();
    } catch (err) {
      this.#failed(asPosError(err, `reconnect ${this.#options.target}`), err);
      return;
    }
    // close() may have run while open() was pending.
    if (this.#isClosed()) {
      await transport.close().catch(() => undefined);
      return;
    }
    const attempt = this.#attempt;
    this.#attempt = 0;
    this.#busyInARow = 0;
    this.#current = transport;
    this.#state = 'connected';
    this.#unsubscribe = transport.onClose((error) => {
      if (this.#current !== transport) return;
      if (error === undefined) {
        // Closed on purpose by whoever holds it: nothing to reopen.
        this.#current = undefined;
        this.#state = 'closed';
        return;
      }
      this.#lost(error);
    });
    this.#events.emit({ type: 'connected', transport, attempt });
  }

  #lost(error: PosError): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#current = undefined;
    this.#state = 'disconnected';
    this.#events.emit({ type: 'disconnected', error });
    this.#schedule(error, false);
  }

  #failed(error: PosError, raw: unknown): void {
    if (this.#state === 'closed' || this.#state === 'connected') return;
    const busy = isPortBusy(raw) && this.#busyInARow < (this.#options.busyRetries ?? 20);
    this.#schedule(error, busy);
  }

  #isClosed(): boolean {
    return this.#state === 'closed';
  }

  #schedule(error: PosError, busy: boolean): void {
    if (this.#state === 'closed') return;
    this.#state = 'disconnected';
    let delayMs: number;
    if (busy) {
      this.#busyInARow++;
      delayMs = this.#options.busyDelayMs ?? 100;
    } else {
      this.#busyInARow = 0;
      this.#attempt++;
      const max = this.#options.maxAttempts;
      if (max !== undefined && this.#attempt > max) {
        const gaveUp = new PosError(
          'RECONNECT_GAVE_UP',
          `${this.#options.target} could not be reopened after ${max} attempts`,
          { target: this.#options.target, attempts: max, lastCode: error.code },
          { cause: error },
        );
        this.#state = 'closed';
        this.#events.emit({ type: 'gave-up', error: gaveUp });
        return;
      }
      delayMs = backoffDelayMs(this.#attempt, this.#options);
    }
    this.#events.emit({ type: 'retry', attempt: this.#attempt, delayMs, busy, error });
    this.#timer = setTimeout(() => void this.#tryOpen(), delayMs);
  }
}

export function createReconnector<T extends Closable>(options: ReconnectOptions<T>): Reconnector<T> {
  return new Reconnector(options);
}

function errno(e: Error): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

function matchChain(error: unknown, test: (e: Error) => boolean): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 8 && e instanceof Error; depth++) {
    if (test(e)) return true;
    e = e.cause;
  }
  return false;
}
