/**
 * A virtual ID TECH NEO 2 reader on the device end of a wire, answering
 * protocol 2 as the NEO 2 Interface Developer's Guide documents it (the
 * contact EMV L2 flow, 8.4.2 p160; commands 8.4.18–8.4.20, 05-01 8.5.6; the
 * reader's own 61-01/61-02, 8.4.30–8.4.31; status codes Table 6). Behind it
 * runs a real EMV flow: the project's kernel in the reader's role
 * (`reader-kernel.ts`) over the APDU-level chip cards of `hw-mocks/chip-card`.
 *
 *   60-10  → 63, then: card → 00 [0010][57 5A 5F34 5F20 5F24 … 9F39=05]
 *                       swipe → 00 [0011][DFEE23][9F39=90, or 80 after a chip failure]
 *                       no card in TimeOut1 → 08;  chip failed, no fallback → 0A [3004]
 *   60-11  → 63, (61-02 to the terminal for an online PIN), 00 [0004|0000|0001][TLVs]
 *   60-12  → 63, 00 [0002|0003][9F26 9F27 9F36 9F10 8A 95 9B 9F5B]; card gone → 0A [3005]
 *   60-13  → the last answer again (60 when there is none)
 *   02-40  → (a tap within Timeout) 23 [Attribution][TLV…] online request; 00 [Attribution][TLV…]
 *            approved or declined offline (9F27 TC / AAC); 0A [Attribution][FFEE1F: 02 …] insert
 *            card, [FFEE1F: E1 69 86 …] see phone, [FFEE1F: 62 …] the card failed; 08 no tap
 *   05-01/05-02 → the command in progress is answered 0A [0012], then 05 00
 *
 * While a 60-1x is in progress (between its 63 and its answer) only Cancel
 * and Stop are taken; any other command cancels the transaction, as a NEO 2
 * does during Activate (guide 02-40 note; VP3350 integration manual 7.1),
 * and is itself answered 0B. A repeat of the command in progress, byte for
 * byte, is a resend whose 63 was lost: 63 again. Commands the reader does
 * not run itself go to the configuration handler (`configuration-commands.ts`).
 *
 * Controls (tests, the simulator): `insert(cardId)`, `swipe(cardId)`,
 * `failChip()` (the next inserted chip cannot be read: fallback),
 * `declineAfterApproval()`, `removeCard()`, `tap(profile)` (a contactless card of that
 * profile enters the field: `contactlessCard(profile)` is the card, so a phone can
 * `verifyOnDevice(profile)` between taps); faults on the link:
 * `corruptNextAnswers(n)`, `muteNext(n)`.
 */
import { randomInt } from 'node:crypto';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { decode, encode, type TlvInput } from '../../src/emv/ber-tlv.js';
import type { TransactionRequest } from '../../src/emv/kernel/context.js';
import { currencyByNumeric } from '../../src/emv/iso-codes.js';
import { flatten } from '../../src/emv/tlv-query.js';
import { asPosError, PosError } from '../../src/util/errors.js';
import { findCard, loadDeck, type Deck, type DeckCard } from '../cards/deck.js';
import type { ApduCard } from '../chip-card/apdu-card.js';
import { unreadableChip } from '../chip-card/card-faults.js';
import type { ContactlessCard } from '../chip-card/contactless-card.js';
import { buildContactlessCard } from '../chip-card/contactless-cards.js';
import { track2Bytes } from '../chip-card/contactless-magstripe.js';
import { tap, type TapResult, type TapTerminal } from '../chip-card/contactless-tap.js';
import { QvsdcCard } from '../chip-card/qvsdc-card.js';
import type { SimulationCa } from '../chip-card/simulation-ca.js';
import type { Capk } from '../../src/emv/kernel/config.js';
import { APPROVING_ARCS } from '../chip-card/card-risk.js';
import { chipCardFor } from '../chip-card/deck-chip-cards.js';
import type { EmvChipCard } from '../chip-card/emv-chip-card.js';
import { CommandFramer, encodeReaderCommand, encodeResponse, type ReceivedFrame } from './command-framer.js';
import { loadConfigurationStore, type ConfigurationCommands } from './configuration-commands.js';
import { defaultReaderKernel } from './default-reader-kernel.js';
import { ACTIVATE, CONTACTLESS_ERROR, COMMANDS, ENTRY, PIN_MODE, READER_COMMANDS, RESULT, START_OUTPUT_TAGS, STATUS } from './guide-codes.js';
import { msrDataBlock } from './msr-data.js';
import { displayData, pinControlData } from './reader-callbacks.js';
import type { ContactlessKernelSetup } from './stored-contactless-kernel.js';
import { ReaderKernelSession, type PinOutcome, type ReaderKernelSetup } from './reader-kernel.js';

