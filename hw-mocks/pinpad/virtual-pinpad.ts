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
 * Key entry, from the Uniform Industrial PIN Pad 791 Programmer's Manual
 * (UDN PM0103-U Rev. 06), which speaks the same framing: Z2 / Z3 normal and
 * authenticated frames (p. 210–214) against the twin's own fixed-prompt
 * table `VIRTUAL_PINPAD_PROMPTS` (ours: a real pad's table is its vendor's);
 * the authenticated mode and what keeps it (p. 216); Z42 Read key code and
 * its Z43 answer (p. 222–223); 72 aborts a key read.
 *
 * The cardholder is an API: `enterPin(digits)`, `pressCancel()`, or nothing
 * (the pad answers 71 timeout after `pinTimeoutMs`); `pressKeys('1250#')`
 * for keys read by Z42. A PIN comes only from this API; nothing here logs
 * it. Link faults: `nakNext(n)`, `corruptNextLrc(n)`, `muteNext(n)`.
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
const GS = '\x1d';
const RS = '\x1e';
const FIXED_TEST_PIN = '1234';

/**
 * The twin's fixed prompts, by prompt ID (ours: the numbers and texts of a
 * real pad's table are its vendor's, PP791 manual Appendix H). An ID not here
 * is answered with status '1', prompt ID not supported (p. 212).
 */
export const VIRTUAL_PINPAD_PROMPTS: Readonly<Record<number, string>> = {
  1: 'PLEASE WAIT',
  2: 'ENTER AMOUNT',
  3: 'AMOUNT OK?',
  4: 'ENTER TIP',
  5: 'ENTER CASHBACK',
  6: 'THANK YOU',
};

/** The twin's prompt that asks for a tip (the config default of `pinpad: { type: 'virtual' }`). */
export const VIRTUAL_PINPAD_TIP_PROMPT = 4;

