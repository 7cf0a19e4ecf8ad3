/**
 * pcscd in memory, for the slot's unit tests: readers that come and go,
 * cards inserted and pulled, the service stopped and started, and
 * `SCardGetStatusChange` as pcsc-lite answers it (a reader's state with the
 * card event count in its high 16 bits; the PnP pseudo-reader's with the
 * reader count). A card answers through a function; `hang` keeps an exchange
 * pending until the card is pulled, as a card that stops talking would.
 */
import {
  PcscCallError,
  PNP_NOTIFICATION,
  SCARD_STATE,
  type Disposition,
  type PcscBinding,
  type PcscCardHandle,
  type PcscContext,
  type PcscFailure,
  type PcscProtocol,
  type ReaderStatus,
  type WatchedReader,
} from '../../../drivers/pcsc/pcsc-binding.js';

export type CardAnswer = Buffer | 'hang' | { readonly fail: PcscFailure };

export interface FakeCardOptions {
  readonly atr?: string;
  readonly protocol?: PcscProtocol;
  /** What SCardConnect fails with, if it does. */
  readonly connectFailure?: PcscFailure;
  readonly mute?: boolean;
}

export class FakeCard {
  readonly atr: Buffer;
  readonly protocol: PcscProtocol;
  readonly connectFailure: PcscFailure | undefined;
  readonly mute: boolean;
  /** Every command received, as upper-case hex. */
  readonly received: string[] = [];
  readonly dispositions: Disposition[] = [];
  /** Held exclusively by a handle. */
  held = false;
  answer: (command: Buffer) => CardAnswer;

  constructor(answer: (command: Buffer) => CardAnswer, options: FakeCardOptions = {}) {
    this.answer = answer;
    this.atr = Buffer.from(options.atr ?? '3B6800000073C84013009000', 'hex');
    this.protocol = options.protocol ?? 'T=0';
    this.connectFailure = options.connectFailure;
    this.mute = options.mute ?? false;
  }
}

interface FakeReader {
  events: number;
  card: FakeCard | undefined;
}

interface PendingWait {
  readonly check: () => boolean;
  readonly fail: (failure: PcscFailure) => void;
}

export class FakePcsc implements PcscBinding {
  running = true;
  readonly readers = new Map<string, FakeReader>();
  readonly #waits = new Set<PendingWait>();
  readonly #hanging = new Set<{ card: FakeCard; fail: (failure: PcscFailure) => void }>();
  contextsOpened = 0;
  contextsOpen = 0;

  establish(): PcscContext {
    if (!this.running) throw new PcscCallError('no-service');
    this.contextsOpened++;
    this.contextsOpen++;
    return new FakeContext(this);
  }

  attach(name: string): void {
    this.readers.set(name, { events: 0, card: undefined });
    this.notify();
  }

  detach(name: string): void {
    const reader = this.readers.get(name);
    this.readers.delete(name);
    if (reader?.card !== undefined) this.#pull(reader.card, 'reader-unavailable');
    this.notify();
  }

  insert(name: string, card: FakeCard): void {
    const reader = this.#reader(name);
    reader.card = card;
    reader.events++;
    this.notify();
  }

  remove(name: string): void {
    const reader = this.#reader(name);
    const card = reader.card;
    reader.card = undefined;
    reader.events++;
    if (card !== undefined) this.#pull(card, 'removed');
    this.notify();
  }