export interface VirtualVivopayOptions {
  readonly deck?: Deck;
  /** The reader's clock (9A, 9F21, expiry checks); default the system clock. */
  readonly clock?: () => Date;
  /** Unpredictable numbers (9F37); default node's random bytes. */
  readonly random?: (lengthBytes: number) => Buffer;
  /** Builds a deck card's chip; default `chipCardFor` (its brand's profile, keys from hw-mocks/keys/keys.json). */
  readonly chipCard?: (card: DeckCard) => EmvChipCard;
  /** Write answers in pieces of this many bytes; default one write. */
  readonly chunkBytes?: number;
  /** The reader's kernel configuration, asked at each 60-10; default `defaultReaderKernel()`. */
  readonly kernel?: () => ReaderKernelSetup;
  /** Answers the configuration commands; default the `configuration-store.ts` beside this file, when it exists. */
  readonly configuration?: ConfigurationCommands;
  /** How long the reader waits for the terminal's answer to its 61-xx; default 90 s. */
  readonly callbackTimeoutMs?: number;
  /** The contactless side: the CA that certifies the cards' fDDA, the CA keys the reader holds, its limits. */
  readonly contactless?: ContactlessSetup;
  /**
   * The reader's contactless tables for the AID of the card tapped (its group's limits, its CA keys),
   * asked at each tap — `storedContactlessKernel` over the flash; undefined: the reader does not run
   * that AID (the tap fails). Default: the `contactless` option's limits and keys for every AID.
   */
  readonly contactlessKernel?: (aid: Buffer) => ContactlessKernelSetup | undefined;
}

export interface ContactlessSetup {
  readonly ca?: SimulationCa | readonly SimulationCa[];
  readonly capks?: readonly Capk[];
  /** Minor units (Book B §3.1.1); default transaction limit 100.00, CVM limit 50.00, floor limit 0. */
  readonly limits?: TapTerminal['limits'];
  /** ISO 3166 numeric; default '250'. */
  readonly country?: string;
}

const DEFAULT_CONTACTLESS_LIMITS = { transaction: 10_000, cvm: 5000, floor: 0 } as const;

/** Errors that are the chip's, after which a fallback swipe is allowed (as the PC/SC reader judges them). */
const CHIP_FAILURES = new Set(['EMV_NO_APPLICATION', 'EMV_CARD_STATUS', 'EMV_CARD_DATA_INVALID', 'EMV_CARD_DATA_MISSING', 'EMV_APDU_INVALID']);
const BLOCKED = new Set(['EMV_APPLICATION_BLOCKED', 'EMV_CARD_BLOCKED']);
const CALLBACK_ATTEMPTS = 3;
const DEFAULT_CALLBACK_TIMEOUT_MS = 90_000;

interface StartRequest {
  readonly fallbackAllowed: boolean;
  readonly cardTimeoutS: number;
  readonly authenticateTimeoutS: number;
  readonly request: TransactionRequest;
  /** DFEE1A of the 60-10: the tags every answer of this transaction carries. */
  readonly outputTags: readonly string[] | undefined;
}

type Phase =
  | { readonly kind: 'idle' }
  /** 60-10 in progress, no card yet (or, after a chip failure, waiting for the fallback swipe). */
  | { readonly kind: 'waiting'; readonly start: StartRequest; readonly raw: Buffer; readonly timer: ReturnType<typeof setTimeout>; readonly chipFailed: boolean }
  /** 60-10 in progress, the chip being read. */
  | { readonly kind: 'reading'; readonly start: StartRequest; readonly raw: Buffer; readonly session: ReaderKernelSession }
  /** 60-10 answered; waiting for 60-11 (TimeOut2). */
  | { readonly kind: 'read'; readonly start: StartRequest; readonly session: ReaderKernelSession; readonly timer: ReturnType<typeof setTimeout> }
  | { readonly kind: 'authenticating'; readonly start: StartRequest; readonly raw: Buffer; readonly session: ReaderKernelSession }
  /** 60-11 answered go online; waiting for 60-12. */
  | { readonly kind: 'online'; readonly start: StartRequest; readonly session: ReaderKernelSession }
  | { readonly kind: 'completing'; readonly start: StartRequest; readonly raw: Buffer; readonly session: ReaderKernelSession }
  /** 02-40 in progress, polling for a tap. */
  | { readonly kind: 'activating'; readonly activate: ActivateRequest; readonly raw: Buffer; readonly timer: ReturnType<typeof setTimeout> }
  /** 02-40 in progress, the tap being run. */
  | { readonly kind: 'tapping'; readonly activate: ActivateRequest; readonly raw: Buffer };

interface ActivateRequest {
  readonly timeoutS: number;
  readonly amountMinor: number;
  readonly amountOtherMinor: number;
  readonly currency: string;
  readonly transactionType: number;
}

export class VirtualVivopay {
  readonly #transport: ByteTransport;
  readonly #framer = new CommandFramer();
  readonly #deck: Deck;
  readonly #options: VirtualVivopayOptions;
  readonly #chips = new Map<string, EmvChipCard>();
  readonly #contactlessCards = new Map<string, ContactlessCard>();
  /** A contactless card held to the reader before any Activate: taken by the next one. */
  #inField: string | undefined;
  #phase: Phase = { kind: 'idle' };
  /** Counts transactions: an answer computed for an older one is dropped. */
  #generation = 0;
  #seated: { cardId: string; failing: boolean } | undefined;
  #failNextChip = false;
  #declineNext = false;
  #lastAnswer: { status: number; data: Buffer } | undefined;
  /** The last Activate's answer, for 03-40; cleared when an Activate starts. */
  #lastTap: { status: number; data: Buffer } | undefined;
  #callback: { readonly command: number; resolve: (frame: ReceivedFrame & { ok: true }) => void } | undefined;
  #configuration: Promise<ConfigurationCommands | undefined> | undefined;
  #corrupt = 0;
  #mute = 0;
  #queue: Promise<void> = Promise.resolve();
  readonly #unsubscribe: () => void;
  /** Every command received with a good CRC, for tests: `[command, sub-command]`. */
  readonly received: [number, number][] = [];

