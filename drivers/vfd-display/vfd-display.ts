/**
 * `Display` for a 20×2 customer display (VFD pole display) on a serial line,
 * in the CD5220 or Epson ESC/POS command set (`command-sets.ts`). The driver
 * takes its transport in the constructor; `openVfdDisplay` opens the port.
 * A display sends nothing back, so there is nothing to parse: a write that
 * fails rejects `show` with kind `disconnected` or `io`.
 */
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { DeviceState } from '../../src/devices/card-reader.js';
import type { Display, Screen } from '../../src/devices/display.js';
import { deviceClosed } from '../shared/device-errors.js';
import { VFD_COMMAND_SETS, type BrightnessLevel, type VfdCommandSet, type VfdEmulation } from './command-sets.js';
import { initSequence, renderLines, renderScreen } from './vfd-render.js';

export interface VfdDisplayOptions {
  readonly emulation: VfdEmulation;
  /** 1 (dim) – 4 (bright); default 4. */
  readonly brightness?: BrightnessLevel;
  readonly name?: string;
}

export class VfdDisplay implements Display {
  readonly name: string;
  readonly commandSet: VfdCommandSet;
  readonly #transport: ByteTransport;
  readonly #brightness: BrightnessLevel;
  #closed = false;
  /** The transport ended under the display (unplugged). */
  #lost = false;
  #closing: Promise<void> | undefined;
  /** Writes in order, one at a time. */
  #queue: Promise<void> = Promise.resolve();

  constructor(transport: ByteTransport, options: VfdDisplayOptions) {
    this.name = options.name ?? `vfd-${options.emulation}`;
    this.commandSet = VFD_COMMAND_SETS[options.emulation];
    this.#transport = transport;
    this.#brightness = options.brightness ?? 4;
    transport.onClose((error) => {
      if (error !== undefined) this.#lost = true;
    });
  }

  /** Resets the display to a known state (called once by `openVfdDisplay`). */
  initialize(): Promise<void> {
    return this.#write(initSequence(this.commandSet, this.#brightness));
  }

  show(screen: Screen): Promise<void> {
    return this.#write(renderScreen(screen, this.commandSet));
  }

  /** Two lines as given (centred by the caller); for diagnostics. */
  showLines(lines: readonly [string, string]): Promise<void> {
    return this.#write(renderLines(lines, this.commandSet));
  }

  setBrightness(level: BrightnessLevel): Promise<void> {
    return this.#write(Buffer.from(this.commandSet.brightness(level)));
  }

  /** What `pos diag devices` sends: a known pattern, so a person can check the display. */
  selfTestWrite(): Promise<void> {
    return this.showLines(['POS DIAG  0123456789', 'ABCDEFGHIJ  éü£ ok  ']);
  }

  state(): DeviceState {
    if (this.#closed) return 'closed';
    return this.#lost ? 'disconnected' : 'connected';
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      await this.#queue.catch(() => undefined);
      await this.#transport.close();
    })();
    return this.#closing;
  }

  #write(bytes: Buffer): Promise<void> {
    if (this.#closed) return Promise.reject(deviceClosed(this.name));
    const next = this.#queue.then(() => this.#transport.write(bytes));
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

export function createVfdDisplay(transport: ByteTransport, options: VfdDisplayOptions): VfdDisplay {
  return new VfdDisplay(transport, options);
}
