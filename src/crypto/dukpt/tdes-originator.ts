/**
 * TDES DUKPT, the originator (PIN pad) side: ANSI X9.24-1 2009, A.2
 * "Processing Algorithms" — the 21 future key registers, the shift register
 * and the encryption counter.
 *
 * Register `p` (bit value 2^p) holds the key for the counter that sets bit p
 * on top of the current counter's higher bits. Using the key for counter c
 * (lowest one-bit p) generates the future keys for c + 2^q, q < p, then
 * erases register p. A counter with ten one-bits generates nothing and the
 * counter jumps past its lowest one-bit, so no counter with more than ten
 * one-bits is ever used. When the 21-bit counter overflows the device is
 * exhausted and needs a new initial key.
 *
 * The state lives in memory only; a real PIN pad keeps it in tamper-resistant
 * storage. `destroy()` wipes every register.
 */
import { wipe } from '../../util/bytes.js';
import { PosError } from '../../util/errors.js';
import { checkKeyLength } from '../check.js';
import { deriveTdesTransactionKey, nonReversibleKeyGeneration } from './tdes.js';
import {
  TDES_COUNTER_BITS,
  TDES_COUNTER_MASK,
  TDES_MAX_COUNTER_ONE_BITS,
  checkTdesCounter,
  checkTdesKsn,
  popcount,
  withTdesCounter,
} from './tdes-ksn.js';

/** One transaction's KSN and its transaction key (the caller wipes the key). */
export interface TdesOriginatorTransaction {
  readonly ksn: Buffer;
  readonly counter: number;
  readonly transactionKey: Buffer;
}

export class TdesDukptOriginator {
  readonly #initialKsn: Buffer;
  readonly #registers: (Buffer | undefined)[] = new Array<Buffer | undefined>(TDES_COUNTER_BITS).fill(undefined);
  #counter = 1;

  /**
   * Loads an initial key (A.2 "Load Initial Key"): fills the future key
   * registers from the IPEK; the caller then wipes its IPEK. `startCounter`
   * resumes a device whose next counter is already past 1 (re-provisioning,
   * tests near the counter's end): each register gets the key it would hold
   * had the device counted there one transaction at a time.
   */
  constructor(ipek: Uint8Array, initialKsn: Uint8Array, startCounter = 1) {
    checkKeyLength(ipek, [16], 'IPEK');
    checkTdesKsn(initialKsn);
    checkTdesCounter(startCounter);
    this.#initialKsn = withTdesCounter(initialKsn, 0);
    this.#counter = startCounter;
    for (let p = 0; p < TDES_COUNTER_BITS; p++) {
      // Register p serves the counter made of startCounter's bits above p plus bit p.
      const target = (startCounter & ~((2 << p) - 1)) | (1 << p);
      if (target < startCounter || popcount(target) > TDES_MAX_COUNTER_ONE_BITS) continue;
      this.#registers[p] = deriveTdesTransactionKey(ipek, withTdesCounter(this.#initialKsn, target));
    }
  }

  /** The counter the next transaction will use. */
  get counter(): number {
    return this.#counter;
  }

  get exhausted(): boolean {
    return this.#counter > TDES_COUNTER_MASK;
  }

  /**
   * The key for the next transaction (A.2 "Request PIN Entry"), then the
   * future keys for the ones after it ("New Key"). Throws `DUKPT_EXHAUSTED`
   * once the 21-bit counter has overflowed.
   */
  nextTransaction(): TdesOriginatorTransaction {
    if (this.exhausted) {
      throw new PosError('DUKPT_EXHAUSTED', 'The DUKPT originator has no transaction keys left; load a new initial key', {
        counterBits: TDES_COUNTER_BITS,
      });
    }
    const counter = this.#counter;
    const p = lowestBit(counter);
    const current = this.#registers[p];
    if (current === undefined) {
      throw new PosError('INTERNAL', 'DUKPT future key register is empty', { where: 'TdesDukptOriginator', register: p });
    }
    const transactionKey = Buffer.from(current);
    if (popcount(counter) < TDES_MAX_COUNTER_ONE_BITS) {
      const register = this.#register(counter);
      for (let q = p - 1; q >= 0; q--) {
        setBit(register, 1 << q);
        wipe(this.#registers[q]);
        this.#registers[q] = nonReversibleKeyGeneration(current, register);
        clearBit(register, 1 << q);
      }
      this.#counter = counter + 1;
    } else {
      // Ten one-bits: no future keys below p; skip every counter that would have eleven.
      this.#counter = counter + (1 << p);
    }
    wipe(current);
    this.#registers[p] = undefined;
    return { ksn: withTdesCounter(this.#initialKsn, counter), counter, transactionKey };
  }

  /** Erases every future key register. */
  destroy(): void {
    for (let p = 0; p < this.#registers.length; p++) {
      wipe(this.#registers[p]);
      this.#registers[p] = undefined;
    }
    this.#counter = TDES_COUNTER_MASK + 1;
  }

  /** The 8-byte KSN register (right 64 bits of the KSN) for a counter. */
  #register(counter: number): Buffer {
    return withTdesCounter(this.#initialKsn, counter).subarray(2, 10);
  }
}

function lowestBit(value: number): number {
  return 31 - Math.clz32(value & -value);
}

function setBit(register: Buffer, bit: number): void {
  register[5] = (register[5] as number) | (bit >>> 16);
  register[6] = (register[6] as number) | ((bit >>> 8) & 0xff);
  register[7] = (register[7] as number) | (bit & 0xff);
}

function clearBit(register: Buffer, bit: number): void {
  register[5] = (register[5] as number) & ~(bit >>> 16);
  register[6] = (register[6] as number) & ~((bit >>> 8) & 0xff);
  register[7] = (register[7] as number) & ~(bit & 0xff);
}
