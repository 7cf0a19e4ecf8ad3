/**
 * Devices that survive being unplugged. The terminal holds one `CardReader`,
 * `PinPad` and `Display` for its whole life; a driver, though, ends with its
 * transport. So each device here is a stable wrapper around whatever driver is
 * current:
 *
 *   connected ──transport onClose(DEVICE_DISCONNECTED)──▶ disconnected ──attach() ok──▶ connected
 *                                                            │  ▲  (a fresh driver on a fresh transport)
 *                                                            └──┘  failed: backoff; port still locked: short retry
 *
 * The reopening is `createReconnector` (`reconnector.ts`); what it reopens is
 * an `Attached` driver: a real port reopened by path or HID ids (a device
 * kind's `open`), or a virtual wire made again with its twin re-attached
 * (`VirtualCable`, in simulation).
 * The old driver's armed read has already rejected with kind `disconnected`
 * (the drivers do that), which the engine turns into a cancelled transaction;
 * while the device is gone every call rejects with `DEVICE_DISCONNECTED`.
 */
import type { Logger } from 'pino';
import { isChipReader, type CardRead, type CardReader, type ChipCompletion, type DeviceState, type HostAnswerForCard, type ReadRequest, type ReaderCapabilities } from '../../src/devices/card-reader.js';
import type { Display, Screen } from '../../src/devices/display.js';
import type { AmountEntryRequest, PinEntryRequest, PinEntryResult, PinPad } from '../../src/devices/pin-pad.js';
import { PosError } from '../../src/util/errors.js';
import { ListenerSet } from '../transport/listener-set.js';
import { createReconnector, type Closable, type ReconnectEvent, type ReconnectOptions, type Reconnector } from './reconnector.js';

/** A driver on its transport, as one attach made them. */
export interface Attached<D> {
  readonly device: D;
  /** The transport the driver owns: its `onClose(error)` is how a loss is heard. */
  readonly transport: Closable;
  /** Anything else this attach made (a virtual twin, socat), released after the driver. */
  readonly release?: () => Promise<void>;
}

/** Backoff and busy-port retry settings, as `createReconnector` takes them. */
export type ResilienceOptions = Omit<ReconnectOptions<Closable>, 'target' | 'open'>;

export interface ResilientOptions<D> extends ResilienceOptions {
  /** `reader`, `pinpad`, `display`: for logs. */
  readonly role: string;
  /** What is reopened (`/dev/ttyUSB0`, `hid:0801:0002`, `virtual:reader`): for logs. Never card data. */
  readonly target: string;
  /** Opens the transport and builds a driver on it. */
  readonly attach: () => Promise<Attached<D>>;
  readonly logger: Logger;
}

interface Driver {
  close(): Promise<void>;
}

/** What the reconnector keeps open: one attach, closed driver first. */
class Attachment<D extends Driver> implements Closable {
  constructor(readonly attached: Attached<D>) {}

  onClose(listener: (error?: PosError) => void): () => void {
    return this.attached.transport.onClose(listener);
  }

  async close(): Promise<void> {
    const { device, transport, release } = this.attached;
    await device.close();
    await transport.close();
    await release?.();
  }
}

/**
 * The core shared by the three wrappers: the current driver, the device
 * state, the transitions logged (device role, target, error code, attempt;
 * never data).
 */
export class Resilient<D extends Driver> {
  readonly #options: ResilientOptions<D>;
  readonly #reconnector: Reconnector<Attachment<D>>;
  readonly #log: Logger;
  readonly #reconnected = new ListenerSet<D>();
  /** The attach in use, kept so that what it made is released once it is lost. */
  #attachment: Attachment<D> | undefined;
  #started = false;
  #closed = false;

  /**
   * Attaches for the first time and resolves once connected. A device that
   * cannot be opened at start fails start-up as before (a port still locked
   * is waited for); only a device lost later is reopened in the background.
   */
  static async open<D extends Driver>(options: ResilientOptions<D>): Promise<Resilient<D>> {
    const resilient = new Resilient(options);
    await resilient.#firstConnect();
    return resilient;
  }

  private constructor(options: ResilientOptions<D>) {
    this.#options = options;
    this.#log = options.logger.child({ device: options.role, target: options.target });
    const { attach } = options;
    // The backoff and busy settings pass through; the reconnector reads nothing else of them.
    this.#reconnector = createReconnector({ ...options, open: async () => new Attachment(await attach()) });
    this.#reconnector.onEvent((event) => this.#onEvent(event));
  }

  /** Called with the fresh driver after each reconnection (not the first connection). */
  onReconnected(listener: (device: D) => void): () => void {
    return this.#reconnected.add(listener);
  }

  /** The driver in use, or `undefined` while the device is gone. */
  current(): D | undefined {
    return this.#reconnector.current()?.attached.device;
  }

