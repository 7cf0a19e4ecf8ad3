/**
 * A virtual VeriFone PINpad 1000SE / IPP on the device end of a serial line
 * (PINpad 1000SE Reference and Programmers Guide; packets Z60/73/71/Z2/72/78
 * as in docs/protocols/verifone-pinpad.md), written apart from the driver.
 *
 * Keys: loaded from a TR-31 block (usage B1, KSN in optional block KS) with
 * its KBPK, then TDES DUKPT on the originator side (`TdesDukptOriginator`,
 * X9.24-1 A.2): each PIN uses the next transaction key's PIN variant and the
 * block is ISO 9564 format 0, so the host's BDK derivation agrees.
 *
 * The cardholder is an API: `enterPin(digits)`, `pressCancel()`, or nothing
 * (the pad answers 71 timeout after `pinTimeoutMs`). A PIN comes only from
 * this API; nothing here logs it. Link faults: `nakNext(n)`,
 * `corruptNextLrc(n)`, `muteNext(n)`.
 */
import { TdesDukptOriginator } from '../../src/crypto/dukpt/tdes-originator.js';
import { tdesWorkingKey } from '../../src/crypto/dukpt/tdes.js';
import { encryptPinBlock } from '../../src/crypto/pin-block/encrypt.js';
import { TR31_USES, unwrapTr31 } from '../../src/crypto/tr31/key-block.js';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { wipe } from '../../src/util/bytes.js';
import { toHex } from '../../src/util/hex.js';

const STX = 0x02;
const ETX = 0x03;
const EOT = 0x04;
const ACK = 0x06;
const SO = 0x0e;
const SI = 0x0f;
const NAK = 0x15;
const FS = '\x1c';
const SUB = '\x1a';
const FIXED_TEST_PIN = '1234';

export interface VirtualPinPadOptions {
  /** TR-31 block of the DUKPT initial key (B1), KSN in optional block KS unless `initialKsn` is given. */
  readonly initialKeyBlock: string;
  readonly kbpk: Uint8Array;
  readonly initialKsn?: Uint8Array;
  /** How long the pad waits for the cardholder; default 30 s. */
  readonly pinTimeoutMs?: number;
  /** How long the pad waits for ACK before resending; default 2000 ms. */
  readonly ackTimeoutMs?: number;
}

export class VirtualPinPad {
  readonly #transport: ByteTransport;
  readonly #originator: TdesDukptOriginator;
  readonly #pinTimeoutMs: number;
  readonly #ackTimeoutMs: number;
  #rx = Buffer.alloc(0);
  #prompt: { account: string; timer: ReturnType<typeof setTimeout> } | undefined;
  #promptWaiters: (() => void)[] = [];
  #out: { packet: Buffer; naks: number; sends: number; timer: ReturnType<typeof setTimeout> | undefined } | undefined;
  readonly #queue: Buffer[] = [];
  #nak = 0;
  #corrupt = 0;
  #mute = 0;
  /** Lines shown by Z2, last first. */
  readonly displayed: string[][] = [];
  /** Packet types received with a good LRC, in order (`Z60`, `Z2`, `72`, …). */
  readonly received: string[] = [];
  readonly #unsubscribe: () => void;

  constructor(transport: ByteTransport, options: VirtualPinPadOptions) {
    this.#transport = transport;
    const { header, key } = unwrapTr31(options.kbpk, options.initialKeyBlock, TR31_USES.initialKey);
    const ksnHex = options.initialKsn !== undefined ? toHex(options.initialKsn) : header.optionalBlocks.find((b) => b.id === 'KS')?.data;
    if (ksnHex === undefined || !/^[0-9A-F]{20}$/i.test(ksnHex)) throw new Error('virtual PIN pad: no initial KSN (option or TR-31 block KS)');
    try {
      this.#originator = new TdesDukptOriginator(key, Buffer.from(ksnHex, 'hex'));
    } finally {
      wipe(key);
    }
    this.#pinTimeoutMs = options.pinTimeoutMs ?? 30_000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 2000;
    this.#unsubscribe = transport.onData((chunk) => this.#onData(chunk));
  }

  /** The DUKPT counter of the next PIN. */
  get counter(): number {
    return this.#originator.counter;
  }

  /** True while the pad shows ENTER PIN. */
  get prompting(): boolean {
    return this.#prompt !== undefined;
  }