  constructor(transport: ByteTransport, options: VirtualVivopayOptions = {}) {
    this.#transport = transport;
    this.#options = options;
    this.#deck = options.deck ?? loadDeck();
    this.#unsubscribe = transport.onData((chunk) => {
      for (const frame of this.#framer.push(chunk)) this.#onFrame(frame);
    });
  }

  get description(): string {
    return this.#transport.description;
  }

  /** A Start Transaction waits for a card (the reader shows INSERT / SWIPE, or USE MAGSTRIPE after a chip failure). */
  get waitingForCard(): boolean {
    return this.#phase.kind === 'waiting';
  }

  /** The chip of a deck card as this reader keeps it (its ATC persists across insertions). */
  chip(cardId: string): EmvChipCard {
    let chip = this.#chips.get(cardId);
    if (chip === undefined) {
      const card = this.#card(cardId);
      chip = (this.#options.chipCard ?? ((c: DeckCard) => chipCardFor(c)))(card);
      this.#chips.set(cardId, chip);
    }
    return chip;
  }

  /** Inserts a card: read at once if a Start Transaction waits for one, else seated for the next. */
  insert(cardId: string): void {
    this.#card(cardId);
    this.#seated = { cardId, failing: this.#failNextChip };
    this.#failNextChip = false;
    const phase = this.#phase;
    if (phase.kind === 'waiting' && !phase.chipFailed) this.#readChip(phase);
    // ours: a card in the contact slot during an Activate ends it as Table 8's "go to contact interface" would.
    else if (phase.kind === 'activating') this.#finish(STATUS.FAILED, failedTap(CONTACTLESS_ERROR.GO_TO_CONTACT_INTERFACE));
  }

  /** Swipes a card's stripe: a chip card's (service code 2xx) unless `chip: false`. Ignored unless a Start Transaction or an Activate waits. */
  swipe(cardId: string, options: { chip?: boolean } = {}): void {
    const card = this.#card(cardId);
    const phase = this.#phase;
    if (phase.kind === 'activating') {
      // An Activate reads the stripe too: Attribution "MSR card" (0 1 x), the MSR data and 9F39 90 (p232–233, p238).
      const block = msrDataBlock(options.chip === false ? card : { ...card, serviceCode: `2${card.serviceCode.slice(1)}` });
      const tags = encode([
        { tag: 'DFEE23', value: block },
        { tag: '9F39', value: Buffer.from([ENTRY.magstripe]) },
      ]);
      this.#finish(STATUS.OK, Buffer.concat([Buffer.from([ACTIVATE.attributionMsr]), tags]));
      block.fill(0);
      return;
    }
    if (phase.kind !== 'waiting') return;
    const serviceCode = options.chip === false ? card.serviceCode : `2${card.serviceCode.slice(1)}`;
    const block = msrDataBlock({ ...card, serviceCode });
    const tags: TlvInput[] = [
      { tag: 'DFEE23', value: block },
      { tag: '9F39', value: Buffer.from([phase.chipFailed ? ENTRY.fallback : ENTRY.magstripe]) },
    ];
    this.#finish(STATUS.OK, resultData(RESULT.MSR_SWIPE, this.#output(tags, phase.start)));
    block.fill(0);
  }

  /** An Activate Transaction polls for a tap. */
  get waitingForTap(): boolean {
    return this.#phase.kind === 'activating';
  }

  /** The contactless card of a profile as this reader keeps it (its ATC, and a phone's verification, persist across taps). */
  contactlessCard(profile: string): ContactlessCard {
    let card = this.#contactlessCards.get(profile);
    if (card === undefined) {
      const ca = this.#options.contactless?.ca;
      card = buildContactlessCard(ca === undefined ? { profile } : { profile, ca });
      this.#contactlessCards.set(profile, card);
    }
    return card;
  }

  /** A contactless card of `profile` enters the field: run at once if an Activate polls, else taken by the next one. */
  tap(profile: string): void {
    this.contactlessCard(profile);
    const phase = this.#phase;
    if (phase.kind === 'activating') this.#runTap(phase, profile);
    else this.#inField = profile;
  }

  /** The holder of a phone told "see phone" verifies on it (a fingerprint): its next tap carries consumer-device CVM. False for a card that cannot. */
  verifyOnDevice(profile: string): boolean {
    const card = this.contactlessCard(profile);
    if (!(card instanceof QvsdcCard)) return false;
    card.verifyOnDevice();
    return true;
  }

  /** The next inserted chip cannot be read (the reader then asks for a swipe if fallback is allowed). */
  failChip(): void {
    this.#failNextChip = true;
  }

  /** The card of the current (or next) transaction answers AAC to the host's answer even after a good ARPC. */
  declineAfterApproval(): void {
    this.#declineNext = true;
    const phase = this.#phase;
    if ((phase.kind === 'online' || phase.kind === 'read' || phase.kind === 'authenticating' || phase.kind === 'reading') && this.#seated !== undefined) {
      this.chip(this.#seated.cardId).declineAfterApproval = true;
      this.#declineNext = false;
    }
  }

  /** The cardholder takes the card: a transaction on it fails at its next card command. */
  removeCard(): void {
    this.#inField = undefined;
    const seated = this.#seated;
    this.#seated = undefined;
    if (seated === undefined) return;
    const phase = this.#phase;
    if ('session' in phase) phase.session.stop(new PosError('EMV_CARD_REMOVED', 'The card left the reader', {}));
    else this.#chips.get(seated.cardId)?.powerOff();
  }

  /** The next `n` answers go out with a broken CRC. */
  corruptNextAnswers(n: number): void {
    this.#corrupt = n;
  }

  /** The next `n` commands are not answered (nor remembered). */
  muteNext(n: number): void {
    this.#mute = n;
  }

  async close(): Promise<void> {
    this.#endTransaction();
    this.#unsubscribe();
    for (const chip of this.#chips.values()) chip.destroy();
    for (const card of this.#contactlessCards.values()) card.destroy?.();
    await this.#transport.close();
  }

  #card(cardId: string): DeckCard {
    const card = findCard(this.#deck, cardId);
    if (card === undefined) throw new Error(`deck has no card ${cardId}`);
    return card;
  }

  #onFrame(frame: ReceivedFrame): void {
    if (!frame.ok) {
      void this.#write(encodeResponse(frame.command, STATUS.CRC_ERROR));
      return;
    }
    if (frame.role === 'response') {
      const callback = this.#callback;
      if (callback !== undefined && callback.command === frame.command) callback.resolve(frame);
      return;
    }
    if (this.#mute > 0) {
      this.#mute--;
      return;
    }
    this.received.push([frame.command, frame.second]);
    const phase = this.#phase;
    const key = `${frame.command}-${frame.second}`;
    const is = (c: readonly [number, number]): boolean => key === `${c[0]}-${c[1]}`;
    if (is(COMMANDS.cancelTransaction) || is(COMMANDS.stopTransaction)) {
      this.#cancel();
      this.#answer(frame.command, STATUS.OK);
      return;
    }
    if ('raw' in phase) {
      const activate = phase.kind === 'activating' || phase.kind === 'tapping';
      if (!activate && phase.raw.equals(frame.raw)) {
        this.#answer(frame.command, STATUS.ACCEPTED);
        return;
      }
      // Only Cancel or Stop during a transaction command: anything else ends the transaction
      // (during an Activate even a resend of it: "the reader will interpret these as a Cancel", 8.5.2 p209).
      this.#cancel();
      this.#answer(frame.command, STATUS.COMMAND_NOT_ALLOWED);
      return;
    }
    if (is(COMMANDS.ping)) this.#answer(frame.command, STATUS.OK);
    else if (is(COMMANDS.startTransaction)) this.#start(frame.data, frame.raw);
    else if (is(COMMANDS.authenticateTransaction)) this.#authenticate(frame.raw);
    else if (is(COMMANDS.applyHostResponse)) this.#applyHostResponse(frame.data, frame.raw);
    else if (is(COMMANDS.retrieveTransactionResult)) this.#retrieve();
    else if (is(COMMANDS.activateTransaction)) this.#activate(frame.data, frame.raw);
    else if (is(COMMANDS.getTransactionResult)) this.#getTransactionResult();
    else void this.#configurationCommand(frame);
  }

  #start(data: Buffer, raw: Buffer): void {
    const command = COMMANDS.startTransaction[0];
    let start: StartRequest;
    try {
      start = parseStart(data);
    } catch (error) {
      this.#answer(command, asPosError(error, 'start').code === 'CHIP_DATA_INVALID' ? STATUS.PARAMETER_NOT_SUPPORTED : STATUS.MALFORMATTED_DATA);
      return;
    }
    this.#endTransaction();
    this.#answer(command, STATUS.ACCEPTED);
    const generation = this.#generation;
    const timer = setTimeout(() => {
      if (this.#generation === generation && this.#phase.kind === 'waiting') this.#finish(STATUS.TIMEOUT);
    }, start.cardTimeoutS * 1000);
    const waiting = { kind: 'waiting', start, raw, timer, chipFailed: false } as const;
    this.#phase = waiting;
    if (this.#seated !== undefined) this.#readChip(waiting);
  }

  #activate(data: Buffer, raw: Buffer): void {
    const command = COMMANDS.activateTransaction[0];
    let activate: ActivateRequest;
    try {
      activate = parseActivate(data);
    } catch {
      this.#answer(command, STATUS.MALFORMATTED_DATA);
      return;
    }
    this.#endTransaction();
    this.#lastTap = undefined;
    const generation = this.#generation;
    const timer = setTimeout(() => {
      if (this.#generation === generation && this.#phase.kind === 'activating') this.#finish(STATUS.TIMEOUT);
    }, activate.timeoutS * 1000);
    const activating = { kind: 'activating', activate, raw, timer } as const;
    this.#phase = activating;
    if (this.#seated !== undefined) {
      // ours: a card already in the contact slot sends the transaction to it.
      this.#finish(STATUS.FAILED, failedTap(CONTACTLESS_ERROR.GO_TO_CONTACT_INTERFACE));
      return;
    }
    const inField = this.#inField;
    this.#inField = undefined;
    if (inField !== undefined) this.#runTap(activating, inField);
  }

  #runTap(activating: Extract<Phase, { kind: 'activating' }>, profile: string): void {
    clearTimeout(activating.timer);
    this.#phase = { kind: 'tapping', activate: activating.activate, raw: activating.raw };
    const generation = this.#generation;
    const setup = this.#options.contactless;
    const request = activating.activate;
    const card = this.contactlessCard(profile);
    const tables = this.#options.contactlessKernel === undefined ? { limits: setup?.limits ?? DEFAULT_CONTACTLESS_LIMITS, capks: setup?.capks } : this.#options.contactlessKernel(card.image.aid);
    if (tables === undefined) {
      this.#finish(STATUS.FAILED, failedTap(CONTACTLESS_ERROR.GENERIC));
      return;
    }
    const terminal: TapTerminal = {
      amountMinor: request.amountMinor,
      otherAmountMinor: request.amountOtherMinor,
      currency: request.currency.padStart(3, '0').slice(-3),
      country: setup?.country ?? '250',
      at: (this.#options.clock ?? (() => new Date()))(),
      transactionType: request.transactionType,
      limits: tables.limits,
      ...(tables.capks === undefined ? {} : { capks: tables.capks }),
      ...(this.#options.random === undefined ? {} : { random: this.#options.random }),
    };
    tap(card, terminal).then(
      (result) => {
        if (this.#generation !== generation) return;
        const answer = activateAnswer(result);
        this.#finish(answer.status, answer.data);
      },
      () => {
        if (this.#generation !== generation) return;
        this.#finish(STATUS.FAILED, failedTap(CONTACTLESS_ERROR.GENERIC));
      },
    );
  }

  #readChip(waiting: Extract<Phase, { kind: 'waiting' }>): void {
    const seated = this.#seated;
    if (seated === undefined) return;
    clearTimeout(waiting.timer);
    let card: ApduCard;
    if (seated.failing) {
      card = unreadableChip(this.chip(seated.cardId).atr);
    } else {
      const chip = this.chip(seated.cardId);
      chip.declineAfterApproval = this.#declineNext;
      this.#declineNext = false;
      card = chip;
    }
    const generation = this.#generation;
    const session = new ReaderKernelSession(card, (this.#options.kernel ?? defaultReaderKernel)(), this.#environment(), waiting.start.request, () => this.#askPin(generation));
    this.#phase = { kind: 'reading', start: waiting.start, raw: waiting.raw, session };
    session.applicationRead.then(
      (tags) => {
        if (this.#generation !== generation) return;
        const out = [...START_OUTPUT_TAGS].flatMap((tag) => {
          const value = tags.get(tag);
          return value === undefined ? [] : [{ tag, value }];
        });
        out.push({ tag: '9F39', value: Buffer.from([ENTRY.contact]) });
        this.#finish(STATUS.OK, resultData(RESULT.AUTHENTICATE_TRANSACTION, this.#output(out, waiting.start)), () => {
          const timer = setTimeout(() => {
            if (this.#generation === generation && this.#phase.kind === 'read') this.#endTransaction();
          }, waiting.start.authenticateTimeoutS * 1000);
          this.#phase = { kind: 'read', start: waiting.start, session, timer };
        });
        for (const value of tags.values()) value.fill(0);
      },
      (error: unknown) => {
        if (this.#generation !== generation) return;
        session.end();
        this.#chipFailed(waiting, asPosError(error, 'chip read'));
      },
    );
  }

  #chipFailed(waiting: Extract<Phase, { kind: 'waiting' }>, error: PosError): void {
    if (CHIP_FAILURES.has(error.code) && waiting.start.fallbackAllowed) {
      // "USE MAGSTRIPE": the 60-10 goes on, now waiting for a swipe, for a fresh TimeOut1.
      const generation = this.#generation;
      const timer = setTimeout(() => {
        if (this.#generation === generation && this.#phase.kind === 'waiting') this.#finish(STATUS.TIMEOUT);
      }, waiting.start.cardTimeoutS * 1000);
      this.#phase = { ...waiting, timer, chipFailed: true };
      void this.#askHost(READER_COMMANDS.display[1], displayData(['USE MAGSTRIPE']));
      return;
    }
    this.#finish(STATUS.FAILED, resultData(failureResult(error, true)));
  }

  #authenticate(raw: Buffer): void {
    const command = COMMANDS.authenticateTransaction[0];
    const phase = this.#phase;
    if (phase.kind !== 'read') {
      this.#answer(command, STATUS.COMMAND_NOT_ALLOWED);
      return;
    }
    clearTimeout(phase.timer);
    this.#answer(command, STATUS.ACCEPTED);
    this.#phase = { kind: 'authenticating', start: phase.start, raw, session: phase.session };
    const generation = this.#generation;
    phase.session.authenticate().then(
      (txn) => {
        if (this.#generation !== generation) return;
        const decision = txn.firstDecision;
        const data = txn.onlineData();
        const tags: TlvInput[] = [...data].map(([tag, value]) => ({ tag, value }));
        tags.push({ tag: '9F39', value: Buffer.from([ENTRY.contact]) });
        const result = decision === 'online' ? RESULT.GO_ONLINE : decision === 'approved-offline' ? RESULT.APPROVED_OFFLINE : RESULT.DECLINED_OFFLINE;
        this.#finish(STATUS.OK, resultData(result, this.#output(tags, phase.start)), decision === 'online' ? () => (this.#phase = { kind: 'online', start: phase.start, session: phase.session }) : undefined);
        for (const value of data.values()) value.fill(0);
      },
      (error: unknown) => {
        if (this.#generation !== generation) return;
        this.#finish(STATUS.FAILED, resultData(failureResult(asPosError(error, 'authenticate'), false)));
      },
    );
  }

  #applyHostResponse(data: Buffer, raw: Buffer): void {
    const command = COMMANDS.applyHostResponse[0];
    const phase = this.#phase;
    if (phase.kind !== 'online') {
      this.#answer(command, STATUS.COMMAND_NOT_ALLOWED);
      return;
    }
    let host: Map<string, Uint8Array>;
    try {
      host = flatten(decode(data));
    } catch {
      this.#answer(command, STATUS.MALFORMATTED_DATA);
      return;
    }
    this.#answer(command, STATUS.ACCEPTED);
    this.#phase = { kind: 'completing', start: phase.start, raw, session: phase.session };
    const arc = host.get('8A');
    const answer =
      arc === undefined
        ? ({ kind: 'unable-to-go-online' } as const)
        : ({ kind: 'answered', arc: Buffer.from(arc), approved: APPROVING_ARCS.has(Buffer.from(arc).toString('latin1')), issuerTlv: Buffer.from(data) } as const);
    const generation = this.#generation;
    phase.session.complete(answer).then(
      (completion) => {
        if (this.#generation !== generation) return;
        const second = completion.secondAc;
        const summary = phase.session.summary();
        const tags: TlvInput[] = [
          ...(second === undefined ? [] : [{ tag: '9F26', value: second.cryptogram }, { tag: '9F27', value: Buffer.from([second.cid]) }, { tag: '9F36', value: second.atc }]),
          ...(second?.issuerApplicationData === undefined ? [] : [{ tag: '9F10', value: second.issuerApplicationData }]),
          { tag: '8A', value: completion.arc },
          ...(summary === undefined ? [] : [{ tag: '95', value: Buffer.from(summary.tvr, 'hex') }, { tag: '9B', value: Buffer.from(summary.tsi, 'hex') }, { tag: '84', value: Buffer.from(summary.aid, 'hex') }]),
          ...(summary?.cvmResults === undefined ? [] : [{ tag: '9F34', value: Buffer.from(summary.cvmResults, 'hex') }]),
          ...(completion.scriptResults.length > 0 ? [{ tag: '9F5B', value: completion.scriptResults }] : []),
          { tag: '9F39', value: Buffer.from([ENTRY.contact]) },
        ];
        this.#finish(STATUS.OK, resultData(completion.decision === 'approved' ? RESULT.APPROVED : RESULT.DECLINED, this.#output(tags, phase.start)));
      },
      (error: unknown) => {
        if (this.#generation !== generation) return;
        this.#finish(STATUS.FAILED, resultData(failureResult(asPosError(error, 'complete'), false)));
      },
    );
  }

  #retrieve(): void {
    const command = COMMANDS.retrieveTransactionResult[0];
    const last = this.#lastAnswer;
    if (last === undefined) this.#answer(command, STATUS.DATA_NOT_EXIST);
    else this.#answer(command, last.status, last.data);
  }

  /**
   * 03-40 (8.5.4 p233–236): the last Activate's status and data as it answered them. With none since
   * power-up or since an Activate started: Failed with no data (ours — p234, which would say, is not in
   * the stored copy; 03-00's "no data" answer is not given either).
   */
  #getTransactionResult(): void {
    const command = COMMANDS.getTransactionResult[0];
    const last = this.#lastTap;
    if (last === undefined) this.#answer(command, STATUS.FAILED);
    else this.#answer(command, last.status, last.data);
  }

  /** Ends the transaction; a 60-1x in progress is answered "cancelled" first, an Activate failed with no data (ours). */
  #cancel(): void {
    const phase = this.#phase;
    if (phase.kind === 'activating' || phase.kind === 'tapping') this.#finish(STATUS.FAILED);
    else if ('raw' in phase) this.#finish(STATUS.FAILED, resultData(RESULT.TRANSACTION_CANCELLED));
    this.#endTransaction();
  }

  /** Answers the 60-1x in progress, ends the transaction unless `then` carries it on, and keeps the answer for 60-13. */
  #finish(status: number, data?: Buffer, then?: () => void): void {
    const phase = this.#phase;
    if ('timer' in phase) clearTimeout(phase.timer);
    this.#lastAnswer = { status, data: data ?? Buffer.alloc(0) };
    const activate = phase.kind === 'activating' || phase.kind === 'tapping';
    if (activate) this.#lastTap = this.#lastAnswer;
    const command = activate ? COMMANDS.activateTransaction[0] : COMMANDS.startTransaction[0];
    this.#answer(command, status, data);
    if (then !== undefined) {
      this.#phase = { kind: 'idle' };
      then();
      return;
    }
    this.#endTransaction();
  }

  #endTransaction(): void {
    const phase = this.#phase;
    this.#phase = { kind: 'idle' };
    this.#generation++;
    if ('timer' in phase) clearTimeout(phase.timer);
    if ('session' in phase) phase.session.end();
    const chip = this.#seated === undefined ? undefined : this.#chips.get(this.#seated.cardId);
    if (chip !== undefined) chip.declineAfterApproval = false;
    this.#callback?.resolve({ ok: true, role: 'response', command: 0x61, second: STATUS.FAILED, data: Buffer.alloc(0), raw: Buffer.alloc(0) });
  }

  #environment(): { now: () => Date; unpredictableNumber: () => Buffer; randomPercent: () => number } {
    const random = this.#options.random ?? ((n: number) => Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(n))));
    return { now: this.#options.clock ?? (() => new Date()), unpredictableNumber: () => random(4), randomPercent: () => randomInt(100) };
  }

  /** 61-02 to the terminal: the kernel's CVM wants an online PIN. */
  async #askPin(generation: number): Promise<PinOutcome> {
    const answer = await this.#askHost(READER_COMMANDS.pinEntry[1], pinControlData());
    if (this.#generation !== generation) throw new PosError('DEVICE_READ_CANCELLED', 'The transaction ended', { reason: 'aborted' });
    if (answer?.second !== STATUS.OK) return 'unavailable';
    const mode = answer.data[0];
    if (mode === PIN_MODE.cancel) throw new PosError('PIN_ENTRY_CANCELLED', 'The terminal cancelled PIN entry', {});
    return mode === PIN_MODE.onlineDukpt || mode === PIN_MODE.onlineMksk ? 'entered' : 'unavailable';
  }

  /** Sends the terminal a 61-xx and waits for its answer (CRC-error answers resent); undefined when none comes. */
  async #askHost(subCommand: number, data: Buffer): Promise<(ReceivedFrame & { ok: true }) | undefined> {
    const command = READER_COMMANDS.display[0];
    for (let attempt = 0; attempt < CALLBACK_ATTEMPTS; attempt++) {
      const answer = await new Promise<(ReceivedFrame & { ok: true }) | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), this.#options.callbackTimeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS);
        timer.unref();
        this.#callback = {
          command,
          resolve: (frame) => {
            clearTimeout(timer);
            resolve(frame);
          },
        };
        void this.#write(encodeReaderCommand(command, subCommand, data));
      });
      this.#callback = undefined;
      if (answer?.second !== STATUS.CRC_ERROR) return answer;
    }
    return undefined;
  }

  async #configurationCommand(frame: ReceivedFrame & { ok: true }): Promise<void> {
    this.#configuration ??= this.#options.configuration === undefined ? loadConfigurationStore() : Promise.resolve(this.#options.configuration);
    let answer: { status: number; data?: Uint8Array } | undefined;
    try {
      const handler = await this.#configuration;
      answer = await handler?.({ command: frame.command, subCommand: frame.second, data: Buffer.from(frame.data) });
    } catch {
      answer = { status: STATUS.FAILED };
    }
    if (answer !== undefined) {
      this.#answer(frame.command, answer.status, answer.data);
      return;
    }
    const known = Object.values(COMMANDS).some(([command]) => command === frame.command);
    this.#answer(frame.command, known ? STATUS.UNKNOWN_SUB_COMMAND : STATUS.UNKNOWN_COMMAND);
  }

  /** The tags an answer carries: DFEE1A's list when the 60-10 gave one, else all. */
  #output(tags: readonly TlvInput[], start: StartRequest): TlvInput[] {
    const wanted = start.outputTags;
    return wanted === undefined ? [...tags] : tags.filter((t) => wanted.includes(t.tag));
  }

  #answer(command: number, status: number, data?: Uint8Array): void {
    let wire = encodeResponse(command, status, data);
    if (this.#corrupt > 0) {
      this.#corrupt--;
      wire = Buffer.from(wire);
      wire[wire.length - 1] = (wire[wire.length - 1] as number) ^ 0xff;
    }
    void this.#write(wire);
  }

  /** Writes in order: one frame's pieces never interleave with another's. */
  #write(bytes: Buffer): Promise<void> {
    const step = Math.max(1, this.#options.chunkBytes ?? bytes.length);
    this.#queue = this.#queue.then(async () => {
      try {
        for (let i = 0; i < bytes.length; i += step) await this.#transport.write(bytes.subarray(i, i + step));
      } catch {
        // The wire is gone; the driver hears of it on its side.
      }
    });
    return this.#queue;
  }
}

