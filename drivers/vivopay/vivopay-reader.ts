/**
 * `ChipCardReader` for an ID TECH NEO 2 reader (VP3300, VP5300, Kiosk …)
 * speaking protocol 2, as the guide's contact EMV L2 flow runs it (8.4.2
 * p160): the reader carries a certified kernel, the terminal drives it.
 *
 *   readCard     → 60-10 Start Transaction [fallback][TimeOut1][TimeOut2][9F02 9C 5F2A 9F03]
 *                    ← 60 63 (accepted) … card read … ← 60 00 [0010][57 5A 5F24 … 9F39=05]
 *                    or a swipe: ← 60 00 [0011][DFEE23 MSR data][9F39=90|80] — the read ends here
 *                  → 60-11 Authenticate Transaction
 *                    ← 60 63 … ODA, restrictions, CVM (the reader's 61-02 for an online
 *                    PIN: the engine's PIN pad takes it then, `ReadRequest.enterOnlinePin`,
 *                    and 61-02 is answered "entered" once it is — `onlinePinEntered`),
 *                    TRM, TAA, first GENERATE AC
 *                    ← 60 00 [0004 go online | 0000 approved offline | 0001 declined offline][TLVs]
 *   with `contactless`, first
 *   readCard     → 02-40 Activate Transaction [Timeout][9F02 9F03 9C 5F2A] (guide 8.5.2 p209)
 *                    ← 02 23 [Attribution][TLVs] online request: a ChipRead, entry mode contactless
 *                    ← 02 00 [Attribution][TLVs] offline: 9F27 TC approved / AAC declined; or
 *                      Attribution "contactless MSD": a SwipeRead from 57, contactless-magstripe
 *                    ← 02 00 [Attribution MSR][DFEE23][9F39 90]: a swipe, as 60-10's
 *                    ← 02 0A [FFEE1F 02 …] insert card (`ReadRequest.insertCard`): the contact flow above; [FFEE1F E1 …]
 *                      see phone: 02-40 again for the tap after the phone; ← 02 08 no tap
 *                  → 03-40 Get Transaction Result when 02-40's answer did not come in time
 *                    or came garbled (8.5.4): its answer, in 02-40's layout, is the tap's —
 *                    unless it is the result this driver already had, or another amount's
 *                  (no 60-12 for a tap: the engine does not complete a contactless read)
 *   completeChip → 60-12 Apply Host Response [8A][91][71/72] (empty: unable to go online)
 *                    ← 60 63 … ← 60 00 [0002|0003][9F27 95 9B 9F5B 9F26 …]
 *   abort        → 05-01 Cancel: the pending 60-1x is answered "cancelled" and
 *                  dropped here; the read rejects once the cancel is answered
 *
 * The reader's own commands (61-01 display, 61-02 PIN) are answered as they
 * come. The link: each command waits for a response with its command byte.
 * No answer in time → resend, up to the command's retries, then
 * `DEVICE_NO_ANSWER`; after 63 the command is the reader's, and only its
 * answer (or its final timeout) ends it. A CRC-error status, or a response
 * whose CRC fails, → resend, three attempts in all, then
 * `DEVICE_LINK_FAILED` — except a contact command's lost answer after 63,
 * which is asked for again with 60-13 Retrieve Transaction Result rather
 * than run twice. Bad bytes never throw and never close the port.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { parseSwipeLine, wipeCard } from '../../src/card/swipe-line.js';
import type { ChipCard, MagstripeCard } from '../../src/card/types.js';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { CardRead, ChipCardReader, ChipCompletion, ChipRead, DeviceState, HostAnswerForCard, ReadRequest, SwipeRead } from '../../src/devices/card-reader.js';
import { flatten } from '../../src/emv/tlv-query.js';
import { silentLogger } from '../../src/log/logger.js';
import { asPosError, PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';
import { notConnected, readBusy, readCancelled } from '../shared/device-errors.js';
import { DeviceLink, logDroppedPartial } from '../shared/device-link.js';
import { cardFromTrack2Equivalent } from '../shared/track2-equivalent.js';
import { activateTransactionData, CONTACTLESS_ERROR, isMagstripeTap, isSwipe, parseActivateAnswer } from './activate-data.js';
import { emvSummaryOf, withoutReaderTags } from './chip-data.js';
import {
  amountN12,
  applyHostResponseData,
  msrTracks,
  parseContactAnswer,
  parseDisplayControl,
  parsePinControl,
  PIN_MODE,
  pinControlAnswer,
  readerDataError,
  readerTransactionType,
  startTransactionData,
  type ContactAnswer,
} from './contact-data.js';
import { VivopayFramer, VIVOPAY_DEFAULT_INTER_BYTE_TIMEOUT_MS, VIVOPAY_DEFAULT_MAX_FRAME_BYTES, type VivopayFrame } from './framer.js';
import {
  CID_TC,
  CID_TYPE_MASK,
  CONTACT_RESULT,
  POS_ENTRY_MODE,
  READER_CALLBACKS,
  statusName,
  VIVOPAY_COMMANDS,
  VIVOPAY_STATUS,
  VIVOPAY_TAGS,
  encodeCommandFrame,
  encodeResponseFrame,
  type VivopayOperation,
} from './protocol.js';

/** Attempts of one command when the reader or this end sees a corrupt frame (first send and two resends). */
export const LINK_ATTEMPTS = 3;
export const VIVOPAY_DEFAULT_CARD_TIMEOUT_S = 60;
/** TimeOut2 of 60-10: the driver sends 60-11 at once; this is the reader's patience should it not. */
export const AUTHENTICATE_TIMEOUT_S = 30;
/** Room beyond the card timeout for the reader's own processing and the answer's wire time. */
const START_ANSWER_MARGIN_MS = 10_000;
/** 60-11 may wait on the cardholder's PIN (the engine's PIN pad has its own timeout, 60 s by default). */
const AUTHENTICATE_ANSWER_MS = 150_000;
/** 60-12: external authenticate, scripts and the second GENERATE AC. */
const APPLY_HOST_ANSWER_MS = 30_000;
/** A configuration command may write flash before it answers. */
const CONFIGURATION_ANSWER_MS = 3000;
/** CTQ (9F6C) byte 2 b8: Consumer Device CVM performed (EMV Book C-3 Annex A.2). */
const CTQ_CDCVM_PERFORMED = 0x80;
/** 9F34 for a consumer-device CVM that succeeded (Book C-2: CVM 01, condition 00, result 02). */
const CVM_RESULTS_CDCVM = '010002';
/** PIN dialog failures that end the read: the cardholder gave no PIN. */
const PIN_NOT_GIVEN: ReadonlySet<string> = new Set(['cancelled', 'timeout']);
/** 61-01 lines that ask the cardholder for the stripe (fallback). */
const USE_STRIPE_MESSAGE = /MAGSTRIPE|SWIPE/i;