  /** Resolves when the pad starts asking for a PIN (at once if it is). */
  waitForPrompt(): Promise<void> {
    if (this.#prompt !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.#promptWaiters.push(resolve));
  }

  /** The cardholder types `digits` and presses ENTER. Ignored when the pad is not asking. */
  enterPin(digits: string): void {
    const prompt = this.#endPrompt();
    if (prompt === undefined) return;
    this.#sendPin(prompt.account, digits);
  }

  /** The cardholder presses the red cancel key. */
  pressCancel(): void {
    if (this.#endPrompt() === undefined) return;
    this.#sendPacket(STX, '715');
  }

  nakNext(n: number): void {
    this.#nak = n;
  }

  corruptNextLrc(n: number): void {
    this.#corrupt = n;
  }

  muteNext(n: number): void {
    this.#mute = n;
  }

  async close(): Promise<void> {
    this.#endPrompt();
    if (this.#out?.timer !== undefined) clearTimeout(this.#out.timer);
    this.#unsubscribe();
    this.#originator.destroy();
    await this.#transport.close();
  }

  #sendPin(account: string, digits: string): void {
    let tx;
    try {
      tx = this.#originator.nextTransaction();
    } catch {
      this.#sendPacket(STX, '711');
      return;
    }
    const pinKey = tdesWorkingKey(tx.transactionKey, 'pin');
    try {
      const block = encryptPinBlock(pinKey, { format: 0, pin: digits, pan: account });
      this.#sendPacket(STX, `73.00000${toHex(tx.ksn).replace(/^F+/, '')}${toHex(block)}`);
      wipe(block);
    } catch {
      this.#sendPacket(STX, '712');
    } finally {
      wipe(pinKey, tx.transactionKey);
    }
  }

  #endPrompt(): { account: string } | undefined {
    const prompt = this.#prompt;
    if (prompt === undefined) return undefined;
    clearTimeout(prompt.timer);
    this.#prompt = undefined;
    return prompt;
  }

  #onData(chunk: Buffer): void {
    this.#rx = Buffer.concat([this.#rx, chunk]);
    for (;;) {
      const first = this.#rx[0];
      if (first === undefined) return;
      if (first === ACK || first === NAK || first === EOT) {
        this.#rx = this.#rx.subarray(1);
        this.#onLink(first);
        continue;
      }
      if (first !== STX && first !== SI) {
        this.#rx = this.#rx.subarray(1);
        continue;
      }
      const end = this.#rx.indexOf(first === STX ? ETX : SO, 1);
      if (end < 0 || end + 1 >= this.#rx.length) return;
      const packet = this.#rx.subarray(0, end + 2);
      this.#rx = this.#rx.subarray(end + 2);
      let x = 0;
      for (let i = 1; i <= end; i++) x ^= packet[i] as number;
      if (this.#mute > 0) {
        this.#mute--;
        continue;
      }
      if (x !== packet[end + 1] || this.#nak > 0) {
        if (x === packet[end + 1]) this.#nak--;
        void this.#write(Buffer.from([NAK]));
        continue;
      }
      void this.#write(Buffer.from([ACK]));
      this.#onPacket(first === STX ? 'data' : 'control', packet.subarray(1, end).toString('latin1'));
    }
  }

  #onPacket(frame: 'data' | 'control', body: string): void {
    const type = body.startsWith('Z') ? body.slice(0, body.startsWith('Z6') ? 3 : 2) : body.slice(0, 2);
    this.received.push(type);
    if (frame === 'control' && type === '72') {
      this.#endPrompt();
      return;
    }
    if (type === 'Z60') {
      const match = new RegExp(`^Z60\\.(\\d{8,19})${FS}DUKPT ENCRYPTION$`).exec(body);
      if (match?.[1] === undefined) return this.#sendPacket(STX, '712');
      this.#endPrompt();
      const account = match[1];
      this.#prompt = { account, timer: setTimeout(() => this.#onPinTimeout(), this.#pinTimeoutMs) };
      for (const w of this.#promptWaiters.splice(0)) w();
      return;
    }
    if (type === '78') {
      const match = new RegExp(`^78(\\d{8,19})${FS}[CD][0-9.]{3,14}$`).exec(body);
      if (match?.[1] === undefined) return this.#sendPacket(STX, '712');
      this.#sendPin(match[1], FIXED_TEST_PIN);
      return;
    }
    if (type === 'Z2') {
      this.displayed.unshift(body.slice(2).replace(SUB, '').split(FS));
    }
  }

  #onPinTimeout(): void {
    if (this.#prompt === undefined) return;
    this.#prompt = undefined;
    this.#sendPacket(STX, '716');
  }

  #sendPacket(start: number, body: string): void {
    const bytes = Buffer.from(`\0${body}\0\0`, 'latin1');
    bytes[0] = start;
    bytes[bytes.length - 2] = start === STX ? ETX : SO;
    let x = 0;
    for (let i = 1; i < bytes.length - 1; i++) x ^= bytes[i] as number;
    bytes[bytes.length - 1] = x;
    this.#queue.push(bytes);
    this.#pump();
  }

  #pump(): void {
    if (this.#out !== undefined) return;
    const packet = this.#queue.shift();
    if (packet === undefined) return;
    this.#out = { packet, naks: 0, sends: 0, timer: undefined };
    this.#transmit();
  }

  #transmit(): void {
    const out = this.#out;
    if (out === undefined) return;
    out.sends++;
    let wire = out.packet;
    if (this.#corrupt > 0) {
      this.#corrupt--;
      wire = Buffer.from(out.packet);
      wire[wire.length - 1] = (wire[wire.length - 1] as number) ^ 0x01;
    }
    if (out.timer !== undefined) clearTimeout(out.timer);
    out.timer = setTimeout(() => (out.sends < 3 ? this.#transmit() : this.#giveUp()), this.#ackTimeoutMs);
    void this.#write(wire);
  }

  #onLink(byte: number): void {
    const out = this.#out;
    if (out === undefined) return;
    if (byte === ACK) {
      this.#done();
      void this.#write(Buffer.from([EOT]));
    } else if (byte === NAK) {
      out.naks++;
      if (out.naks >= 3) this.#giveUp();
      else this.#transmit();
    }
  }

  #giveUp(): void {
    this.#done();
    void this.#write(Buffer.from([EOT]));
  }

  #done(): void {
    if (this.#out?.timer !== undefined) clearTimeout(this.#out.timer);
    this.#out?.packet.fill(0);
    this.#out = undefined;
    this.#pump();
  }

  #write(bytes: Buffer): Promise<void> {
    return this.#transport.write(bytes).catch(() => undefined);
  }
}

export function createVirtualPinPad(transport: ByteTransport, options: VirtualPinPadOptions): VirtualPinPad {
  return new VirtualPinPad(transport, options);
}