/** [result code MSB LSB][TLV…] */
function resultData(result: number, tags: readonly TlvInput[] = []): Buffer {
  return Buffer.concat([Buffer.from([result >> 8, result & 0xff]), encode(tags)]);
}

/** The result code a kernel failure is reported with. */
function failureResult(error: PosError, reading: boolean): number {
  if (error.code === 'PIN_ENTRY_CANCELLED' || error.code === 'DEVICE_READ_CANCELLED') return RESULT.TRANSACTION_CANCELLED;
  if (error.code === 'EMV_CARD_REMOVED') return RESULT.CARD_ABSENT;
  if (BLOCKED.has(error.code)) return RESULT.CARD_BLOCKED;
  if (reading && CHIP_FAILURES.has(error.code)) return RESULT.FALLBACK_SITUATION;
  return RESULT.SMARTCARD_FAIL;
}

/** The 02-40 answer for a tap (guide 8.5.2 p229–233): its status and [Attribution][TLV…]. */
function activateAnswer(result: TapResult): { status: number; data: Buffer } {
  const magstripe = result.entryMode === 'contactless-magstripe';
  const attribution = Buffer.from([magstripe ? ACTIVATE.attributionMsd : ACTIVATE.attributionEmv]);
  const tlv = [...decode(result.tlv)].filter((node) => node.tag !== '9F39' && !(magstripe && node.tag === '57'));
  const extra: TlvInput[] = [{ tag: '9F39', value: Buffer.from([magstripe ? ENTRY.contactlessMagstripe : ENTRY.contactless]) }];
  if (magstripe && result.track2 !== undefined) extra.push({ tag: '57', value: track2Bytes(result.track2) });
  const body = (cid?: number): Buffer => {
    const nodes: TlvInput[] = tlv.map((node) => (cid !== undefined && node.tag === '9F27' ? { tag: '9F27', value: Buffer.from([cid]) } : { tag: node.tag, value: node.value }));
    return Buffer.concat([attribution, encode([...nodes, ...extra])]);
  };
  switch (result.outcome) {
    case 'online-request':
      return { status: STATUS.REQUEST_ONLINE_AUTHORIZATION, data: body() };
    case 'approved':
      return { status: STATUS.OK, data: body() };
    case 'declined':
      // The reader's decision: a TC it could not authenticate is reported as the AAC it became.
      return { status: STATUS.OK, data: body(0x00) };
    case 'try-another-interface':
      return { status: STATUS.FAILED, data: failedTap(CONTACTLESS_ERROR.GO_TO_CONTACT_INTERFACE) };
    case 'see-phone':
      return { status: STATUS.FAILED, data: failedTap(CONTACTLESS_ERROR.SEE_PHONE, 0x6986) };
    case 'end-application':
      return { status: STATUS.FAILED, data: failedTap(CONTACTLESS_ERROR.GENERIC) };
  }
}

