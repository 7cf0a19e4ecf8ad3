/**
 * The slice of PC/SC (the PC/SC Workgroup's interface, as pcsc-lite's
 * `winscard.h` gives it) this driver uses, as a contract a binding adapter
 * fulfils: the real one is `smartcard-binding.ts` over npm `smartcard`,
 * tests pass a fake. Every call that can fail rejects (or throws) with a
 * `PcscCallError` naming what PC/SC said as a `PcscFailure`; the slot turns
 * those into `PosError`s, so a `PcscCallError` never leaves `drivers/pcsc/`.
 *
 * Reader states are PC/SC's `dwEventState`: the `SCARD_STATE_*` flags in the
 * low 16 bits and, in pcsc-lite, a count of card events in the high 16 bits
 * (so a card pulled and another inserted between two looks still reads as a
 * change).
 */

/** `SCARD_STATE_*` (PC/SC Part 5; the same values in pcsc-lite, WinSCard and macOS). */
export const SCARD_STATE = {
  /** Set by the service on a reader entry it reports (ignore me) — not a reader state. */
  IGNORE: 0x0001,
  /** Set by the service on an entry whose state changed in this call — not a reader state. */
  CHANGED: 0x0002,
  /** The reader is gone (or not known to the service). */
  UNKNOWN: 0x0004,
  /** The reader's state cannot be read (driver error). */
  UNAVAILABLE: 0x0008,
  EMPTY: 0x0010,
  PRESENT: 0x0020,
  /** The card does not answer its reset. */
  MUTE: 0x0200,
} as const;

/** The low 16 bits of a reader state: the flags, without the event count. */
export const STATE_FLAGS_MASK = 0xffff;

/** The event count pcsc-lite keeps in a reader state's high 16 bits. */
export function eventCount(state: number): number {
  return Math.floor(state / 0x10000) & 0xffff;
}

/** The pseudo-reader whose state changes when a reader is attached or detached (PC/SC Part 5, pcsc-lite 1.6+). */
export const PNP_NOTIFICATION = '\\\\?PnP?\\Notification';

export type PcscProtocol = 'T=0' | 'T=1';

/** What a card handle does with the card when it is released (`SCARD_LEAVE_CARD`, `SCARD_RESET_CARD`, `SCARD_UNPOWER_CARD`). */
export type Disposition = 'leave' | 'reset' | 'unpower';

/**
 * What PC/SC answered when a call failed, named after its return codes:
 * `no-service` SCARD_E_NO_SERVICE / SCARD_E_SERVICE_STOPPED (pcscd is not
 * running, or a context from before it restarted); `removed`
 * SCARD_W_REMOVED_CARD; `no-card` SCARD_E_NO_SMARTCARD; `reset`
 * SCARD_W_RESET_CARD; `reader-unavailable` SCARD_E_READER_UNAVAILABLE /
 * SCARD_E_UNKNOWN_READER; `sharing` SCARD_E_SHARING_VIOLATION; `unresponsive`
 * SCARD_W_UNRESPONSIVE_CARD / SCARD_W_UNPOWERED_CARD; `unsupported`
 * SCARD_W_UNSUPPORTED_CARD / SCARD_E_PROTO_MISMATCH / SCARD_E_INVALID_ATR;
 * `comm` SCARD_F_COMM_ERROR / SCARD_E_NOT_TRANSACTED; `closed` the context or
 * handle was released; `other` anything else.
 */
export type PcscFailure = 'no-service' | 'removed' | 'no-card' | 'reset' | 'reader-unavailable' | 'sharing' | 'unresponsive' | 'unsupported' | 'comm' | 'closed' | 'other';

/** A failed PC/SC call, inside `drivers/pcsc/` only. The binding's own error is the `cause`. */
export class PcscCallError extends Error {
  readonly failure: PcscFailure;

  constructor(failure: PcscFailure, options?: { cause?: unknown }) {
    super(`PC/SC call failed: ${failure}`, options);
    this.name = 'PcscCallError';
    this.failure = failure;
  }
}

/** One reader as the service lists it. */
export interface ReaderStatus {
  readonly name: string;
  /** `dwEventState`. */
  readonly state: number;
  /** The card's ATR when a card is present. */
  readonly atr?: Buffer;
}

/** A reader to watch, with the state the caller last saw (0 = unaware). */
export interface WatchedReader {
  readonly name: string;
  readonly state: number;
}

/** An open card handle (`SCardConnect`). */
export interface PcscCardHandle {
  /** The protocol the reader and card agreed on. */
  readonly protocol: PcscProtocol;
  readonly atr: Buffer;
  /** One TPDU/APDU exchange as the reader does it (`SCardTransmit`): no procedure bytes resolved. */
  transmit(command: Buffer): Promise<Buffer>;
  /** Releases the handle (`SCardDisconnect`); never throws. */
  disconnect(disposition: Disposition): void;
}

/** A PC/SC context (`SCardEstablishContext`): one per caller that may block in `waitForChange`. */
export interface PcscContext {
  listReaders(): ReaderStatus[];
  /**
   * `SCardGetStatusChange`: resolves with the watched readers' new states
   * when any differs from the state given, `'timeout'` after `timeoutMs`,
   * `'cancelled'` after `cancel()`. A context blocks while it waits: card
   * handles live on a context of their own.
   */
  waitForChange(readers: readonly WatchedReader[], timeoutMs: number): Promise<readonly ReaderStatus[] | 'timeout' | 'cancelled'>;
  /** Ends a pending `waitForChange` (`SCardCancel`); never throws. */
  cancel(): void;
  /** Connects to the card in `reader` with T=0 or T=1, whichever it offers; `exclusive` keeps other programs off it. */
  connect(reader: string, exclusive: boolean): Promise<PcscCardHandle>;
  /** Releases the context (`SCardReleaseContext`); never throws. */
  close(): void;
}

/** A PC/SC implementation: opens contexts. Throws `PcscCallError('no-service')` when pcscd is not running. */
export interface PcscBinding {
  establish(): PcscContext;
}
