/**
 * `PinPad` for VeriFone PINpad 1000SE / IPP pads on a serial line (PINpad
 * 1000SE Reference and Programmers Guide; IPP packets per the MX800 Series
 * Programmer's Guide "IPP MS and DUKPT communications packets"):
 *
 *   requestPin   → Z60.<account><FS>DUKPT ENCRYPTION   … cardholder types …
 *                ← 73.00000<KSN><PIN block>  |  71<code> (cancel key, pad timeout, error)
 *   showMessage  → Z2<SUB><line 1><FS><line 2>
 *   enterAmount  → Z2<GS><prompt ID><SUB>  ← Z2<status>     the pad's own fixed prompt (PP791 manual p. 210–212)
 *                → Z2<digits keyed so far>                  a digits-only string may follow the prompt
 *                → Z42<seconds>  ← Z43<key>                 one key at a time (PP791 manual p. 222–223)
 *                  … redraw after each change, until ENTER (#), CAN (*) or timeout (?)
 *   abort/timeout → 72 (control packet): the pad abandons entry
 *   requestTestPin → 78<account><FS>C<amount>: fixed PIN 1234, for checks on real hardware
 *
 * Every packet is acknowledged: ACK for a good LRC, NAK for a bad one (the
 * sender resends), EOT after three NAKs. Bad bytes never throw; the port
 * stays open. The PIN never passes through here in clear: only the pad's
 * encrypted block and its KSN.
 */