  /** pcscd stops: every context fails from now on. */
  stop(): void {
    this.running = false;
    for (const wait of [...this.#waits]) wait.fail('comm');
    for (const hang of [...this.#hanging]) hang.fail('comm');
  }

  start(): void {
    this.running = true;
  }

  stateOf(name: string): ReaderStatus {
    if (name === PNP_NOTIFICATION) return { name, state: this.readers.size * 0x10000 };
    const reader = this.readers.get(name);
    if (reader === undefined) return { name, state: SCARD_STATE.UNKNOWN };
    const flags = reader.card === undefined ? SCARD_STATE.EMPTY : SCARD_STATE.PRESENT | (reader.card.mute ? SCARD_STATE.MUTE : 0);
    const status = { name, state: reader.events * 0x10000 + flags };
    return reader.card === undefined ? status : { ...status, atr: reader.card.atr };
  }

  notify(): void {
    for (const wait of [...this.#waits]) wait.check();
  }

  addWait(wait: PendingWait): () => void {
    this.#waits.add(wait);
    return () => this.#waits.delete(wait);
  }

  /** An exchange left pending until `card` is pulled (or pcscd stops). */
  hang(card: FakeCard): Promise<Buffer> {
    return new Promise((_resolve, reject) => {
      const entry = {
        card,
        fail: (failure: PcscFailure) => {
          this.#hanging.delete(entry);
          reject(new PcscCallError(failure));
        },
      };
      this.#hanging.add(entry);
    });
  }

  cardIn(name: string): FakeCard | undefined {
    return this.readers.get(name)?.card;
  }

  #pull(card: FakeCard, failure: PcscFailure): void {
    card.held = false;
    for (const hang of [...this.#hanging]) if (hang.card === card) hang.fail(failure);
  }

  #reader(name: string): FakeReader {
    const reader = this.readers.get(name);
    if (reader === undefined) throw new Error(`no reader ${name}`);
    return reader;
  }
}

class FakeContext implements PcscContext {
  readonly #pcsc: FakePcsc;
  #closed = false;
  #cancel: (() => void) | undefined;

  constructor(pcsc: FakePcsc) {
    this.#pcsc = pcsc;
  }

  /** Why this context cannot be used, if it cannot. */
  #dead(): PcscCallError | undefined {
    if (this.#closed) return new PcscCallError('closed');
    if (!this.#pcsc.running) return new PcscCallError('no-service');
    return undefined;
  }

  listReaders(): ReaderStatus[] {
    const dead = this.#dead();
    if (dead !== undefined) throw dead;
    return [...this.#pcsc.readers.keys()].map((name) => this.#pcsc.stateOf(name));
  }

  waitForChange(readers: readonly WatchedReader[], timeoutMs: number): Promise<readonly ReaderStatus[] | 'timeout' | 'cancelled'> {
    const dead = this.#dead();
    if (dead !== undefined) return Promise.reject(dead);
    const changed = (): readonly ReaderStatus[] | undefined => {
      const now = readers.map((r) => ({ watched: r, status: this.#pcsc.stateOf(r.name) }));
      const differs = now.some(({ watched, status }) => (status.state & ~SCARD_STATE.CHANGED) !== (watched.state & ~SCARD_STATE.CHANGED));
      return differs ? now.map(({ watched, status }) => (status.state !== watched.state ? { ...status, state: status.state | SCARD_STATE.CHANGED } : status)) : undefined;
    };
    const immediate = changed();
    if (immediate !== undefined) return Promise.resolve(immediate);
    return new Promise((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        remove();
        this.#cancel = undefined;
      };
      const timer = setTimeout(() => {
        finish();
        resolve('timeout');
      }, timeoutMs);
      const remove = this.#pcsc.addWait({
        check: () => {
          const now = changed();
          if (now === undefined) return false;
          finish();
          resolve(now);
          return true;
        },
        fail: (failure) => {
          finish();
          reject(new PcscCallError(failure));
        },
      });
      this.#cancel = () => {
        finish();
        resolve('cancelled');
      };
    });
  }

  cancel(): void {
    this.#cancel?.();
  }

  connect(reader: string, exclusive: boolean): Promise<PcscCardHandle> {
    const dead = this.#dead();
    if (dead !== undefined) return Promise.reject(dead);
    const pcsc = this.#pcsc;
    if (!pcsc.readers.has(reader)) return Promise.reject(new PcscCallError('reader-unavailable'));
    const card = pcsc.cardIn(reader);
    if (card === undefined) return Promise.reject(new PcscCallError('no-card'));
    if (card.connectFailure !== undefined) return Promise.reject(new PcscCallError(card.connectFailure));
    if (card.held) return Promise.reject(new PcscCallError('sharing'));
    card.held = exclusive;
    const closed = (): boolean => this.#closed;
    return Promise.resolve({
      protocol: card.protocol,
      atr: card.atr,
      transmit(command: Buffer): Promise<Buffer> {
        if (closed()) return Promise.reject(new PcscCallError('closed'));
        if (!pcsc.running) return Promise.reject(new PcscCallError('no-service'));
        if (pcsc.cardIn(reader) !== card) return Promise.reject(new PcscCallError('removed'));
        card.received.push(command.toString('hex').toUpperCase());
        const answer = card.answer(command);
        if (answer === 'hang') return pcsc.hang(card);
        if ('fail' in answer) return Promise.reject(new PcscCallError(answer.fail));
        return Promise.resolve(answer);
      },
      disconnect(disposition: Disposition): void {
        card.held = false;
        card.dispositions.push(disposition);
      },
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pcsc.contextsOpen--;
    this.cancel();
  }
}