/** A failed 02-40's data: [Attribution][FFEE1F: error code, SW1, SW2, RF state] (p232). */
function failedTap(code: number, statusWord = 0x0000): Buffer {
  const table = Buffer.from([code, statusWord >> 8, statusWord & 0xff, 0x00]);
  return Buffer.concat([Buffer.from([ACTIVATE.attributionEmv]), encode([{ tag: 'FFEE1F', value: table }])]);
}

/** 02-40: [Timeout 1][Activate Command TLVs] (guide 8.5.2 p210). */
function parseActivate(data: Buffer): ActivateRequest {
  if (data.length < 1 || data[0] === 0) throw new PosError('TLV_TRUNCATED', '02-40 without its Timeout', {});
  const tlv = flatten(decode(data.subarray(1)));
  const bcd = (tag: string): number => {
    const value = Number(Buffer.from(tlv.get(tag) ?? Buffer.alloc(1)).toString('hex'));
    if (!Number.isSafeInteger(value)) throw new PosError('TLV_TRUNCATED', `${tag} is not BCD`, { tag });
    return value;
  };
  return {
    timeoutS: data[0] as number,
    amountMinor: bcd('9F02'),
    amountOtherMinor: bcd('9F03'),
    currency: Buffer.from(tlv.get('5F2A') ?? Buffer.from('0978', 'hex')).toString('hex'),
    transactionType: tlv.get('9C')?.[0] ?? 0x00,
  };
}

