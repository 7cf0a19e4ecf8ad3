/**
 * A virtual ID TECH ViVOpay reader speaking protocol 2 on the device end of a
 * wire (NEO 2 Interface Developer's Guide, sections 2.8 and 8.4). An inserted
 * card is an APDU-level chip (`hw-mocks/chip-card`) the reader talks to in
 * APDUs (`reader-chip-session.ts`), with real cryptography. The command
 * numbers and proprietary tags are those of docs/protocols/vivopay.md.
 *
 * Controls (tests, the simulator): `insert(cardId)`, `swipe(cardId)`,
 * `failChip()` (the next inserted chip cannot be read: fallback),
 * `declineAfterApproval()`, `removeCard()`; faults on the link:
 * `corruptNextAnswers(n)`, `muteNext(n)`.
 *
 * A command repeated byte for byte is a resend: its answer, if already sent,
 * is sent again; if still being worked on, the repeat is ignored.
 */
import { encodeTrack1, encodeTrack2 } from '../../src/card/track-encode.js';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { decode, encode } from '../../src/emv/ber-tlv.js';
import { flatten } from '../../src/emv/tlv-query.js';
import { findCard, loadDeck, type Deck, type DeckCard } from '../cards/deck.js';
import { chipCardFor } from '../chip-card/deck-chip-cards.js';
import type { EmvChipCard } from '../chip-card/emv-chip-card.js';
import { CommandFramer, encodeResponse, type ReceivedCommand } from './command-framer.js';
import { ReaderChipSession } from './reader-chip-session.js';

/** The numbers this twin answers to (docs/protocols/vivopay.md). */
export const TWIN_COMMANDS = {
  ping: [0x18, 0x01],
  getConfiguration: [0x03, 0x02],
  setConfiguration: [0x04, 0x00],
  startTransaction: [0x60, 0x10],
  completeTransaction: [0x60, 0x12],
  cancelTransaction: [0x05, 0x01],
} as const;

export const TWIN_STATUS = { OK: 0x00, UNKNOWN_COMMAND: 0x02, CRC_ERROR: 0x04, MALFORMATTED_DATA: 0x07, TIMEOUT: 0x08, FAILED: 0x0a, COMMAND_NOT_ALLOWED: 0x0b } as const;
const ENTRY = { chip: 0x05, swipe: 0x90, fallback: 0x80 } as const;
const FAILURE = { cancelled: 0x01, chipUnreadable: 0x02, cardRemoved: 0x03 } as const;

/** Default terminal configuration (9F1A country, 9F33 capabilities, 9F35 type, 9F09 version), settable with 04-00. */
const DEFAULT_CONFIG: readonly (readonly [string, string])[] = [
  ['9F1A', '0826'],
  ['9F33', 'E0F0C8'],
  ['9F35', '22'],
  ['9F09', '008C'],
];

export interface VirtualVivopayOptions {
  readonly deck?: Deck;
  /** The reader's clock for 9A/9F21; default the system clock. */
  readonly clock?: () => Date;
  /** Unpredictable numbers (9F37); default node's random bytes. */
  readonly random?: (lengthBytes: number) => Buffer;
  /** Builds a deck card's chip; default `chipCardFor` (its brand's profile, keys from hw-mocks/keys/keys.json). */
  readonly chipCard?: (card: DeckCard) => EmvChipCard;
  /** Write answers in pieces of this many bytes; default one write. */
  readonly chunkBytes?: number;
}

