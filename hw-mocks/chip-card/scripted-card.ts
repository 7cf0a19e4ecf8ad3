/**
 * An in-process card that replays a script: a list of command APDU →
 * response APDU pairs, in order. A command that is not the next one in the
 * script fails the exchange naming both, so a kernel test states exactly
 * which APDUs a step sends and in what order.
 */
import { PosError } from '../../src/util/errors.js';

export interface ScriptedExchange {
  /** The command APDU expected, as hex (spaces allowed). */
  readonly command: string;
  /** The response APDU to answer with (data ‖ SW1 SW2), as hex. */
  readonly response: string;
}

export class ScriptedCard {
  readonly #script: readonly ScriptedExchange[];
  #next = 0;
  /** Every command received, in order, as upper-case hex. */
  readonly received: string[] = [];

  constructor(script: readonly ScriptedExchange[]) {
    this.#script = script;
  }

  /** A `Transmit` for the kernel. */
  readonly transmit = (command: Buffer): Promise<Buffer> => {
    const got = command.toString('hex').toUpperCase();
    this.received.push(got);
    const step = this.#script[this.#next];
    if (step === undefined) return Promise.reject(new PosError('INTERNAL', 'The scripted card got a command after its script ended', { where: 'scripted-card', index: this.#next }));
    const expected = normalise(step.command);
    if (got !== expected) {
      return Promise.reject(new PosError('INTERNAL', `The scripted card expected ${expected} at step ${this.#next}, got ${got}`, { where: 'scripted-card', index: this.#next }));
    }
    this.#next++;
    return Promise.resolve(Buffer.from(normalise(step.response), 'hex'));
  };

  /** True when every scripted exchange happened. */
  get finished(): boolean {
    return this.#next === this.#script.length;
  }
}

function normalise(hex: string): string {
  return hex.replace(/\s+/g, '').toUpperCase();
}