/** Keys on the twin's keypad, as Z43 reports them (p. 223); `?` stands for the cardholder waiting past the key timeout. */
const KEYPAD = /^[0-9ABC*#/?]*$/;

/** `<GS|RS>[ID]<SUB>?` of Z2, `<GS|RS>[ID]<FS>[ID]…<SUB>?` of Z3 (up to 7 IDs), `[count]<SUB>?[prompt]<FS>…` of a normal Z3. */
const AUTHENTICATED_Z2 = new RegExp(`^([${GS}${RS}])(\\d{3})(${SUB}?)$`);
const AUTHENTICATED_Z3 = new RegExp(`^([${GS}${RS}])(\\d{3}(?:${FS}\\d{3}){0,6})(${SUB}?)$`);
const NORMAL_Z3 = new RegExp(`^([1-7])(${SUB}?)(.*)$`, 's');

/** Messages that do not end the authenticated mode (p. 216): any other does. */
const KEEP_AUTHENTICATED: ReadonlySet<string> = new Set(['Z2', 'Z3', 'Z42', 'Z50', 'Z60']);

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
  /** Z2/Z3 authenticated mode (p. 216): Z42 then reads every key, digits too. */
  #authenticated = false;
  /** Some Z2/Z3 has been shown: without one, Z42 is answered EOT (p. 222). */
  #prompted = false;
  #screen: string[] = [];
  #keyRead: { anyKey: boolean; timer: ReturnType<typeof setTimeout> } | undefined;
  #keyReadWaiters: (() => void)[] = [];
  /** Keys pressed and not yet read by a Z42: the cardholder goes on typing while the terminal redraws. */
  #keys: string[] = [];
  readonly #queue: Buffer[] = [];
  #nak = 0;
  #corrupt = 0;
  #mute = 0;
  /** The screens shown by Z2/Z3, last first: each is the lines a customer reads (a prompt, then the digits keyed). */
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

  /** True while a Z42 waits for a key. */
  get readingKeys(): boolean {
    return this.#keyRead !== undefined;
  }

  /** Whether Z42 now returns every key (the authenticated mode of p. 216). */
  get authenticated(): boolean {
    return this.#authenticated;
  }

  /** Resolves when a Z42 waits for a key (at once if one does). */
  waitForKeyRead(): Promise<void> {
    if (this.#keyRead !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.#keyReadWaiters.push(resolve));
  }

  /**
   * The cardholder presses `keys` in turn: digits, `#` ENTER, `*` CAN, `/`
   * CLR, `A`–`C` F1–F3; `?` lets the key read time out. Each is read by the
   * next Z42; a digit read without the authenticated mode is refused (p. 222)
   * and dropped.
   */
  pressKeys(keys: string): void {
    if (!KEYPAD.test(keys)) throw new Error(`virtual PIN pad: no such key in ${JSON.stringify(keys)}`);
    this.#keys.push(...keys);
    this.#readKeys();
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
    this.#endKeyRead();
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
    const type = body.slice(0, /^Z[456]/.test(body) ? 3 : 2);
    this.received.push(type);
    if (!KEEP_AUTHENTICATED.has(type)) this.#authenticated = false;
    if (frame === 'control' && type === '72') {
      this.#endPrompt();
      // 72 aborts a key read (p. 222): no Z43, and the keys typed ahead are gone with it.
      this.#endKeyRead();
      this.#keys = [];
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
    if (type === 'Z2') return this.#onDisplayString(body.slice(2));
    if (type === 'Z3') return this.#onDisplayLines(body.slice(2));
    if (type === 'Z42') return this.#onReadKey(body.slice(3));
  }

  /** Z2 Display string (p. 210–212, 215). */
  #onDisplayString(rest: string): void {
    if (rest.startsWith(GS) || rest.startsWith(RS)) {
      const match = AUTHENTICATED_Z2.exec(rest);
      this.#showPrompts('Z2', match?.[1], match?.[2] === undefined ? [] : [match[2]], match?.[3] === SUB);
      return;
    }
    const clear = rest.startsWith(SUB);
    const text = clear ? rest.slice(1) : rest;
    // Only a string of digits without SUB may follow an authenticated prompt (p. 216); anything else ends the mode.
    if (clear || !/^\d+$/.test(text)) this.#authenticated = false;
    this.#show(text.split(FS), clear);
  }

  /** Z3 Display line prompts (p. 213–214): `[count]<SUB>?[prompt]<FS>…`, or `<GS>[ID]<FS>[ID]…<SUB>?`. */
  #onDisplayLines(rest: string): void {
    if (rest.startsWith(GS) || rest.startsWith(RS)) {
      const match = AUTHENTICATED_Z3.exec(rest);
      // In these modes the pad clears the screen (p. 214).
      this.#showPrompts('Z3', match?.[1], match?.[2]?.split(FS) ?? [], true);
      return;
    }
    const match = NORMAL_Z3.exec(rest);
    const lines = match?.[3]?.split(FS) ?? [rest];
    // Ours: a Z3 normal frame keeps the authenticated mode only when its text is digits, as a Z2's does.
    if (match?.[2] === SUB || !lines.every((l) => /^\d+$/.test(l))) this.#authenticated = false;
    this.#show(lines, match?.[2] === SUB);
  }

  /**
   * An authenticated frame: each ID from the prompt table, or status '1'
   * (p. 212, 214) and the mode ends (p. 216). The first one needs SUB (p. 216).
   * The twin has no PIN-entry prompts (`<RS>`, Appendix I): those are status '1' (ours).
   */
  #showPrompts(type: 'Z2' | 'Z3', mark: string | undefined, ids: readonly string[], clear: boolean): void {
    const texts: (string | undefined)[] = mark === GS ? ids.map((id) => VIRTUAL_PINPAD_PROMPTS[Number(id)]) : [];
    const known = texts.filter((t): t is string => t !== undefined);
    if (known.length === 0 || known.length < texts.length || (!clear && !this.#authenticated)) {
      this.#authenticated = false;
      this.#sendPacket(STX, `${type}1`);
      return;
    }
    this.#authenticated = true;
    this.#show(known, clear);
    this.#sendPacket(STX, `${type}0`);
  }

  #show(lines: readonly string[], clear: boolean): void {
    this.#prompted = true;
    this.#screen = clear ? [...lines] : [...this.#screen, ...lines];
    this.displayed.unshift([...this.#screen]);
  }

  /** Z42 Read key code (p. 222): the next key as Z43, or '?' after `[timeout]` seconds. */
  #onReadKey(field: string): void {
    const seconds = /^\d{1,3}$/.test(field) ? Number(field) : 0;
    // Without a prompt shown first the pad sends EOT and stops (p. 222); so does the twin for a bad timeout (ours).
    if (!this.#prompted || seconds < 1 || seconds > 255) {
      void this.#write(Buffer.from([EOT]));
      return;
    }
    this.#endKeyRead();
    this.#keyRead = { anyKey: this.#authenticated, timer: setTimeout(() => this.#answerKey('?'), seconds * 1000) };
    for (const w of this.#keyReadWaiters.splice(0)) w();
    this.#readKeys();
  }

  #readKeys(): void {
    while (this.#keyRead !== undefined) {
      const key = this.#keys.shift();
      if (key === undefined) return;
      // Without the authenticated mode the pad returns only function keys and rejects digits (p. 222).
      if (/^\d$/.test(key) && !this.#keyRead.anyKey) continue;
      this.#answerKey(key);
    }
  }

  #answerKey(code: string): void {
    this.#endKeyRead();
    this.#sendPacket(STX, `Z43${code}`);
  }

  #endKeyRead(): void {
    if (this.#keyRead !== undefined) clearTimeout(this.#keyRead.timer);
    this.#keyRead = undefined;
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