  /** The current driver; rejects (throws) with `DEVICE_DISCONNECTED` while the device is gone. */
  require(): D {
    const device = this.current();
    if (device !== undefined) return device;
    if (this.#closed) throw new PosError('DEVICE_CLOSED', `The ${this.#options.role} is closed`, { device: this.#options.role });
    throw new PosError('DEVICE_DISCONNECTED', `The ${this.#options.role} is disconnected`, { device: this.#options.role, path: this.#options.target });
  }

  state(): DeviceState {
    if (this.#closed) return 'closed';
    // A reconnector that gave up is still a device that is gone, not one we closed.
    return this.#reconnector.state() === 'connected' ? 'connected' : 'disconnected';
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#reconnector.close();
  }

  #firstConnect(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const off = this.#reconnector.onEvent((event) => {
        if (event.type === 'connected') {
          off();
          this.#started = true;
          resolve();
        } else if ((event.type === 'retry' && !event.busy) || event.type === 'gave-up') {
          off();
          this.#closed = true;
          // The open's own error (DEVICE_OPEN_FAILED, HID_DEVICE_NOT_FOUND), as before devices were resilient.
          const error = event.error.code === 'RECONNECT_GAVE_UP' && event.error.cause instanceof Error ? event.error.cause : event.error;
          void this.#reconnector.close().finally(() => reject(error));
        }
      });
      this.#reconnector.start();
    });
  }

  #onEvent(event: ReconnectEvent<Attachment<D>>): void {
    switch (event.type) {
      case 'connected':
        this.#attachment = event.transport;
        if (this.#started) {
          this.#log.info({ state: 'connected', attempt: event.attempt }, 'device reconnected');
          this.#reconnected.emit(event.transport.attached.device);
        } else {
          this.#log.debug({ state: 'connected' }, 'device connected');
        }
        return;
      case 'disconnected': {
        this.#log.warn({ state: 'disconnected', code: event.error.code }, 'device disconnected: reopening with backoff');
        // The old driver has let go of its transport; what else the attach made (the twin, socat) goes too.
        const lost = this.#attachment;
        this.#attachment = undefined;
        void lost?.close().catch((err: unknown) => this.#log.debug({ code: err instanceof PosError ? err.code : 'unknown' }, 'releasing the lost device failed'));
        return;
      }
      case 'retry':
        // A failure of the very first open is start-up's own error, reported by whoever started.
        if (this.#started) this.#log.info({ attempt: event.attempt, delayMs: event.delayMs, busy: event.busy, code: event.error.code }, 'device not back yet: retrying');
        return;
      case 'gave-up':
        this.#log.error({ state: 'disconnected', code: event.error.code, details: event.error.details }, 'device could not be reopened: giving up');
        return;
    }
  }
}

/**
 * What every resilient device is the same in: the name of its first driver,
 * and the state and close of the reconnecting core. `driver()` is the
 * current driver, or `DEVICE_DISCONNECTED` while it is gone.
 */
abstract class ResilientDevice<D extends Driver & { readonly name: string }> {
  readonly name: string;
  protected readonly core: Resilient<D>;

  constructor(core: Resilient<D>) {
    this.name = core.require().name;
    this.core = core;
  }

  protected driver(): D {
    return this.core.require();
  }

  state(): DeviceState {
    return this.core.state();
  }

  close(): Promise<void> {
    return this.core.close();
  }
}

export class ResilientCardReader extends ResilientDevice<CardReader> implements CardReader {
  /** What the first driver says (a chip interface or not): the engine asks before each transaction. */
  readonly capabilities?: ReaderCapabilities;

  constructor(core: Resilient<CardReader>) {
    super(core);
    const capabilities = core.current()?.capabilities;
    if (capabilities !== undefined) this.capabilities = capabilities;
  }

  /** The card's last word, from the current driver; one that came back without a chip interface refuses. */
  async completeChip(answer: HostAnswerForCard, signal: AbortSignal): Promise<ChipCompletion> {
    const reader = this.driver();
    if (!isChipReader(reader)) throw new PosError('DEVICE_DISCONNECTED', `${this.name} came back without a chip interface`, { device: this.name });
    return reader.completeChip(answer, signal);
  }

  async readCard(request: ReadRequest, signal: AbortSignal): Promise<CardRead> {
    return this.driver().readCard(request, signal);
  }
}

export class ResilientPinPad extends ResilientDevice<PinPad> implements PinPad {
  /** From the configuration, so it holds while the pad is gone; the first driver's answer when not given. */
  readonly takesAmounts: boolean;

  constructor(core: Resilient<PinPad>, options: { readonly takesAmounts?: boolean } = {}) {
    super(core);
    this.takesAmounts = options.takesAmounts ?? core.require().takesAmounts;
  }

  async enterAmount(request: AmountEntryRequest, signal: AbortSignal): Promise<number> {
    return this.driver().enterAmount(request, signal);
  }

  async requestPin(request: PinEntryRequest, signal: AbortSignal): Promise<PinEntryResult> {
    return this.driver().requestPin(request, signal);
  }

  async showMessage(lines: readonly string[]): Promise<void> {
    return this.driver().showMessage(lines);
  }
}

export class ResilientDisplay extends ResilientDevice<Display> implements Display {
  #last: Screen | undefined;

  constructor(core: Resilient<Display>, onRestoreFailed: (err: unknown) => void = () => undefined) {
    super(core);
    // A fresh display is blank: it shows what it should show now.
    core.onReconnected((display) => {
      if (this.#last !== undefined) display.show(this.#last).catch(onRestoreFailed);
    });
  }

  async show(screen: Screen): Promise<void> {
    // Remembered even while gone: a display that comes back shows what it should show now.
    this.#last = screen;
    return this.driver().show(screen);
  }
}