interface WaitingTransaction {
  readonly allowFallback: boolean;
  readonly terminal: Map<string, Buffer>;
  chipFailed: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class VirtualVivopay {
  readonly #transport: ByteTransport;
  readonly #framer = new CommandFramer();
  readonly #deck: Deck;
  readonly #options: VirtualVivopayOptions;
  readonly #config = new Map<string, Buffer>(DEFAULT_CONFIG.map(([t, v]) => [t, Buffer.from(v, 'hex')]));
  readonly #chips = new Map<string, EmvChipCard>();
  /** Last command and its answer, by command byte, for resends. */
  readonly #last = new Map<number, { raw: Buffer; answer: Buffer | undefined }>();
  #waiting: WaitingTransaction | undefined;
  #online: { chip: EmvChipCard; session: ReaderChipSession; terminal: Map<string, Buffer> } | undefined;
  #seated: { cardId: string; failing: boolean } | undefined;
  #failNextChip = false;
  #declineNext = false;
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
      for (const command of this.#framer.push(chunk)) this.#onCommand(command);
    });
  }

  get description(): string {
    return this.#transport.description;
  }

  /** A start transaction waits for a card (the reader shows INSERT / SWIPE). */
  get waitingForCard(): boolean {
    return this.#waiting !== undefined;
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

  /** Inserts a card: read at once if a transaction waits, else seated for the next one. */
  insert(cardId: string): void {
    this.#card(cardId);
    this.#seated = { cardId, failing: this.#failNextChip };
    this.#failNextChip = false;
    if (this.#waiting !== undefined) this.#readSeated(this.#waiting);
  }

  /** Swipes a card's stripe: a chip card's (service code 2xx) unless `chip: false`. Ignored when no transaction waits. */
  swipe(cardId: string, options: { chip?: boolean } = {}): void {
    const card = this.#card(cardId);
    const waiting = this.#waiting;
    if (waiting === undefined) return;
    const serviceCode = options.chip === false ? card.serviceCode : `2${card.serviceCode.slice(1)}`;
    const fields = { ...card, serviceCode };
    const line = Buffer.concat([encodeTrack1(fields), encodeTrack2(fields)]);
    this.#finishWaiting();
    this.#answer(TWIN_COMMANDS.startTransaction[0], TWIN_STATUS.OK, encode([{ tag: 'DFEE25', value: Buffer.from([waiting.chipFailed ? ENTRY.fallback : ENTRY.swipe]) }, { tag: 'DFEE23', value: line }]));
    line.fill(0);
  }

  /** The next inserted chip cannot be read (the reader then asks for a swipe if fallback is allowed). */
  failChip(): void {
    this.#failNextChip = true;
  }

  /** The card in the current (or next) transaction answers AAC to the host's answer even after a good ARPC. */
  declineAfterApproval(): void {
    this.#declineNext = true;
  }

  removeCard(): void {
    if (this.#seated !== undefined) this.#chips.get(this.#seated.cardId)?.powerOff();
    this.#seated = undefined;
    this.#online = undefined;
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
    this.#finishWaiting();
    this.#unsubscribe();
    for (const chip of this.#chips.values()) chip.destroy();
    await this.#transport.close();
  }

  #card(cardId: string): DeckCard {
    const card = findCard(this.#deck, cardId);
    if (card === undefined) throw new Error(`deck has no card ${cardId}`);
    return card;
  }

  #onCommand(received: ReceivedCommand): void {
    if (!received.ok) {
      void this.#write(encodeResponse(received.command, TWIN_STATUS.CRC_ERROR));
      return;
    }
    if (this.#mute > 0) {
      this.#mute--;
      return;
    }
    const last = this.#last.get(received.command);
    if (last !== undefined && last.raw.equals(received.raw)) {
      // A resend: ignored while the first is being worked on; a completion whose transaction is
      // over gets its answer again; anything else runs anew (a new transaction may repeat the last one).
      if (last.answer === undefined) return;
      if (received.command === TWIN_COMMANDS.completeTransaction[0] && received.subCommand === TWIN_COMMANDS.completeTransaction[1] && this.#online === undefined) {
        void this.#write(last.answer);
        return;
      }
    }
    this.#last.set(received.command, { raw: received.raw, answer: undefined });
    this.received.push([received.command, received.subCommand]);
    const key = `${received.command}-${received.subCommand}`;
    const is = (c: readonly [number, number]): boolean => key === `${c[0]}-${c[1]}`;
    if (is(TWIN_COMMANDS.ping)) this.#answer(received.command, TWIN_STATUS.OK);
    else if (is(TWIN_COMMANDS.getConfiguration)) this.#answer(received.command, TWIN_STATUS.OK, encode([...this.#config].map(([tag, value]) => ({ tag, value }))));
    else if (is(TWIN_COMMANDS.setConfiguration)) this.#setConfiguration(received.data);
    else if (is(TWIN_COMMANDS.startTransaction)) this.#start(received.data);
    else if (is(TWIN_COMMANDS.completeTransaction)) this.#complete(received.data);
    else if (is(TWIN_COMMANDS.cancelTransaction)) this.#cancel();
    else this.#answer(received.command, TWIN_STATUS.UNKNOWN_COMMAND);
  }

  #setConfiguration(data: Buffer): void {
    try {
      for (const [tag, value] of flatten(decode(data))) this.#config.set(tag, Buffer.from(value));
      this.#answer(TWIN_COMMANDS.setConfiguration[0], TWIN_STATUS.OK);
    } catch {
      this.#answer(TWIN_COMMANDS.setConfiguration[0], TWIN_STATUS.MALFORMATTED_DATA);
    }
  }

  #start(data: Buffer): void {
    const command = TWIN_COMMANDS.startTransaction[0];
    if (data.length < 5) return this.#answer(command, TWIN_STATUS.MALFORMATTED_DATA);
    let request: Map<string, Uint8Array>;
    try {
      request = flatten(decode(data.subarray(5)));
    } catch {
      return this.#answer(command, TWIN_STATUS.MALFORMATTED_DATA);
    }
    this.#finishWaiting();
    this.#online = undefined;
    const now = (this.#options.clock ?? (() => new Date()))();
    const bcd = (n: number): string => String(n).padStart(2, '0');
    const terminal = new Map<string, Buffer>([
      ['9F02', Buffer.from(request.get('9F02') ?? Buffer.alloc(6))],
      ['9F03', Buffer.alloc(6)],
      ['9F1A', this.#config.get('9F1A') ?? Buffer.from('0826', 'hex')],
      ['95', Buffer.alloc(5)],
      ['5F2A', Buffer.from(request.get('5F2A') ?? Buffer.from('0978', 'hex'))],
      ['9A', Buffer.from(`${bcd(now.getUTCFullYear() % 100)}${bcd(now.getUTCMonth() + 1)}${bcd(now.getUTCDate())}`, 'hex')],
      ['9F21', Buffer.from(`${bcd(now.getUTCHours())}${bcd(now.getUTCMinutes())}${bcd(now.getUTCSeconds())}`, 'hex')],
      ['9C', Buffer.from(request.get('9C') ?? Buffer.alloc(1))],
      ['9F37', (this.#options.random ?? randomBytes)(4)],
      ['9F33', this.#config.get('9F33') ?? Buffer.from('E0F0C8', 'hex')],
      ['9F35', this.#config.get('9F35') ?? Buffer.from('22', 'hex')],
      ['9F09', this.#config.get('9F09') ?? Buffer.from('008C', 'hex')],
    ]);
    const timeoutS = data.readUInt16BE(1);
    const waiting: WaitingTransaction = { allowFallback: data[0] === 0x01, terminal, chipFailed: false, timer: undefined };
    waiting.timer = setTimeout(() => {
      if (this.#waiting !== waiting) return;
      this.#finishWaiting();
      this.#answer(command, TWIN_STATUS.TIMEOUT);
    }, timeoutS * 1000);
    this.#waiting = waiting;
    if (this.#seated !== undefined) this.#readSeated(waiting);
  }

  #readSeated(waiting: WaitingTransaction): void {
    const seated = this.#seated;
    if (seated === undefined || waiting.chipFailed) return;
    const command = TWIN_COMMANDS.startTransaction[0];
    if (seated.failing) {
      if (waiting.allowFallback) {
        waiting.chipFailed = true; // "USE MAGSTRIPE": wait for a swipe
        return;
      }
      this.#finishWaiting();
      this.#answer(command, TWIN_STATUS.FAILED, encode([{ tag: 'DFEE26', value: Buffer.from([FAILURE.chipUnreadable]) }]));
      return;
    }
    const chip = this.chip(seated.cardId);
    chip.declineAfterApproval = this.#declineNext;
    this.#declineNext = false;
    const read = ReaderChipSession.start(chip, waiting.terminal);
    if (!read.ok) {
      seated.failing = true;
      this.#readSeated(waiting);
      return;
    }
    const all = new Map<string, Buffer>([...waiting.terminal, ...read.tags]);
    this.#finishWaiting();
    this.#online = { chip, session: read.session, terminal: waiting.terminal };
    this.#answer(command, TWIN_STATUS.OK, encode([{ tag: 'DFEE25', value: Buffer.from([ENTRY.chip]) }, ...[...all].map(([tag, value]) => ({ tag, value }))]));
  }

  #complete(data: Buffer): void {
    const command = TWIN_COMMANDS.completeTransaction[0];
    const online = this.#online;
    if (online === undefined) return this.#answer(command, TWIN_STATUS.COMMAND_NOT_ALLOWED);
    let host: Map<string, Uint8Array>;
    try {
      host = flatten(decode(data));
    } catch {
      return this.#answer(command, TWIN_STATUS.MALFORMATTED_DATA);
    }
    if (this.#seated === undefined) {
      this.#online = undefined;
      return this.#answer(command, TWIN_STATUS.FAILED, encode([{ tag: 'DFEE26', value: Buffer.from([FAILURE.cardRemoved]) }]));
    }
    const arc = Buffer.from(host.get('8A') ?? Buffer.from('Z3', 'latin1'));
    const auth = host.get('91');
    if (this.#declineNext) online.chip.declineAfterApproval = true;
    this.#declineNext = false;
    const tags = online.session.complete(arc, auth === undefined ? undefined : Buffer.from(auth));
    online.chip.declineAfterApproval = false;
    online.chip.powerOff();
    this.#online = undefined;
    if (tags === undefined) return this.#answer(command, TWIN_STATUS.FAILED, encode([{ tag: 'DFEE26', value: Buffer.from([FAILURE.chipUnreadable]) }]));
    const out = [...tags].map(([tag, value]) => ({ tag, value }));
    out.push({ tag: '8A', value: Buffer.from(arc) }, { tag: '95', value: online.terminal.get('95') ?? Buffer.alloc(5) }, { tag: '9B', value: Buffer.from([0xe8, 0x00]) });
    this.#answer(command, TWIN_STATUS.OK, encode(out));
  }

  #cancel(): void {
    if (this.#waiting !== undefined) {
      this.#finishWaiting();
      this.#answer(TWIN_COMMANDS.startTransaction[0], TWIN_STATUS.FAILED, encode([{ tag: 'DFEE26', value: Buffer.from([FAILURE.cancelled]) }]));
    }
    this.#online = undefined;
    this.#answer(TWIN_COMMANDS.cancelTransaction[0], TWIN_STATUS.OK);
  }

  #finishWaiting(): void {
    if (this.#waiting?.timer !== undefined) clearTimeout(this.#waiting.timer);
    this.#waiting = undefined;
  }

  #answer(command: number, status: number, data?: Uint8Array): void {
    const frame = encodeResponse(command, status, data);
    const last = this.#last.get(command);
    if (last !== undefined) last.answer = frame;
    let wire = frame;
    if (this.#corrupt > 0) {
      this.#corrupt--;
      wire = Buffer.from(frame);
      wire[wire.length - 1] = (wire[wire.length - 1] as number) ^ 0xff;
    }
    void this.#write(wire);
  }

  /** Writes in order: one answer's pieces never interleave with another's. */
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

function randomBytes(lengthBytes: number): Buffer {
  return Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(lengthBytes)));
}

export function createVirtualVivopay(transport: ByteTransport, options: VirtualVivopayOptions = {}): VirtualVivopay {
  return new VirtualVivopay(transport, options);
}
