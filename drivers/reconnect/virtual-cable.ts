/**
 * The cable of a virtual device. Each plug-in makes a fresh wire (as a USB
 * device enumerates afresh); `unplug(forMs)` pulls it, and while it is out a
 * plug-in fails as an absent port does (ENOENT), so the reconnector backs off
 * exactly as it would for a real one. What a wire is (a socat pty pair, an
 * in-memory pair, with the twin on its far end) is the simulation's business.
 */
import { PosError } from '../../src/util/errors.js';

/** A wire that can be pulled: both ends then end with `DEVICE_DISCONNECTED`, and it is done for. */
export interface PullableWire {
  unplug(): Promise<void>;
}

export class VirtualCable<W extends PullableWire> {
  readonly #name: string;
  readonly #connect: () => Promise<W>;
  readonly #now: () => number;
  #wire: W | undefined;
  #outUntil = 0;

  constructor(name: string, connect: () => Promise<W>, now: () => number = Date.now) {
    this.#name = name;
    this.#connect = connect;
    this.#now = now;
  }

  async plugIn(): Promise<W> {
    if (this.#now() < this.#outUntil) {
      const absent = Object.assign(new Error(`virtual ${this.#name} is unplugged`), { code: 'ENOENT' });
      throw new PosError('DEVICE_OPEN_FAILED', `Cannot open virtual ${this.#name}: unplugged`, { path: `virtual:${this.#name}`, reason: 'unplugged' }, { cause: absent });
    }
    this.#wire = await this.#connect();
    return this.#wire;
  }

  /** Pulls the cable (the driver hears `DEVICE_DISCONNECTED`); it stays out for `forMs`. */
  async unplug(forMs = 0): Promise<void> {
    this.#outUntil = this.#now() + forMs;
    const wire = this.#wire;
    this.#wire = undefined;
    if (wire === undefined) throw new PosError('DEVICE_DISCONNECTED', `The virtual ${this.#name} is already unplugged`, { device: this.#name });
    await wire.unplug();
  }
}