export interface VivopayReaderOptions {
  /** For logs and `/v1/health`; default `vivopay`. */
  readonly name?: string;
  readonly maxFrameBytes?: number;
  readonly interByteTimeoutMs?: number;
  /** How long the reader waits for a card (TimeOut1 of 60-10); default 60 s. */
  readonly cardTimeoutS?: number;
  /** Whether the reader may fall back to the stripe after a chip failure; default true. */
  readonly allowFallback?: boolean;
  /** Arm the reader for a tap first (02-40), then insert or swipe when the tap says so; default false. */
  readonly contactless?: boolean;
  /** Scales the command table's answer timeouts (tests); default 1. */
  readonly answerTimeoutScale?: number;
  readonly logger?: Logger;
}

/** A command as the link sends it: the table's entry, or a caller's (configuration). */
interface LinkCommand {
  readonly name: string;
  readonly command: number;
  readonly subCommand: number;
  readonly answerTimeoutMs: number;
  readonly retries: number;
}

interface Pending {
  readonly spec: LinkCommand;
  frame: Buffer;
  sends: number;
  corrupt: number;
  /** The reader answered 63: the command runs; only its answer (or `finalTimeoutMs`) ends it. */
  accepted: boolean;
  readonly finalTimeoutMs: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Writes the frame again and restarts the answer timer. */
  resend: () => void;
  resolve(frame: VivopayFrame): void;
  reject(error: PosError): void;
}

/** The read in progress: what the reader's 61-xx commands need. */
interface ActiveRead {
  readonly request: ReadRequest;
  /** Track 2 Equivalent Data from 60-10's answer; wiped when the read ends. */
  track2Equivalent: Buffer | undefined;
  /** The reader's CVM asked for online PIN (61-02) and the engine's PIN pad took it: the engine holds the block. */
  onlinePinEntered: boolean;
  /** The cardholder gave no PIN (cancelled, timed out): the read ends with this, not the reader's "cancelled". */
  pinFailure: PosError | undefined;
  /** The PIN pad went away during the reader's PIN step: the engine asks for the PIN after the read (`pinRequired`). */
  pinAfterRead: boolean;
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
  #read: ActiveRead | undefined;
  /** A chip read went online and waits for `completeChip`. */
  #awaitingHost = false;
  /** SHA-256 of the last contactless result taken (in memory only): a 03-40 giving it again is not this tap's. */
  #lastTapResult: Buffer | undefined;

  constructor(transport: ByteTransport, options: VivopayReaderOptions = {}) {
    this.name = options.name ?? 'vivopay';
    this.#transport = transport;
    this.#options = options;
    this.#log = (options.logger ?? silentLogger).child({ device: this.name, transport: transport.description });
    this.#framer = new VivopayFramer({
      maxFrameBytes: options.maxFrameBytes ?? VIVOPAY_DEFAULT_MAX_FRAME_BYTES,
      interByteTimeoutMs: options.interByteTimeoutMs ?? VIVOPAY_DEFAULT_INTER_BYTE_TIMEOUT_MS,
      onTimeout: logDroppedPartial(this.#log, 'frame'),
      crcOrder: 'either',
    });
    const linkOptions = { name: this.name, log: this.#log, role: 'reader', failPending: (e: PosError) => this.#failAll(e) };
    this.#link = DeviceLink.over(transport, linkOptions, (chunk) => this.#onData(chunk), () => this.#framer.dispose());
  }

  /** 18-01: resolves when the reader answers OK. */
  async ping(): Promise<void> {
    this.#expectOk('ping', await this.#exchange('ping'));
  }

