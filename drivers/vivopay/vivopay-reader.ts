/**
 * `CardReader` for ID TECH ViVOpay readers speaking protocol 2 (NEO 2
 * Interface Developer's Guide, sections 2.8 and 8.4 "Contact EMV"): chip and
 * swipe through one EMV transaction exchange.
 *
 *   readCard    → 60-10 start (amount 9F02, currency 5F2A, type 9C; fallback
 *                 allowed) … card inserted, read, first GENERATE AC … the
 *                 answer: online-request TLV (ARQC) or a swipe's track line
 *   completeChip → 60-12 with 8A and the issuer data (91, 71, 72) … the card's
 *                 second GENERATE AC: TC (approved) or AAC (declined)
 *   abort        → 05-01 cancel; the pending start is answered FAILED/cancelled
 *
 * The link: every command waits for the response with the same command byte.
 * No answer in time → resend, up to the command's retries, then
 * `DEVICE_NO_ANSWER`. A CRC-error status from the reader, or a response whose
 * CRC fails here, → resend, three attempts in all, then `DEVICE_LINK_FAILED`.
 * Bad bytes never throw and never close the port. The driver has no clock of
 * its own beyond these timers; the reader fills 9A/9F21.
 */
import type { Logger } from 'pino';
import { parseSwipeLine, wipeCard } from '../../src/card/swipe-line.js';
import type { MagstripeCard } from '../../src/card/types.js';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { CardRead, ChipCardReader, ChipCompletion, ChipRead, DeviceState, HostAnswerForCard, ReadRequest, SwipeRead } from '../../src/devices/card-reader.js';
import { decode, encode, type TlvNode } from '../../src/emv/ber-tlv.js';
import { flatten } from '../../src/emv/tlv-query.js';
import { silentLogger } from '../../src/log/logger.js';
import { asPosError, PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { notConnected, readBusy, readCancelled } from '../shared/device-errors.js';
import { DeviceLink, logDroppedPartial } from '../shared/device-link.js';
import { cardFromTrack2Equivalent } from '../shared/track2-equivalent.js';
import { onlinePinRequired, withoutProprietary } from './chip-data.js';
import { VivopayFramer, VIVOPAY_DEFAULT_INTER_BYTE_TIMEOUT_MS, VIVOPAY_DEFAULT_MAX_FRAME_BYTES, type VivopayFrame } from './framer.js';
import {
  CID_TC,
  CID_TYPE_MASK,
  ENTRY_MODE,
  FAILURE_REASON,
  START_FALLBACK_ALLOWED,
  VIVOPAY_COMMANDS,
  VIVOPAY_STATUS,
  VIVOPAY_TAGS,
  encodeCommandFrame,
  type VivopayOperation,
} from './protocol.js';

/** Attempts of one command when the reader or this end sees a corrupt frame (first send and two resends). */
export const LINK_ATTEMPTS = 3;
export const VIVOPAY_DEFAULT_CARD_TIMEOUT_S = 60;
/** Room beyond the card timeout for the reader's own processing and the answer's wire time. */
const START_ANSWER_MARGIN_MS = 10_000;
/** EMV Transaction Type (9C) for a purchase of goods or services. */
export const TRANSACTION_TYPE_PURCHASE = 0x00;

export interface VivopayReaderOptions {
  /** For logs and `/v1/health`; default `vivopay`. */
  readonly name?: string;
  readonly maxFrameBytes?: number;
  readonly interByteTimeoutMs?: number;
  /** How long the reader waits for a card (sent in 60-10); default 60 s. */
  readonly cardTimeoutS?: number;
  /** Whether the reader may fall back to the stripe after a chip failure; default true. */
  readonly allowFallback?: boolean;
  /** Scales the answer timeouts of the command table (tests); default 1. */
  readonly answerTimeoutScale?: number;
  readonly logger?: Logger;
}

interface Pending {
  readonly operation: VivopayOperation;
  readonly frame: Buffer;
  sends: number;
  corrupt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Writes the frame again and restarts the answer timer. */
  resend: () => void;
  resolve(frame: VivopayFrame): void;
  reject(error: PosError): void;
}

export class VivopayReader implements ChipCardReader {
  readonly name: string;
  /** Contact EMV: chip reads, and the card's second GENERATE AC after the host answers. */
  readonly capabilities = { chip: true } as const;
  readonly #transport: ByteTransport;
  readonly #framer: VivopayFramer;
  readonly #log: Logger;
  readonly #options: VivopayReaderOptions;
  readonly #link: DeviceLink;
  /** Pending commands by command byte (the response echoes it). */
  readonly #pending = new Map<number, Pending>();
  #reading = false;
  /** A chip read went online and waits for `completeChip`. */
  #awaitingHost = false;

  constructor(transport: ByteTransport, options: VivopayReaderOptions = {}) {
    this.name = options.name ?? 'vivopay';
    this.#transport = transport;
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ device: this.name, transport: transport.description });
    this.#framer = new VivopayFramer({
      maxFrameBytes: options.maxFrameBytes ?? VIVOPAY_DEFAULT_MAX_FRAME_BYTES,
      interByteTimeoutMs: options.interByteTimeoutMs ?? VIVOPAY_DEFAULT_INTER_BYTE_TIMEOUT_MS,
      onTimeout: logDroppedPartial(this.#log, 'frame'),
    });
    const linkOptions = { name: this.name, log: this.#log, role: 'reader', failPending: (e: PosError) => this.#failAll(e) };
    this.#link = DeviceLink.over(transport, linkOptions, (chunk) => this.#onData(chunk), () => this.#framer.dispose());
  }

  /** 18-01: resolves when the reader answers OK. */
  async ping(): Promise<void> {
    this.#expectOk('ping', await this.#exchange('ping'));
  }

  /** 03-02: the reader's EMV configuration as BER-TLV. */
  async getConfiguration(): Promise<Buffer> {
    const frame = await this.#exchange('getConfiguration');
    this.#expectOk('getConfiguration', frame);
    return frame.data;
  }

  /** 04-00: sets configuration data objects (terminal country 9F1A, capabilities 9F33, …). */
  async setConfiguration(tlv: Uint8Array): Promise<void> {
    this.#expectOk('setConfiguration', await this.#exchange('setConfiguration', tlv));
  }

  async readCard(request: ReadRequest, signal: AbortSignal): Promise<CardRead> {
    this.#link.checkUsable();
    if (this.#reading) throw readBusy(this.name);
    if (signal.aborted) throw readCancelled(this.name, 'aborted');
    this.#reading = true;
    this.#awaitingHost = false;
    const cardTimeoutS = this.#options.cardTimeoutS ?? VIVOPAY_DEFAULT_CARD_TIMEOUT_S;
    const started = this.#exchange('startTransaction', startData(request, cardTimeoutS, this.#options.allowFallback ?? true), cardTimeoutS * 1000 + START_ANSWER_MARGIN_MS);
    const onAbort = (): void => {
      // Disarm first: the start's own answer (FAILED/cancelled) then finds nothing pending, and the
      // read rejects only once the reader confirmed the cancel (its stale answer precedes that), so
      // the next read's start cannot take it for its own.
      const start = this.#settle(VIVOPAY_COMMANDS.startTransaction.command);
      this.#exchange('cancelTransaction')
        .catch((err: unknown) => this.#log.debug({ code: asPosError(err, 'vivopay cancel').code }, 'cancel not confirmed'))
        .finally(() => start?.reject(readCancelled(this.name, 'aborted')));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const frame = await started;
      return this.#readFromStart(frame);
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.#reading = false;
    }
  }

  async completeChip(answer: HostAnswerForCard, signal: AbortSignal): Promise<ChipCompletion> {
    this.#link.checkUsable();
    if (!this.#awaitingHost) throw new PosError('CHIP_NO_TRANSACTION', `${this.name} has no chip transaction waiting for the host`, { device: this.name });
    if (signal.aborted) throw readCancelled(this.name, 'aborted');
    this.#awaitingHost = false;
    const data = Buffer.concat([encode([{ tag: '8A', value: Buffer.from(answer.responseCode.padEnd(2, ' ').slice(0, 2), 'latin1') }]), answer.issuerTlv]);
    const onAbort = (): void => this.#fail(VIVOPAY_COMMANDS.completeTransaction.command, readCancelled(this.name, 'aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const frame = await this.#exchange('completeTransaction', data);
      this.#expectOk('completeTransaction', frame);
      const cid = this.#tags(frame.data).get('9F27');
      if (cid?.length !== 1) throw new PosError('CHIP_DATA_INVALID', 'The second GENERATE AC answer has no Cryptogram Information Data', { tag: '9F27' });
      const decision = ((cid[0] as number) & CID_TYPE_MASK) === CID_TC ? 'approved' : 'declined';
      this.#log.debug({ decision }, 'card decision');
      return { decision, tlv: frame.data };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  state(): DeviceState {
    return this.#link.state;
  }

  close(): Promise<void> {
    return this.#link.close();
  }

  #readFromStart(frame: VivopayFrame): CardRead {
    const data = frame.data;
    try {
      if (frame.status === VIVOPAY_STATUS.TIMEOUT) throw new PosError('CHIP_NO_CARD', 'No card was presented in time', { device: this.name });
      if (frame.status === VIVOPAY_STATUS.FAILED) throw this.#failure(this.#tags(data).get(VIVOPAY_TAGS.failure)?.[0]);
      this.#expectOk('startTransaction', frame);
      const nodes = decode(data);
      const tags = flatten(nodes);
      const entry = tags.get(VIVOPAY_TAGS.entryMode)?.[0];
      switch (entry) {
        case ENTRY_MODE.chip:
          return this.#chipRead(nodes, tags);
        case ENTRY_MODE.swipe:
        case ENTRY_MODE.fallback:
          return this.#swipeRead(tags.get(VIVOPAY_TAGS.swipeLine), entry === ENTRY_MODE.fallback);
        default:
          throw new PosError('CHIP_DATA_INVALID', 'The reader did not say how the card was read', { tag: VIVOPAY_TAGS.entryMode });
      }
    } catch (err) {
      const error = asPosError(err, 'vivopay read');
      this.#log.debug({ code: error.code, details: error.details }, 'read error');
      throw error;
    } finally {
      data.fill(0);
    }
  }

  #chipRead(nodes: readonly TlvNode[], tags: Map<string, Uint8Array>): ChipRead {
    const t2 = tags.get('57');
    if (t2 === undefined) throw new PosError('CHIP_DATA_INVALID', 'The online request has no Track 2 Equivalent Data', { tag: '57' });
    if (tags.get('9F26')?.length !== 8) throw new PosError('CHIP_DATA_INVALID', 'The online request has no 8-byte ARQC', { tag: '9F26' });
    const card = cardFromTrack2Equivalent(t2);
    const pinRequired = onlinePinRequired(tags.get('9F34'));
    this.#awaitingHost = true;
    this.#log.debug({ pan: card.pan, brand: card.brand, pinRequired }, 'chip read, online request');
    return { entryMode: 'chip', card, chip: { tlv: Sensitive.of('data', withoutProprietary(nodes)) }, pinRequired };
  }

  #swipeRead(line: Uint8Array | undefined, fallback: boolean): SwipeRead {
    if (line === undefined) throw new PosError('CHIP_DATA_INVALID', 'The swipe answer has no track line', { tag: VIVOPAY_TAGS.swipeLine });
    const card: MagstripeCard = parseSwipeLine(line);
    const interchange = card.serviceCode[0];
    if (!fallback && (interchange === '2' || interchange === '6')) {
      wipeCard(card);
      throw new PosError('CHIP_CARD_SWIPED', 'A chip card was swiped: insert it', { device: this.name, serviceCodeDigit1: Number(interchange) });
    }
    this.#log.debug({ pan: card.pan, brand: card.brand, fallback }, 'card swiped');
    return { entryMode: fallback ? 'fallback' : 'swipe', card };
  }

  #failure(reason: number | undefined): PosError {
    switch (reason) {
      case FAILURE_REASON.cancelled:
        return readCancelled(this.name, 'aborted');
      case FAILURE_REASON.chipUnreadable:
        return new PosError('CHIP_READ_FAILED', 'The chip could not be read and fallback is not allowed', { device: this.name, reason: 'chip-unreadable' });
      case FAILURE_REASON.cardRemoved:
        return new PosError('CHIP_READ_FAILED', 'The card was removed during the transaction', { device: this.name, reason: 'card-removed' });
      default:
        return new PosError('DEVICE_STATUS_ERROR', 'The reader failed the transaction', { device: this.name, command: 'startTransaction', status: VIVOPAY_STATUS.FAILED, reason: reason ?? -1 });
    }
  }

  #tags(data: Uint8Array): Map<string, Uint8Array> {
    try {
      return flatten(decode(data));
    } catch {
      return new Map();
    }
  }

  #expectOk(operation: VivopayOperation, frame: VivopayFrame): void {
    if (frame.status !== VIVOPAY_STATUS.OK) {
      throw new PosError('DEVICE_STATUS_ERROR', `The reader answered ${operation} with status ${frame.status}`, { device: this.name, command: operation, status: frame.status });
    }
  }

  /** Sends a command and resolves with its response frame (any status but CRC_ERROR). */
  #exchange(operation: VivopayOperation, data?: Uint8Array, answerTimeoutMs?: number): Promise<VivopayFrame> {
    const spec = VIVOPAY_COMMANDS[operation];
    const refused = notConnected(this.name, this.#link.state);
    if (refused !== undefined) return Promise.reject(refused);
    const previous = this.#pending.get(spec.command);
    if (previous !== undefined) return Promise.reject(new PosError('DEVICE_BUSY', `${this.name}: ${previous.operation} is still waiting for its answer`, { device: this.name, command: operation }));
    const timeoutMs = (answerTimeoutMs ?? spec.answerTimeoutMs) * (this.#options.answerTimeoutScale ?? 1);
    return new Promise<VivopayFrame>((resolve, reject) => {
      const pending: Pending = { operation, frame: encodeCommandFrame(spec.command, spec.subCommand, data), sends: 0, corrupt: 0, timer: undefined, resend: () => undefined, resolve, reject };
      this.#pending.set(spec.command, pending);
      const send = (): void => {
        pending.sends++;
        if (pending.timer !== undefined) clearTimeout(pending.timer);
        pending.timer = timeoutMs > 0 ? setTimeout(onSilence, timeoutMs) : undefined;
        this.#transport.write(pending.frame).catch((err: unknown) => this.#fail(spec.command, asPosError(err, 'vivopay write')));
      };
      const onSilence = (): void => {
        pending.timer = undefined;
        if (pending.sends <= spec.retries) {
          this.#log.debug({ command: operation, sends: pending.sends }, 'no answer: resend');
          send();
        } else {
          this.#fail(spec.command, new PosError('DEVICE_NO_ANSWER', `${this.name} did not answer ${operation}`, { device: this.name, command: operation, attempts: pending.sends, timeoutMs }));
        }
      };
      pending.resend = send;
      send();
    });
  }

  #resend(command: number, why: 'crc-status' | 'corrupt-answer'): void {
    const pending = this.#pending.get(command);
    if (pending === undefined) return;
    pending.corrupt++;
    if (pending.corrupt >= LINK_ATTEMPTS) {
      this.#fail(command, new PosError('DEVICE_LINK_FAILED', `${this.name}: ${pending.operation} failed ${LINK_ATTEMPTS} times on the link`, { device: this.name, command: pending.operation, attempts: pending.corrupt, why }));
      return;
    }
    this.#log.debug({ command: pending.operation, why }, 'corrupt exchange: resend');
    pending.resend();
  }

  #onData(chunk: Buffer): void {
    const events = this.#framer.push(chunk);
    // A slice of the port's read buffer that may hold track or chip data: zeroed once framed.
    chunk.fill(0);
    for (const event of events) {
      if (event.type === 'frame') this.#onFrame(event.frame);
      else {
        this.#log.debug({ code: event.error.code, details: event.error.details }, 'frame error');
        const command = event.error.details['command'];
        if (event.error.code === 'DEVICE_FRAME_CRC' && typeof command === 'number') this.#resend(command, 'corrupt-answer');
      }
    }
  }

  #onFrame(frame: VivopayFrame): void {
    const pending = this.#pending.get(frame.command);
    if (pending === undefined) {
      frame.data.fill(0);
      this.#log.debug({ command: frame.command, status: frame.status }, 'answer with nothing pending: dropped');
      return;
    }
    if (frame.status === VIVOPAY_STATUS.CRC_ERROR) {
      this.#resend(frame.command, 'crc-status');
      return;
    }
    this.#settle(frame.command);
    pending.resolve(frame);
  }

  #settle(command: number): Pending | undefined {
    const pending = this.#pending.get(command);
    if (pending === undefined) return undefined;
    this.#pending.delete(command);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    return pending;
  }

  #fail(command: number, error: PosError): void {
    this.#settle(command)?.reject(error);
  }

  #failAll(error: PosError): void {
    for (const command of [...this.#pending.keys()]) this.#fail(command, error);
  }
}

/** 60-10 data: [fallback][card timeout s, BE][0000][9F02 9C 5F2A]. */
export function startData(request: ReadRequest, cardTimeoutS: number, allowFallback: boolean): Buffer {
  const fixed = Buffer.alloc(5);
  fixed[0] = allowFallback ? START_FALLBACK_ALLOWED : 0;
  fixed.writeUInt16BE(Math.min(cardTimeoutS, 0xffff), 1);
  return Buffer.concat([
    fixed,
    encode([
      { tag: '9F02', value: Buffer.from(String(request.amountMinor).padStart(12, '0'), 'hex') },
      { tag: '9C', value: Buffer.from([TRANSACTION_TYPE_PURCHASE]) },
      { tag: '5F2A', value: Buffer.from(request.currency.padStart(4, '0'), 'hex') },
    ]),
  ]);
}

/** The driver over a transport the caller opened. */
export function createVivopayReader(transport: ByteTransport, options: VivopayReaderOptions = {}): VivopayReader {
  return new VivopayReader(transport, options);
}