import type { Logger } from 'pino';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { DeviceState } from '../../src/devices/card-reader.js';
import type { AmountEntryRequest, PinEntryRequest, PinEntryResult, PinPad } from '../../src/devices/pin-pad.js';
import { silentLogger } from '../../src/log/logger.js';
import { asPosError, PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { notConnected } from '../shared/device-errors.js';
import { DeviceLink, logDroppedPartial } from '../shared/device-link.js';
import { VerifoneFramer, VERIFONE_DEFAULT_INTER_BYTE_TIMEOUT_MS, VERIFONE_DEFAULT_MAX_FRAME_BYTES } from './framer.js';
import { EOT, FS, GS, KEY_CODES, KEY_TIMEOUT_SECONDS, LINK_ATTEMPTS, PIN_ERROR_CODES, PROMPT_STATUS, SUB, VERIFONE_PACKETS, ACK, NAK, encodePacket, type KeyCode, type PinErrorCode } from './protocol.js';

export interface VerifonePinPadOptions {
  readonly name?: string;
  /** How long to wait for ACK before resending; default 2000 ms (a 40-byte packet takes 370 ms at 1200 baud). */
  readonly ackTimeoutMs?: number;
  /** Resends after no ACK; default 2. */
  readonly retries?: number;
  /** Beyond the request's `timeoutMs`, for the pad's own timeout answer to arrive first; default 3000 ms. */
  readonly answerMarginMs?: number;
  readonly maxFrameBytes?: number;
  readonly interByteTimeoutMs?: number;
  /** Characters a display line holds; longer lines are cut; default 16. */
  readonly displayColumns?: number;
  /** The pad's fixed prompt ID (1–999, from its prompt table) that asks for a tip; absent: the pad takes no amounts. */
  readonly tipPrompt?: number;
  readonly logger?: Logger;
}

interface Outgoing {
  readonly packet: Buffer;
  readonly type: string;
  sends: number;
  naks: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve(): void;
  reject(error: PosError): void;
}

interface AwaitingAnswer {
  /** Whether a data packet of the pad's is this answer (by its type; its form is checked by the waiter). */
  accepts(body: Buffer): boolean;
  /** An EOT outside a session end means the pad stopped instead of answering (Z42, PP791 manual p. 222). */
  readonly endsOnEot: boolean;
  resolve(body: Buffer): void;
  reject(error: PosError): void;
}

/** Z2 status and Z43 key code are one byte after the type. */
const ANSWER_BYTES = 3;
const KEY_ANSWER_BYTES = 4;

function startsWith(body: Buffer, type: string): boolean {
  return body.subarray(0, type.length).toString('latin1') === type;
}

export class VerifonePinPad implements PinPad {
  readonly name: string;
  readonly takesAmounts: boolean;
  readonly #tipPrompt: number | undefined;
  readonly #transport: ByteTransport;
  readonly #framer: VerifoneFramer;
  readonly #log: Logger;
  readonly #ackTimeoutMs: number;
  readonly #retries: number;
  readonly #answerMarginMs: number;
  readonly #columns: number;
  readonly #link: DeviceLink;
  /** Packets waiting to go, one on the wire at a time. */
  readonly #queue: Outgoing[] = [];
  #sending: Outgoing | undefined;
  #answer: AwaitingAnswer | undefined;
  /** Consecutive bad packets we NAKed: after three the pad gives up with EOT. */
  #naksSent = 0;
  /** We ACKed a packet of the pad's: the EOT that closes its session is due. */
  #sessionEndDue = false;
  /** An amount is being keyed: the pad is ours between its exchanges too. */
  #keyingAmount = false;

  constructor(transport: ByteTransport, options: VerifonePinPadOptions = {}) {
    this.name = options.name ?? 'verifone-pinpad';
    this.#transport = transport;
    this.#log = (options.logger ?? silentLogger).child({ device: this.name, transport: transport.description });
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 2000;
    this.#retries = options.retries ?? 2;
    this.#answerMarginMs = options.answerMarginMs ?? 3000;
    this.#columns = options.displayColumns ?? 16;
    this.#tipPrompt = options.tipPrompt;
    this.takesAmounts = options.tipPrompt !== undefined;
    this.#framer = new VerifoneFramer({
      maxFrameBytes: options.maxFrameBytes ?? VERIFONE_DEFAULT_MAX_FRAME_BYTES,
      interByteTimeoutMs: options.interByteTimeoutMs ?? VERIFONE_DEFAULT_INTER_BYTE_TIMEOUT_MS,
      onTimeout: logDroppedPartial(this.#log, 'packet'),
    });
    const linkOptions = { name: this.name, log: this.#log, role: 'PIN pad', failPending: (e: PosError) => this.#failAll(e) };
    this.#link = DeviceLink.over(transport, linkOptions, (chunk) => this.#onData(chunk), () => this.#framer.dispose());
  }

  requestPin(request: PinEntryRequest, signal: AbortSignal): Promise<PinEntryResult> {
    // The PAN goes from its bytes into the packet (wiped after the exchange), never through a string.
    const body = Buffer.concat([
      Buffer.from(`${VERIFONE_PACKETS.pinEntryDukpt.type}.`, 'latin1'),
      request.pan.reveal(),
      Buffer.from(`\x1c${VERIFONE_PACKETS.pinEntryDukpt.detail}`, 'latin1'),
    ]);
    return this.#pinExchange(body, request.timeoutMs, signal);
  }

  /**
   * Packet 78: the pad encrypts the fixed PIN 1234 without asking anyone, for
   * automated checks of a real pad and its keys. Not for transactions.
   */
  requestTestPin(pan: Sensitive, amountMinor: number, signal: AbortSignal, timeoutMs = 10_000): Promise<PinEntryResult> {
    const amount = `${Math.floor(amountMinor / 100)}.${String(amountMinor % 100).padStart(2, '0')}`;
    const body = Buffer.concat([Buffer.from(VERIFONE_PACKETS.testPin.type, 'latin1'), pan.reveal(), Buffer.from(`\x1cC${amount}`, 'latin1')]);
    return this.#pinExchange(body, timeoutMs, signal);
  }

  async enterAmount(request: AmountEntryRequest, signal: AbortSignal): Promise<number> {
    this.#link.checkUsable();
    const promptId = this.#tipPrompt;
    if (promptId === undefined) throw new PosError('AMOUNT_ENTRY_UNAVAILABLE', `${this.name} has no prompt configured to ask for a ${request.purpose}`, { device: this.name, purpose: request.purpose });
    if (!Number.isSafeInteger(request.maxMinor) || request.maxMinor < 0) throw new PosError('TXN_AMOUNT_INVALID', `The largest ${request.purpose} is not a whole number of minor units`, { field: 'maxMinor' });
    if (this.#answer !== undefined || this.#keyingAmount) throw new PosError('DEVICE_BUSY', `${this.name} is already asking the cardholder`, { device: this.name });
    if (signal.aborted) throw this.#amountAborted();
    const seconds = Math.min(KEY_TIMEOUT_SECONDS.max, Math.max(KEY_TIMEOUT_SECONDS.min, Math.ceil(request.keyTimeoutMs / 1000)));
    this.#keyingAmount = true;
    /** The pad ended its key read itself (CAN, timeout): nothing to abandon. */
    let padEnded = false;
    try {
      let amount = 0;
      let redraw = true;
      for (;;) {
        if (redraw) {
          await this.#showPrompt(promptId, signal);
          // Digits only and no SUB: the pad keeps the prompt above them and stays in its authenticated mode (p. 216).
          await this.#unlessAborted(this.#send('data', Buffer.from(`${VERIFONE_PACKETS.display.type}${amount}`, 'latin1')), signal);
          redraw = false;
        }
        const key = await this.#readKey(seconds, signal);
        if (key >= '0' && key <= '9') {
          const next = amount * 10 + Number(key);
          // A digit that would go over the largest amount is ignored, as a pad's own amount entry does.
          if (next <= request.maxMinor && next !== amount) {
            amount = next;
            redraw = true;
          }
          continue;
        }
        const meaning = KEY_CODES[key as keyof typeof KEY_CODES];
        switch (meaning) {
          case 'enter':
            return amount;
          case 'clear':
            redraw = amount !== 0;
            amount = 0;
            break;
          case 'cancel':
            padEnded = true;
            throw new PosError('AMOUNT_ENTRY_CANCELLED', `The cardholder cancelled the ${request.purpose} on ${this.name}`, { device: this.name, reason: 'cancel-key' });
          case 'timeout':
            padEnded = true;
            throw new PosError('AMOUNT_ENTRY_TIMEOUT', `No ${request.purpose} keyed on ${this.name} in time`, { device: this.name, by: 'pad', keyTimeoutSeconds: seconds });
          case 'f1':
          case 'f2':
          case 'f3':
            break;
        }
      }
    } catch (err) {
      // The pad may still be reading keys or showing the prompt: 72 sends it idle before the caller hears.
      if (!padEnded) this.#abandon();
      throw err;
    } finally {
      this.#keyingAmount = false;
    }
  }

  /** Z2<GS><ID><SUB>: the pad shows its own prompt and says whether it has it (PP791 manual p. 210–212). */
  async #showPrompt(promptId: number, signal: AbortSignal): Promise<void> {
    const body = `${VERIFONE_PACKETS.displayPrompt.type}${String.fromCharCode(GS)}${String(promptId).padStart(3, '0')}${String.fromCharCode(SUB)}`;
    const waitMs = this.#ackTimeoutMs * (this.#retries + 1) + this.#answerMarginMs;
    const silent = () => new PosError('DEVICE_NO_ANSWER', `${this.name} did not answer the prompt`, { device: this.name, command: 'Z2', timeoutMs: waitMs });
    const answer = await this.#exchange(body, (b) => startsWith(b, VERIFONE_PACKETS.displayPrompt.type), false, waitMs, silent, signal);
    const status = answer.length === ANSWER_BYTES ? answer.toString('latin1', 2) : '';
    if (status === '0') return;
    if (status === '1') {
      throw new PosError('PIN_PAD_PROMPT_REFUSED', `${this.name} has no fixed prompt ${promptId}: check pinpad.tipPrompt against the pad's prompt table (a configuration fault)`, {
        device: this.name,
        promptId,
        status: PROMPT_STATUS[status],
      });
    }
    throw new PosError('DEVICE_UNEXPECTED_FRAME', `${this.name} answered the prompt with an unexpected packet`, { device: this.name, command: 'Z2', bodyBytes: answer.length });
  }

  /** Z42<seconds> → Z43<key>; the driver gives up `answerMarginMs` after the pad should have. */
  async #readKey(seconds: number, signal: AbortSignal): Promise<KeyCode> {
    const waitMs = seconds * 1000 + this.#answerMarginMs;
    const silent = () => new PosError('AMOUNT_ENTRY_TIMEOUT', `${this.name} sent no key in time`, { device: this.name, by: 'driver', timeoutMs: waitMs });
    const answer = await this.#exchange(`${VERIFONE_PACKETS.readKey.type}${seconds}`, (b) => startsWith(b, VERIFONE_PACKETS.keyCode.type), true, waitMs, silent, signal);
    const key = answer.length === KEY_ANSWER_BYTES ? answer.toString('latin1', 3) : '';
    if (/^[0-9]$/.test(key) || key in KEY_CODES) return key as KeyCode;
    throw new PosError('DEVICE_UNEXPECTED_FRAME', `${this.name} answered a key read with an unexpected packet`, { device: this.name, command: 'Z42', bodyBytes: answer.length });
  }

  /** Sends `body` and waits for the packet `accepts` takes; `silent()` after `waitMs`, the abort error on `signal`. */
  async #exchange(body: string, accepts: (b: Buffer) => boolean, endsOnEot: boolean, waitMs: number, silent: () => PosError, signal: AbortSignal): Promise<Buffer> {
    if (signal.aborted) throw this.#amountAborted();
    const answer = new Promise<Buffer>((resolve, reject) => {
      this.#answer = { accepts, endsOnEot, resolve, reject };
    });
    this.#send('data', Buffer.from(body, 'latin1')).catch((err: unknown) => this.#failAnswer(asPosError(err, 'pinpad send')));
    const timer = setTimeout(() => this.#failAnswer(silent()), waitMs);
    const onAbort = (): void => this.#failAnswer(this.#amountAborted());
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await answer;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** `work`, unless `signal` aborts first. */
  #unlessAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(this.#amountAborted());
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(this.#amountAborted());
      signal.addEventListener('abort', onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  #amountAborted(): PosError {
    return new PosError('AMOUNT_ENTRY_CANCELLED', `Amount entry on ${this.name} cancelled (aborted)`, { device: this.name, reason: 'aborted' });
  }

  async showMessage(lines: readonly string[]): Promise<void> {
    this.#link.checkUsable();
    const text = lines
      .slice(0, 2)
      .map((l) => l.replace(/[^\x20-\x7e]/g, ' ').slice(0, this.#columns))
      .join(String.fromCharCode(FS));
    await this.#send('data', Buffer.from(`${VERIFONE_PACKETS.display.type}${String.fromCharCode(SUB)}${text}`, 'latin1'));
  }

  /** Packet 72: the pad leaves PIN entry and goes idle. */
  async cancel(): Promise<void> {
    this.#link.checkUsable();
    await this.#send('control', Buffer.from(VERIFONE_PACKETS.cancel.type, 'latin1'));
  }

  state(): DeviceState {
    return this.#link.state;
  }

  close(): Promise<void> {
    return this.#link.close();
  }

  async #pinExchange(body: Buffer, timeoutMs: number, signal: AbortSignal): Promise<PinEntryResult> {
    try {
      this.#link.checkUsable();
      if (this.#answer !== undefined || this.#keyingAmount) throw new PosError('DEVICE_BUSY', `${this.name} is already asking the cardholder`, { device: this.name });
      if (signal.aborted) throw this.#aborted();
      const accepts = (b: Buffer): boolean => startsWith(b, VERIFONE_PACKETS.pinBlockDukpt.type) || startsWith(b, VERIFONE_PACKETS.pinError.type);
      const answer = new Promise<Buffer>((resolve, reject) => {
        this.#answer = { accepts, endsOnEot: false, resolve, reject };
      });
      // Fail fast if the pad never takes the request; the answer then never comes.
      this.#send('data', body).catch((err: unknown) => this.#failAnswer(asPosError(err, 'pinpad send')));
      const timer = setTimeout(() => {
        this.#failAnswer(new PosError('PIN_ENTRY_TIMEOUT', `No PIN entered on ${this.name} in time`, { device: this.name, timeoutMs, by: 'driver' }));
        this.#abandon();
      }, timeoutMs + this.#answerMarginMs);
      const onAbort = (): void => {
        this.#failAnswer(this.#aborted());
        this.#abandon();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        return this.#pinResult(await answer);
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      }
    } finally {
      body.fill(0);
    }
  }

  #pinResult(body: Buffer): PinEntryResult {
    try {
      const text = body.toString('latin1');
      if (text.startsWith(VERIFONE_PACKETS.pinError.type)) {
        const code = text.slice(VERIFONE_PACKETS.pinError.type.length).replace(/^\./, '').slice(0, 1);
        const meaning = code in PIN_ERROR_CODES ? PIN_ERROR_CODES[code as PinErrorCode] : 'unknown';
        this.#log.debug({ code: meaning }, 'PIN entry ended without a PIN');
        if (meaning === 'cancel-key') throw new PosError('PIN_ENTRY_CANCELLED', 'The cardholder pressed cancel', { device: this.name });
        if (meaning === 'timeout') throw new PosError('PIN_ENTRY_TIMEOUT', `No PIN entered on ${this.name} in time`, { device: this.name, by: 'pad' });
        throw new PosError('PIN_PAD_ERROR', `${this.name} refused PIN entry (${meaning})`, { device: this.name, code: meaning });
      }
      const prefix = `${VERIFONE_PACKETS.pinBlockDukpt.type}.${VERIFONE_PACKETS.pinBlockDukpt.detail}`;
      const rest = text.startsWith(prefix) ? text.slice(prefix.length) : '';
      if (rest.length === 0) throw new PosError('PIN_ENTRY_CANCELLED', 'The cardholder entered no PIN', { device: this.name, reason: 'empty' });
      if (!/^[0-9A-F]{26,36}$/.test(rest)) {
        throw new PosError('DEVICE_UNEXPECTED_FRAME', `${this.name} answered PIN entry with an unexpected packet`, { device: this.name, bodyBytes: body.length });
      }
      const ksnHex = rest.slice(0, -16).padStart(20, 'F');
      const pinBlock = Sensitive.of('pin-block', Buffer.from(rest.slice(-16), 'hex'));
      return { pinBlock, ksn: Buffer.from(ksnHex, 'hex'), format: 'iso0' };
    } finally {
      body.fill(0);
    }
  }

  /** Sends 72 so the pad stops waiting for a PIN; a failure here is only logged. */
  #abandon(): void {
    this.#send('control', Buffer.from(VERIFONE_PACKETS.cancel.type, 'latin1')).catch((err: unknown) =>
      this.#log.debug({ code: asPosError(err, 'pinpad cancel').code }, 'cancel not acknowledged'),
    );
  }

  #send(frame: 'data' | 'control', body: Buffer): Promise<void> {
    const refused = notConnected(this.name, this.#link.state);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ packet: encodePacket(frame, body), type: body.subarray(0, 3).toString('latin1').replace(/[^0-9A-Z]/g, ''), sends: 0, naks: 0, timer: undefined, resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#sending !== undefined) return;
    const next = this.#queue.shift();
    if (next === undefined) return;
    this.#sending = next;
    this.#transmit(next);
  }

  #transmit(out: Outgoing): void {
    out.sends++;
    if (out.timer !== undefined) clearTimeout(out.timer);
    out.timer = setTimeout(() => {
      out.timer = undefined;
      if (out.sends <= this.#retries) this.#transmit(out);
      else this.#finishSend(new PosError('DEVICE_NO_ANSWER', `${this.name} did not acknowledge packet ${out.type}`, { device: this.name, command: out.type, attempts: out.sends, timeoutMs: this.#ackTimeoutMs }));
    }, this.#ackTimeoutMs);
    this.#transport.write(out.packet).catch((err: unknown) => this.#finishSend(asPosError(err, 'pinpad write')));
  }

  #finishSend(error?: PosError): void {
    const out = this.#sending;
    if (out === undefined) return;
    this.#sending = undefined;
    if (out.timer !== undefined) clearTimeout(out.timer);
    out.packet.fill(0);
    if (error === undefined) out.resolve();
    else out.reject(error);
    this.#pump();
  }

  #onData(chunk: Buffer): void {
    for (const event of this.#framer.push(chunk)) {
      switch (event.type) {
        case 'ack':
          this.#finishSend();
          break;
        case 'nak':
          this.#onNak();
          break;
        case 'eot':
          this.#onEot();
          break;
        case 'packet':
          this.#naksSent = 0;
          this.#sessionEndDue = true;
          this.#writeLink(ACK);
          this.#onPacket(event.frame, event.body);
          break;
        case 'error':
          this.#log.debug({ code: event.error.code, details: event.error.details }, 'packet error');
          if (event.error.code === 'DEVICE_FRAME_LRC') {
            this.#naksSent++;
            this.#writeLink(NAK);
          }
          break;
      }
    }
  }

  #onNak(): void {
    const out = this.#sending;
    if (out === undefined) return;
    out.naks++;
    if (out.naks >= LINK_ATTEMPTS) {
      this.#writeLink(EOT);
      this.#finishSend(new PosError('DEVICE_LINK_FAILED', `${this.name} refused packet ${out.type} ${LINK_ATTEMPTS} times`, { device: this.name, command: out.type, attempts: out.naks }));
      return;
    }
    this.#log.debug({ command: out.type, naks: out.naks }, 'NAK: resend');
    this.#transmit(out);
  }

  #onEot(): void {
    if (this.#sessionEndDue) {
      // The pad closing its session after our ACK, possibly while our next packet is on the wire.
      this.#sessionEndDue = false;
      return;
    }
    if (this.#sending !== undefined) {
      this.#finishSend(new PosError('DEVICE_LINK_FAILED', `${this.name} ended the session (EOT) before acknowledging`, { device: this.name, command: this.#sending.type, attempts: this.#sending.sends }));
      return;
    }
    if (this.#naksSent >= LINK_ATTEMPTS) {
      this.#naksSent = 0;
      this.#failAnswer(new PosError('DEVICE_LINK_FAILED', `${this.name} gave up sending after ${LINK_ATTEMPTS} NAKs`, { device: this.name, attempts: LINK_ATTEMPTS }));
      return;
    }
    if (this.#answer?.endsOnEot === true) {
      this.#failAnswer(new PosError('DEVICE_STATUS_ERROR', `${this.name} stopped (EOT) instead of reading a key`, { device: this.name, command: 'Z42', status: 'EOT' }));
    }
    // Otherwise the pad's end of session after our ACK: nothing to do.
  }

  #onPacket(frame: 'data' | 'control', body: Buffer): void {
    const answer = this.#answer;
    const type = body.subarray(0, 3).toString('latin1').replace(/[^0-9A-Z]/g, '');
    if (answer !== undefined && frame === 'data' && answer.accepts(body)) {
      this.#answer = undefined;
      answer.resolve(body);
      return;
    }
    body.fill(0);
    this.#log.debug({ frame, type }, 'packet with nothing waiting: dropped');
  }

  #writeLink(byte: number): void {
    this.#transport.write(Buffer.from([byte])).catch(() => undefined);
  }

  #failAnswer(error: PosError): void {
    const answer = this.#answer;
    this.#answer = undefined;
    answer?.reject(error);
  }

  #failAll(error: PosError): void {
    this.#failAnswer(error);
    this.#finishSend(error);
    for (const out of this.#queue.splice(0)) out.reject(error);
  }

  #aborted(): PosError {
    return new PosError('DEVICE_READ_CANCELLED', `PIN entry on ${this.name} cancelled (aborted)`, { device: this.name, reason: 'aborted' });
  }
}

export function createVerifonePinPad(transport: ByteTransport, options: VerifonePinPadOptions = {}): VerifonePinPad {
  return new VerifonePinPad(transport, options);
}