/** 60-10: [FallBack][TimeOut1 2][TimeOut2 2][App Data TLV…] (guide 8.4.18 p178–179). */
function parseStart(data: Buffer): StartRequest {
  if (data.length < 5) throw new PosError('TLV_TRUNCATED', '60-10 data shorter than its fixed fields', {});
  const app = flatten(decode(data.subarray(5)));
  const auto = app.get('DFEF1F');
  // Auto Authenticate and Force Online are options this twin does not run.
  if (auto !== undefined && auto.some((b) => b !== 0)) throw new PosError('CHIP_DATA_INVALID', 'DFEF1F is not supported', { tag: 'DFEF1F' });
  const amount = app.get('9F02');
  const amountMinor = amount === undefined ? 0 : Number(Buffer.from(amount).toString('hex'));
  if (!Number.isSafeInteger(amountMinor)) throw new PosError('TLV_TRUNCATED', '9F02 is not BCD', { tag: '9F02' });
  const currency = Buffer.from(app.get('5F2A') ?? Buffer.from('0978', 'hex')).toString('hex');
  const outputTags = app.get('DFEE1A');
  return {
    fallbackAllowed: data[0] === 0x01,
    cardTimeoutS: data.readUInt16BE(1),
    authenticateTimeoutS: data.readUInt16BE(3),
    outputTags: outputTags === undefined ? undefined : tagList(outputTags),
    request: {
      amountMinor,
      amountOtherMinor: Number(Buffer.from(app.get('9F03') ?? Buffer.alloc(6)).toString('hex')),
      currency,
      currencyExponent: currencyByNumeric(Number(currency))?.exponent ?? 2,
      transactionType: app.get('9C')?.[0] ?? 0x00,
    },
  };
}

/** A list of BER tags back to back (DFEE1A), as uppercase hex. */
function tagList(bytes: Uint8Array): string[] {
  const tags: string[] = [];
  for (let i = 0; i < bytes.length; ) {
    const start = i;
    if (((bytes[i++] as number) & 0x1f) === 0x1f) while (i < bytes.length && ((bytes[i++] as number) & 0x80) !== 0);
    tags.push(Buffer.from(bytes.subarray(start, i)).toString('hex').toUpperCase());
  }
  return tags;
}

export function createVirtualVivopay(transport: ByteTransport, options: VirtualVivopayOptions = {}): VirtualVivopay {
  return new VirtualVivopay(transport, options);
}