  /** 60-13: the last transaction's result code and TLVs as the reader kept them. */
  async retrieveTransactionResult(): Promise<ContactAnswer & { readonly status: number }> {
    const frame = await this.#exchange('retrieveTransactionResult');
    try {
      return { status: frame.status, ...parseContactAnswer(frame.data) };
    } catch (error) {
      throw readerDataError(error, '60-13');
    }
  }

  /**
   * Any command on this link, for what this driver does not run itself (the
   * reader's configuration, `drivers/vivopay/configuration/`'s
   * `ConfigurationLink`): resolves with the reader's answer whatever its
   * status (the caller owns its data); rejects like the driver's own commands.
   */
  exchange(request: { readonly command: number; readonly subCommand: number; readonly data?: Uint8Array }): Promise<VivopayFrame> {
    const spec: LinkCommand = { name: commandLabel(request), command: request.command, subCommand: request.subCommand, answerTimeoutMs: CONFIGURATION_ANSWER_MS, retries: 1 };
    return this.#send(spec, request.data);
  }

  async readCard(request: ReadRequest, signal: AbortSignal): Promise<CardRead> {
    this.#link.checkUsable();
    if (this.#read !== undefined) throw readBusy(this.name);
    if (signal.aborted) throw readCancelled(this.name, 'aborted');
    const read: ActiveRead = { request, track2Equivalent: undefined, onlinePinEntered: false, pinFailure: undefined, pinAfterRead: false };
    this.#read = read;
    const abandoned = this.#awaitingHost;
    this.#awaitingHost = false;
    let onAbort = (): void => undefined;
    const cancelled = new Promise<never>((_resolve, reject) => {
      onAbort = () => {
        // Disarm first: the pending command's own "cancelled" answer then finds nothing pending, and
        // the read rejects only once the reader confirmed the cancel (its stale answer precedes that).
        const disarmed = [this.#settle(VIVOPAY_COMMANDS.startTransaction.command), this.#settle(VIVOPAY_COMMANDS.activateTransaction.command)];
        void this.#cancelOnReader().finally(() => {
          const error = readCancelled(this.name, 'aborted');
          for (const pending of disarmed) pending?.reject(error);
          reject(error);
        });
      };
    });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // A transaction the engine left without completing (no PIN given, a failure) ends on the reader first.
      if (abandoned) await this.#cancelOnReader();
      const flow = this.#options.contactless === true ? this.#tapRead(read, signal) : this.#contactRead(read, signal);
      return await Promise.race([flow, cancelled]);
    } catch (err) {
      const error = asPosError(err, 'vivopay read');
      this.#log.debug({ code: error.code, details: error.details }, 'read error');
      throw error;
    } finally {
      signal.removeEventListener('abort', onAbort);
      read.track2Equivalent?.fill(0);
      this.#read = undefined;
    }
  }

  async completeChip(answer: HostAnswerForCard, signal: AbortSignal): Promise<ChipCompletion> {
    this.#link.checkUsable();
    if (!this.#awaitingHost) throw new PosError('CHIP_NO_TRANSACTION', `${this.name} has no chip transaction waiting for the host`, { device: this.name });
    if (signal.aborted) throw readCancelled(this.name, 'aborted');
    this.#awaitingHost = false;
    const onAbort = (): void => this.#fail(VIVOPAY_COMMANDS.applyHostResponse.command, readCancelled(this.name, 'aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const frame = await this.#exchange('applyHostResponse', applyHostResponseData(answer), APPLY_HOST_ANSWER_MS);
      const final = this.#contactAnswer(frame, 'applyHostResponse');
      const tags = flatten(final.tlv);
      const cid = tags.get('9F27');
      if (cid?.length !== 1) throw new PosError('CHIP_DATA_INVALID', 'The completion has no Cryptogram Information Data', { tag: '9F27' });
      // The card's cryptogram is its word; a reader that says declined is believed too.
      const decision = ((cid[0] as number) & CID_TYPE_MASK) === CID_TC && final.resultCode !== CONTACT_RESULT.DECLINED ? 'approved' : 'declined';
      this.#log.debug({ decision, result: final.resultCode }, 'card decision');
      const emv = emvSummaryOf(tags);
      const tlv = withoutReaderTags(final.tlv);
      wipeTags(tags);
      return { decision, tlv, ...(emv === undefined ? {} : { emv }) };
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

  /** 02-40 until a tap gives a card; "insert card" hands over to the contact flow, "see phone" taps again. */
  async #tapRead(read: ActiveRead, signal: AbortSignal): Promise<CardRead> {
    const timeoutS = Math.min(0xff, this.#options.cardTimeoutS ?? VIVOPAY_DEFAULT_CARD_TIMEOUT_S);
    const data = activateTransactionData({ timeoutS, amountMinor: read.request.amountMinor, currency: read.request.currency, ...readerTransactionType(read.request) });
    const spec = { name: 'activateTransaction', ...VIVOPAY_COMMANDS.activateTransaction, answerTimeoutMs: timeoutS * 1000 + START_ANSWER_MARGIN_MS };
    for (;;) {
      const frame = await this.#send(spec, data).catch((error: unknown) => this.#tapResultAfter(asPosError(error, 'vivopay activate'), read.request.amountMinor));
      this.#lastTapResult = digest(frame.data);
      // A copy: the TLV values are views into it, wiped once the read is built.
      const body = Buffer.from(frame.data);
      frame.data.fill(0);
      let answer;
      try {
        answer = parseActivateAnswer(frame.status, body);
      } catch (error) {
        body.fill(0);
        throw readerDataError(error, '02-40');
      }
      switch (answer.kind) {
        case 'online':
        case 'completed': {
          const tags = flatten(answer.tlv);
          try {
            if (answer.kind === 'completed' && isSwipe(answer.attribution)) return this.#swipeRead(tags);
            if (isMagstripeTap(answer.attribution)) return this.#magstripeTap(tags);
            return this.#tapChipRead(read, answer.tlv, tags, answer.kind === 'online');
          } finally {
            wipeTags(tags);
            body.fill(0);
          }
        }
        case 'failed':
          body.fill(0);
          if (answer.error?.code === CONTACTLESS_ERROR.GO_TO_CONTACT_INTERFACE) {
            this.#log.debug('tap: insert the card');
            if (signal.aborted) throw readCancelled(this.name, 'aborted');
            read.request.insertCard?.();
            return this.#contactRead(read, signal);
          }
          if (answer.error?.code === CONTACTLESS_ERROR.SEE_PHONE) {
            this.#log.debug('tap: see phone, waiting for the tap again');
            if (signal.aborted) throw readCancelled(this.name, 'aborted');
            continue;
          }
          throw new PosError('CHIP_READ_FAILED', 'The contactless card could not be read', { device: this.name, reason: 'tap-failed', errorCode: answer.error?.code ?? -1 });
        case 'timeout':
          throw new PosError('CHIP_NO_CARD', 'No card was presented in time', { device: this.name });
        case 'card-detected':
          // A user-interface event; the answer follows (the link took this frame as the answer: ask again).
          continue;
        case 'refused':
          throw this.#unexpected('activateTransaction', answer.status, undefined);
      }
    }
  }

  /**
   * 02-40 timed out here, or its answer came garbled: the reader may have run
   * the tap. 03-40 asks for its result instead of guessing (a second 02-40
   * would start another transaction, or cancel the one running, p209). A
   * result this driver already took, or one for another amount, is an older
   * transaction's: then the Activate's own error stands.
   */
  async #tapResultAfter(error: PosError, amountMinor: number): Promise<VivopayFrame> {
    const lost = error.code === 'DEVICE_NO_ANSWER' || (error.code === 'DEVICE_LINK_FAILED' && error.details['why'] === 'corrupt-answer');
    if (!lost || error.details['command'] !== 'activateTransaction') throw error;
    this.#log.debug({ code: error.code }, 'activate answer lost: get transaction result');
    let frame: VivopayFrame;
    try {
      frame = await this.#exchange('getTransactionResult');
    } catch (err) {
      this.#log.debug({ code: asPosError(err, 'vivopay get result').code }, 'no transaction result');
      throw error;
    }
    const result = frame.status === VIVOPAY_STATUS.OK || frame.status === VIVOPAY_STATUS.REQUEST_ONLINE_AUTHORIZATION || (frame.status === VIVOPAY_STATUS.FAILED && frame.data.length > 0);
    const seen = this.#lastTapResult !== undefined && digest(frame.data).equals(this.#lastTapResult);
    if (!result || seen || !amountMatches(frame.data, amountMinor)) {
      this.#log.debug({ status: frame.status, seen }, 'transaction result is not this tap');
      frame.data.fill(0);
      throw error;
    }
    return frame;
  }

  /** A contactless chip tap: the card's first decision is the cryptogram it gave (23 online; 00 with TC or AAC). */
  #tapChipRead(read: ActiveRead, tlv: ContactAnswer['tlv'], tags: ReadonlyMap<string, Uint8Array>, online: boolean): ChipRead {
    const t2 = tags.get('57');
    if (t2 === undefined) throw new PosError('CHIP_DATA_INVALID', 'The tap has no Track 2 Equivalent Data', { tag: '57' });
    const cid = tags.get('9F27')?.[0];
    const decision: ChipRead['firstDecision'] = online ? 'online' : cid !== undefined && (cid & CID_TYPE_MASK) === CID_TC ? 'approved-offline' : 'declined-offline';
    if (decision === 'online' && tags.get('9F26')?.length !== 8) throw new PosError('CHIP_DATA_INVALID', 'The online request has no 8-byte ARQC', { tag: '9F26' });
    const card = cardFromTrack2Equivalent(t2);
    const summary = emvSummaryOf(tags);
    // A qVSDC card says its CVM in the CTQ, not 9F34 (Book C-3): on-device CVM reported as Kernel 2 reports it, 01 00 02.
    const cdcvm = ((tags.get('9F6C')?.[1] ?? 0) & CTQ_CDCVM_PERFORMED) !== 0;
    const emv = summary !== undefined && summary.cvmResults === undefined && cdcvm ? { ...summary, cvmResults: CVM_RESULTS_CDCVM } : summary;
    // Online PIN for a tap: the reader's outcome asks for it in the CVM results (9F34 byte 1 = 02) or the CTQ (9F6C byte 1 b8).
    const pinRequired = ((tags.get('9F34')?.[0] ?? 0) & 0x3f) === 0x02 || (decision === 'online' && ((tags.get('9F6C')?.[0] ?? 0) & 0x80) !== 0);
    this.#log.debug({ pan: card.pan, brand: card.brand, decision, pinRequired }, 'tap read');
    return {
      entryMode: 'contactless',
      card,
      chip: { tlv: Sensitive.of('data', withoutReaderTags(tlv)) },
      firstDecision: decision,
      ...(pinRequired ? { pinRequired: true } : {}),
      ...(emv === undefined ? {} : { emv }),
    };
  }

  /** A contactless mag-stripe tap: the reader's track 2 (57) as a stripe read. */
  #magstripeTap(tags: ReadonlyMap<string, Uint8Array>): SwipeRead {
    const t2 = tags.get('57');
    if (t2 === undefined) throw new PosError('CHIP_DATA_INVALID', 'The mag-stripe tap has no track 2', { tag: '57' });
    // Track 2 nibbles as the stripe's characters: D the separator, a trailing F the pad (EMV Book 3 Annex A).
    const nibbles = Buffer.from(t2).toString('hex').toUpperCase().replace(/F$/, '').replace('D', '=');
    const line = Buffer.from(`;${nibbles}?`, 'latin1');
    let card: MagstripeCard;
    try {
      card = parseSwipeLine(line);
    } finally {
      line.fill(0);
    }
    this.#log.debug({ pan: card.pan, brand: card.brand }, 'mag-stripe tap');
    return { entryMode: 'contactless-magstripe', card };
  }

  /** 60-10, then 60-11 for a chip; a swipe ends at 60-10. */
  async #contactRead(read: ActiveRead, signal: AbortSignal): Promise<CardRead> {
    const cardTimeoutS = this.#options.cardTimeoutS ?? VIVOPAY_DEFAULT_CARD_TIMEOUT_S;
    const start = startTransactionData({
      fallbackAllowed: this.#options.allowFallback ?? true,
      cardTimeoutS,
      authenticateTimeoutS: AUTHENTICATE_TIMEOUT_S,
      amountMinor: read.request.amountMinor,
      currency: read.request.currency,
      ...readerTransactionType(read.request),
    });
    const started = this.#contactAnswer(await this.#exchange('startTransaction', start, cardTimeoutS * 1000 + START_ANSWER_MARGIN_MS), 'startTransaction');
    const startTags = flatten(started.tlv);
    try {
      if (started.resultCode === CONTACT_RESULT.MSR_SWIPE) return this.#swipeRead(startTags);
      if (started.resultCode !== CONTACT_RESULT.AUTHENTICATE_TRANSACTION) throw this.#unexpected('startTransaction', VIVOPAY_STATUS.OK, started.resultCode);
      const t2 = startTags.get('57');
      if (t2 === undefined) throw new PosError('CHIP_DATA_INVALID', 'The application data has no Track 2 Equivalent Data', { tag: '57' });
      // Checked now: a chip whose data makes no card is not worth authenticating.
      wipeChipCard(cardFromTrack2Equivalent(t2));
      read.track2Equivalent = Buffer.from(t2);
    } finally {
      wipeTags(startTags);
    }
    if (signal.aborted) throw readCancelled(this.name, 'aborted');
    const answered = await this.#exchange('authenticateTransaction', undefined, AUTHENTICATE_ANSWER_MS);
    let authenticated: ContactAnswer;
    try {
      authenticated = this.#contactAnswer(answered, 'authenticateTransaction');
    } catch (error) {
      throw read.pinFailure ?? error;
    }
    return this.#chipRead(read, authenticated);
  }

  #chipRead(read: ActiveRead, answer: ContactAnswer): ChipRead {
    const decision = firstDecisionOf(answer.resultCode);
    if (decision === undefined) throw this.#unexpected('authenticateTransaction', VIVOPAY_STATUS.OK, answer.resultCode);
    const tags = flatten(answer.tlv);
    try {
      const t2 = tags.get('57') ?? read.track2Equivalent;
      if (t2 === undefined) throw new PosError('CHIP_DATA_INVALID', 'The online request has no Track 2 Equivalent Data', { tag: '57' });
      if (decision === 'online' && tags.get('9F26')?.length !== 8) throw new PosError('CHIP_DATA_INVALID', 'The online request has no 8-byte ARQC', { tag: '9F26' });
      const card = cardFromTrack2Equivalent(t2);
      const emv = emvSummaryOf(tags);
      this.#awaitingHost = decision === 'online';
      this.#log.debug({ pan: card.pan, brand: card.brand, decision, onlinePinEntered: read.onlinePinEntered }, 'chip read');
      return {
        entryMode: 'chip',
        card,
        chip: { tlv: Sensitive.of('data', withoutReaderTags(answer.tlv)) },
        firstDecision: decision,
        ...(read.onlinePinEntered ? { onlinePinEntered: true } : {}),
        ...(read.pinAfterRead ? { pinRequired: true } : {}),
        ...(emv === undefined ? {} : { emv }),
      };
    } finally {
      wipeTags(tags);
    }
  }

  #swipeRead(tags: ReadonlyMap<string, Uint8Array>): SwipeRead {
    const block = tags.get(VIVOPAY_TAGS.msrData);
    if (block === undefined) throw new PosError('CHIP_DATA_INVALID', 'The swipe answer has no MSR data', { tag: VIVOPAY_TAGS.msrData });
    const entry = tags.get(VIVOPAY_TAGS.posEntryMode)?.[0];
    const fallback = entry === POS_ENTRY_MODE.fallback;
    const line = msrTracks(block);
    let card: MagstripeCard;
    try {
      card = parseSwipeLine(line);
    } finally {
      line.fill(0);
    }
    const interchange = card.serviceCode[0];
    if (!fallback && (interchange === '2' || interchange === '6')) {
      wipeCard(card);
      throw new PosError('CHIP_CARD_SWIPED', 'A chip card was swiped: insert it', { device: this.name, serviceCodeDigit1: Number(interchange) });
    }
    this.#log.debug({ pan: card.pan, brand: card.brand, fallback }, 'card swiped');
    return { entryMode: fallback ? 'fallback' : 'swipe', card };
  }

  /**
   * A 60-1x answer's data when its status is OK (a copy: its TLV values are
   * views the caller wipes); its failure as a typed error otherwise.
   */
  #contactAnswer(frame: VivopayFrame, operation: VivopayOperation): ContactAnswer {
    const data = Buffer.from(frame.data);
    frame.data.fill(0);
    let answer: ContactAnswer;
    try {
      answer = parseContactAnswer(data);
    } catch (error) {
      data.fill(0);
      throw readerDataError(error, commandLabel(VIVOPAY_COMMANDS[operation]));
    }
    if (frame.status === VIVOPAY_STATUS.OK) return answer;
    data.fill(0);
    const noCard = operation === 'startTransaction' && (frame.status === VIVOPAY_STATUS.TIMEOUT || answer.resultCode === CONTACT_RESULT.TIMEOUT);
    if (noCard) throw new PosError('CHIP_NO_CARD', 'No card was presented in time', { device: this.name });
    switch (answer.resultCode) {
      case CONTACT_RESULT.TRANSACTION_CANCELLED:
        throw readCancelled(this.name, 'aborted');
      case CONTACT_RESULT.CARD_ABSENT:
        throw new PosError('EMV_CARD_REMOVED', 'The card was removed during the transaction', { device: this.name, command: operation });
      case CONTACT_RESULT.FALLBACK_SITUATION:
      case CONTACT_RESULT.FALLBACK_TO_MSR:
        throw new PosError('CHIP_READ_FAILED', 'The chip could not be read and fallback is not allowed', { device: this.name, reason: 'chip-unreadable' });
      case CONTACT_RESULT.CARD_BLOCKED:
        throw new PosError('CHIP_READ_FAILED', 'The card or its application is blocked', { device: this.name, reason: 'card-blocked' });
      default:
        throw this.#unexpected(operation, frame.status, answer.resultCode);
    }
  }

  #unexpected(operation: string, status: number, resultCode: number | undefined): PosError {
    return new PosError('DEVICE_STATUS_ERROR', `The reader answered ${operation} with ${statusName(status)}${resultCode === undefined ? '' : `, result ${hex4(resultCode)}`}`, {
      device: this.name,
      command: operation,
      status,
      result: resultCode ?? -1,
    });
  }

  #expectOk(operation: string, frame: VivopayFrame): void {
    if (frame.status !== VIVOPAY_STATUS.OK) {
      throw new PosError('DEVICE_STATUS_ERROR', `The reader answered ${operation} with status ${statusName(frame.status)}`, { device: this.name, command: operation, status: frame.status });
    }
  }

  /** 05-01, any time (guide 8.4.2): the reader ends what it was doing; resolves once answered, or given up on. */
  async #cancelOnReader(): Promise<void> {
    try {
      await this.#exchange('cancelTransaction');
    } catch (err) {
      this.#log.debug({ code: asPosError(err, 'vivopay cancel').code }, 'cancel not confirmed');
    }
  }

  #exchange(operation: VivopayOperation, data?: Uint8Array, finalTimeoutMs = 0): Promise<VivopayFrame> {
    return this.#send({ name: operation, ...VIVOPAY_COMMANDS[operation] }, data, finalTimeoutMs);
  }

  /** Sends a command and resolves with its answer (any status but CRC error and 63). */
  #send(spec: LinkCommand, data?: Uint8Array, finalTimeoutMs = 0): Promise<VivopayFrame> {
    const refused = notConnected(this.name, this.#link.state);
    if (refused !== undefined) return Promise.reject(refused);
    const previous = this.#pending.get(spec.command);
    if (previous !== undefined) return Promise.reject(new PosError('DEVICE_BUSY', `${this.name}: ${previous.spec.name} is still waiting for its answer`, { device: this.name, command: spec.name }));
    const scale = this.#options.answerTimeoutScale ?? 1;
    const timeoutMs = spec.answerTimeoutMs * scale;
    return new Promise<VivopayFrame>((resolve, reject) => {
      const pending: Pending = {
        spec,
        frame: encodeCommandFrame(spec.command, spec.subCommand, data),
        sends: 0,
        corrupt: 0,
        accepted: false,
        finalTimeoutMs,
        timer: undefined,
        resend: () => undefined,
        resolve,
        reject,
      };
      this.#pending.set(spec.command, pending);
      const send = (): void => {
        pending.sends++;
        this.#arm(pending, timeoutMs, onSilence);
        this.#transport.write(pending.frame).catch((err: unknown) => this.#fail(spec.command, asPosError(err, 'vivopay write')));
      };
      const onSilence = (): void => {
        pending.timer = undefined;
        if (pending.sends <= spec.retries) {
          this.#log.debug({ command: spec.name, sends: pending.sends }, 'no answer: resend');
          send();
        } else {
          this.#fail(spec.command, new PosError('DEVICE_NO_ANSWER', `${this.name} did not answer ${spec.name}`, { device: this.name, command: spec.name, attempts: pending.sends, timeoutMs }));
        }
      };
      pending.resend = send;
      send();
    });
  }

  #arm(pending: Pending, timeoutMs: number, onSilence: () => void): void {
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.timer = timeoutMs > 0 ? setTimeout(onSilence, timeoutMs) : undefined;
  }

  /** The reader accepted the command (63): no resend any more, only its final timeout. */
  #accepted(pending: Pending): void {
    pending.accepted = true;
    const finalMs = pending.finalTimeoutMs;
    this.#arm(pending, finalMs, () => {
      pending.timer = undefined;
      this.#fail(pending.spec.command, new PosError('DEVICE_NO_ANSWER', `${this.name} accepted ${pending.spec.name} but never answered it`, { device: this.name, command: pending.spec.name, attempts: pending.sends, timeoutMs: finalMs }));
    });
  }

  #retry(command: number, why: 'crc-status' | 'corrupt-answer'): void {
    const pending = this.#pending.get(command);
    if (pending === undefined) return;
    pending.corrupt++;
    if (pending.corrupt >= LINK_ATTEMPTS) {
      this.#fail(command, new PosError('DEVICE_LINK_FAILED', `${this.name}: ${pending.spec.name} failed ${LINK_ATTEMPTS} times on the link`, { device: this.name, command: pending.spec.name, attempts: pending.corrupt, why }));
      return;
    }
    if (why === 'corrupt-answer' && command === VIVOPAY_COMMANDS.activateTransaction.command) {
      // The tap ran and its one answer is lost: a resend would start another (03-40 asks for it, `#tapResultAfter`).
      this.#fail(command, new PosError('DEVICE_LINK_FAILED', `${this.name}: the answer to ${pending.spec.name} came garbled`, { device: this.name, command: pending.spec.name, attempts: pending.corrupt, why }));
      return;
    }
    if (pending.accepted) {
      // The reader ran the command; its answer was lost on the line. Ask for the result instead of running it again.
      this.#log.debug({ command: pending.spec.name, why }, 'lost answer: retrieve transaction result');
      const retrieve = VIVOPAY_COMMANDS.retrieveTransactionResult;
      pending.frame = encodeCommandFrame(retrieve.command, retrieve.subCommand);
      pending.accepted = false;
      pending.resend();
      return;
    }
    this.#log.debug({ command: pending.spec.name, why }, 'corrupt exchange: resend');
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
        if (event.error.code !== 'DEVICE_FRAME_CRC' || typeof command !== 'number') continue;
        if (command === READER_CALLBACKS.display.command) this.#answerReader(command, VIVOPAY_STATUS.CRC_ERROR);
        else this.#retry(command, 'corrupt-answer');
      }
    }
  }

  #onFrame(frame: VivopayFrame): void {
    const fromReaderAsCommand = frame.crcOrder === 'lsb-first' || (frame.crcOrder === 'both' && frame.command === READER_CALLBACKS.display.command);
    if (fromReaderAsCommand) {
      this.#onReaderCommand(frame);
      return;
    }
    const pending = this.#pending.get(frame.command);
    if (pending === undefined) {
      frame.data.fill(0);
      this.#log.debug({ command: frame.command, status: frame.status }, 'answer with nothing pending: dropped');
      return;
    }
    if (frame.status === VIVOPAY_STATUS.CRC_ERROR) {
      this.#retry(frame.command, 'crc-status');
      return;
    }
    if (frame.status === VIVOPAY_STATUS.COMMAND_ACCEPTED) {
      this.#accepted(pending);
      return;
    }
    this.#settle(frame.command);
    pending.resolve(frame);
  }

  /** The reader's 61-xx: answered at once (display) or once the cardholder has acted (PIN). */
  #onReaderCommand(frame: VivopayFrame): void {
    const { display, pinEntry } = READER_CALLBACKS;
    if (frame.command !== display.command) {
      frame.data.fill(0);
      this.#answerReader(frame.command, VIVOPAY_STATUS.UNKNOWN_COMMAND);
      return;
    }
    if (frame.status === display.subCommand) this.#onDisplay(frame.data);
    else if (frame.status === pinEntry.subCommand) this.#onPinEntry(frame.data);
    else this.#answerReader(frame.command, VIVOPAY_STATUS.UNKNOWN_SUB_COMMAND);
    frame.data.fill(0);
  }

  #onDisplay(data: Buffer): void {
    let lines: readonly string[];
    try {
      lines = parseDisplayControl(data).lines;
    } catch {
      this.#answerReader(READER_CALLBACKS.display.command, VIVOPAY_STATUS.MALFORMATTED_DATA);
      return;
    }
    this.#log.debug({ lines }, 'reader display');
    if (lines.some((line) => USE_STRIPE_MESSAGE.test(line))) this.#read?.request.useStripe?.();
    this.#answerReader(READER_CALLBACKS.display.command, VIVOPAY_STATUS.OK);
  }

  /**
   * 61-02: the reader's CVM chose online PIN (guide 8.4.31, the PIN step of
   * 8.4.2's flow). The terminal's PIN pad takes it now, through the engine's
   * PIN dialog (`ReadRequest.enterOnlinePin`; the block goes to the host in
   * DE 52), and the reader hears "entered" with no KSN and no block (ours)
   * once it is; a cardholder who gives none: mode 00, cancel — the reader
   * then ends 60-11, and the read with the PIN dialog's error. A pad that
   * went away mid-entry: "entered", and `pinRequired` — the engine's PIN step
   * after the read then asks (and reports the pad gone). With no PIN pad,
   * for an offline PIN, or a PIN pad that cannot take one: Failed, and the
   * reader's CVM finds the PIN pad unusable.
   */
  #onPinEntry(data: Buffer): void {
    const command = READER_CALLBACKS.pinEntry.command;
    const read = this.#read;
    let mode: number;
    try {
      mode = parsePinControl(data).mode;
    } catch {
      this.#answerReader(command, VIVOPAY_STATUS.MALFORMATTED_DATA);
      return;
    }
    const enter = read?.request.enterOnlinePin;
    const t2 = read?.track2Equivalent;
    if (read === undefined || enter === undefined || t2 === undefined || (mode !== PIN_MODE.onlineDukpt && mode !== PIN_MODE.onlineMksk)) {
      this.#answerReader(command, VIVOPAY_STATUS.FAILED);
      return;
    }
    void this.#enterPin(read, enter, t2, mode);
  }

  async #enterPin(read: ActiveRead, enter: NonNullable<ReadRequest['enterOnlinePin']>, track2Equivalent: Buffer, mode: number): Promise<void> {
    const command = READER_CALLBACKS.pinEntry.command;
    const card = cardFromTrack2Equivalent(track2Equivalent);
    try {
      await enter(card);
      read.onlinePinEntered = true;
      this.#answerReader(command, VIVOPAY_STATUS.OK, pinControlAnswer(mode));
    } catch (error) {
      const failure = asPosError(error, 'online PIN');
      this.#log.debug({ code: failure.code }, 'no online PIN');
      if (failure.kind === 'disconnected') {
        // The pad went away mid-entry: the engine's own PIN step after the read takes over (and reports the pad gone).
        read.pinAfterRead = true;
        this.#answerReader(command, VIVOPAY_STATUS.OK, pinControlAnswer(mode));
      } else if (PIN_NOT_GIVEN.has(failure.kind)) {
        read.pinFailure = failure;
        this.#answerReader(command, VIVOPAY_STATUS.OK, pinControlAnswer(PIN_MODE.cancel));
      } else {
        this.#answerReader(command, VIVOPAY_STATUS.FAILED);
      }
    } finally {
      wipeChipCard(card);
    }
  }

  #answerReader(command: number, status: number, data?: Uint8Array): void {
    if (this.#link.state !== 'connected') return;
    this.#transport.write(encodeResponseFrame(command, status, data)).catch((err: unknown) => this.#log.debug({ code: asPosError(err, 'vivopay write').code }, 'answer to the reader not written'));
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

/** 60-11's result code → the card's first decision. */
function firstDecisionOf(resultCode: number | undefined): ChipRead['firstDecision'] {
  switch (resultCode) {
    case CONTACT_RESULT.GO_ONLINE:
      return 'online';
    case CONTACT_RESULT.APPROVED_OFFLINE:
      return 'approved-offline';
    case CONTACT_RESULT.DECLINED_OFFLINE:
      return 'declined-offline';
    default:
      return undefined;
  }
}

function digest(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** Whether a tap result's 9F02, when it carries one, is `amountMinor` (a result without TLVs, a failure, matches). */
function amountMatches(data: Uint8Array, amountMinor: number): boolean {
  let amount: Uint8Array | undefined;
  try {
    const answer = parseActivateAnswer(VIVOPAY_STATUS.OK, data);
    amount = answer.kind === 'completed' ? flatten(answer.tlv).get('9F02') : undefined;
  } catch {
    return true; // the parse proper reports it
  }
  return amount === undefined || Buffer.from(amount).equals(amountN12(amountMinor));
}

function wipeTags(tags: ReadonlyMap<string, Uint8Array>): void {
  for (const value of tags.values()) value.fill(0);
}

function wipeChipCard(card: ChipCard): void {
  card.pan.wipe();
  card.track2.wipe();
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0').toUpperCase();
}

/** `60-10`: a command's bytes as the guide names it. */
function commandLabel(c: { readonly command: number; readonly subCommand: number }): string {
  return `${hex2(c.command)}-${hex2(c.subCommand)}`;
}

/** The driver over a transport the caller opened. */
export function createVivopayReader(transport: ByteTransport, options: VivopayReaderOptions = {}): VivopayReader {
  return new VivopayReader(transport, options);
}
