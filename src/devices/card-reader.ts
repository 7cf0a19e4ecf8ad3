/**
 * What the transaction engine needs of a card reader, whatever its wire. A
 * read is a swipe or a chip read (`CardRead`); a reader with a chip
 * interface is a `ChipCardReader`, which its driver says in `capabilities`.
 */
import type { ChipCard, MagstripeCard } from '../card/types.js';
import type { Sensitive } from '../util/sensitive.js';

/**
 * How the card data reached us; maps to ISO 8583 DE 22. `contactless` is a
 * contactless chip read (EMV mode, a cryptogram in DE 55);
 * `contactless-magstripe` a contactless card's mag-stripe mode (its track 2
 * with a dynamic CVC3, no DE 55).
 */
export type EntryMode = 'swipe' | 'chip' | 'contactless' | 'contactless-magstripe' | 'fallback' | 'manual';

/** What a reader read: the stripe, or the chip. `isChipRead` tells them apart. */
export type CardRead = SwipeRead | ChipRead;

/**
 * A card read from its stripe: a swipe, a fallback swipe after the chip
 * failed, or a contactless card in mag-stripe mode (the reader built its
 * track 2, dynamic CVC3 included).
 */
export interface SwipeRead {
  readonly entryMode: 'swipe' | 'fallback' | 'contactless-magstripe';
  readonly card: MagstripeCard;
  /** The service code or the reader asks for online PIN, so the engine must get a PIN block. */
  readonly pinRequired?: boolean;
  /**
   * Present for an encrypting reader's swipe: the track ciphertext and its
   * DUKPT KSN exactly as the reader sent them, for the host to decrypt. `card`
   * then holds masked data only (`card.panMasked`).
   */
  readonly encrypted?: EncryptedTracks;
  /** A stripe gives no chip data. */
  readonly chip?: never;
}

/** A card read through its chip (contact, or contactless): the card facts EMV gives and the online-request data. */
export interface ChipRead {
  readonly entryMode: 'chip' | 'contactless';
  /** From Track 2 Equivalent Data (57). */
  readonly card: ChipCard;
  /** What goes to the host in DE 55. */
  readonly chip: ChipData;
  /** The card's CVM is online PIN, so the engine must get a PIN block. */
  readonly pinRequired?: boolean;
  /** A chip read is never an encrypting reader's swipe. */
  readonly encrypted?: never;
  /**
   * What the card's first GENERATE AC said, where the terminal's own kernel
   * ran it: `online` (ARQC), `approved-offline` (TC) or `declined-offline`
   * (AAC). Absent for a reader whose kernel only reports online requests.
   */
  readonly firstDecision?: 'online' | 'approved-offline' | 'declined-offline';
  /** The online PIN was entered during the read, through `ReadRequest.enterOnlinePin`: the engine holds its PIN block. */
  readonly onlinePinEntered?: boolean;
  /** The kernel's account of the transaction so far (no card data), for the result, the journal and the receipt. */
  readonly emv?: EmvSummary;
}

/** What an EMV kernel reports of a chip transaction: hex strings of non-secret data objects and names. */
export interface EmvSummary {
  /** 4F/84, the selected application. */
  readonly aid: string;
  /** 9F12 or 50. */
  readonly applicationLabel?: string;
  /** 95 and 9B as they stood at the last GENERATE AC. */
  readonly tvr: string;
  readonly tsi: string;
  /** 9F34. */
  readonly cvmResults?: string;
  readonly odaMethod: 'cda' | 'dda' | 'sda' | 'none';
  /** 9F26 and the type 9F27 gave it. */
  readonly cryptogram?: string;
  readonly cryptogramType?: 'AAC' | 'TC' | 'ARQC';
  readonly atc?: string;
}

export function isChipRead(read: CardRead): read is ChipRead {
  return read.entryMode === 'chip' || read.entryMode === 'contactless';
}

/**
 * Track data encrypted in the reader (secure card reader, SRED): the terminal
 * forwards it untouched and never holds the clear tracks.
 *
 * `magtek-tdes-dukpt`: MagneSafe — each track with its sentinels, zero padded
 * to whole 8-byte blocks, TDES-CBC with a zero IV under the ANSI X9.24-1 2009
 * DUKPT data key (request variant) of `ksn`.
 */
export interface EncryptedTracks {
  /** DUKPT key serial number, 10 bytes. */
  readonly ksn: Buffer;
  readonly track2: Buffer;
  readonly track1?: Buffer;
  readonly scheme: 'magtek-tdes-dukpt';
}

/** A chip read's data for the host. */
export interface ChipData {
  /**
   * The online-request data as BER-TLV (9F26 ARQC, 9F27, 9F10, 9F37, 9F36, 95,
   * 9A, 9C, 9F02, 5F2A, 82, 9F1A, 9F33, 9F34, 9F35, 84, 9F09, 5F34, …). It may
   * hold 57/5A, so it is `Sensitive`; the host encoder strips those from DE 55.
   */
  readonly tlv: Sensitive;
}

/**
 * The host's answer, handed back to the card for its final decision; or, for
 * a reader whose terminal runs the kernel, `unableToGoOnline`: nothing
 * reached the host, and the action codes decide (Y3 or Z3).
 */
export interface HostAnswerForCard {
  readonly unableToGoOnline?: boolean;
  /** The host approved online. */
  readonly approved: boolean;
  /** DE 39, two characters; goes to the card as 8A. */
  readonly responseCode: string;
  /** Issuer data from the response's DE 55: 91 (ARPC), 71/72 (scripts). Empty when the host sent none. */
  readonly issuerTlv: Buffer;
}

export interface ChipCompletion {
  /** The card's last word: `approved` (TC) or `declined` (AAC). */
  readonly decision: 'approved' | 'declined';
  /** The second GENERATE AC's data (9F26 TC/AAC, 9F27, 95, 9B, script results), BER-TLV. */
  readonly tlv: Buffer;
  /** The kernel's final account (TVR, TSI, the last cryptogram), where the terminal ran the kernel. */
  readonly emv?: EmvSummary;
}

export interface ReadRequest {
  /** Amount in minor units, for readers that show it or need it (EMV 9F02): the whole amount, cashback included. */
  readonly amountMinor: number;
  /** ISO 4217 numeric. */
  readonly currency: string;
  /**
   * What the card is read for (EMV 9C): a `purchase` (09 with cashback), a
   * `refund` (20: the card is asked for an AAC, its answer goes online), or
   * a `preauth` (00, always online: the merchant forces it). Absent: a purchase.
   */
  readonly purpose?: 'purchase' | 'refund' | 'preauth';
  /** The cash given out within `amountMinor` (EMV 9F03). */
  readonly cashbackMinor?: number;
  /**
   * For a reader whose terminal runs the EMV kernel: online PIN entry during
   * cardholder verification (Book 3 §10.5), on the PIN pad, for `card`. The
   * engine keeps the PIN block. Resolves once a PIN is entered; rejects with
   * kind `cancelled` or `timeout` when the cardholder gave none (the read is
   * then abandoned), any other kind when the PIN pad cannot take one. Absent
   * when no PIN pad is attached.
   */
  readonly enterOnlinePin?: (card: ChipCard) => Promise<void>;
  /** The reader tells the engine the cardholder must use the stripe now (fallback after a chip failure). */
  readonly useStripe?: () => void;
  /** The reader tells the engine the cardholder must insert the card now (a tap sent to the contact interface); the read goes on. */
  readonly insertCard?: () => void;
}

export type DeviceState = 'connected' | 'disconnected' | 'closed';

export interface CardReader {
  /** A short name for logs and `/v1/health`. */
  readonly name: string;

  /**
   * Arms the reader for one card and resolves with what it read.
   * Rejects with a `PosError`: a `CARD_*` or `READ_*` code when the card could
   * not be read or is not a valid card (the port stays open for the next try);
   * kind `cancelled` when `signal` aborts (the reader is disarmed first);
   * kind `disconnected` when the device goes away while armed.
   * Only one read may be armed at a time; a second call rejects with kind `busy`.
   * Card data arriving while no read is armed is discarded.
   */
  readCard(request: ReadRequest, signal: AbortSignal): Promise<CardRead>;

  /** Absent for a stripe-only reader; a reader with a chip interface is a `ChipCardReader`. */
  readonly capabilities?: ReaderCapabilities;

  state(): DeviceState;

  /** Releases the device; an armed read rejects with kind `cancelled`. Idempotent. */
  close(): Promise<void>;
}

/** What a reader can do beyond reading a stripe, as its driver says. */
export interface ReaderCapabilities {
  /** A chip interface: its reads may be chip reads, and the card hears the host's answer (`completeChip`). */
  readonly chip: boolean;
}

/** A reader with a chip interface: the card has the last word after the host answers. */
export interface ChipCardReader extends CardReader {
  readonly capabilities: { readonly chip: true };

  /**
   * For a chip read that went online: gives the host's answer to the card and
   * resolves with the card's final decision. A card may decline after the
   * host approved (the engine then reverses). Rejects like `readCard`.
   */
  completeChip(answer: HostAnswerForCard, signal: AbortSignal): Promise<ChipCompletion>;
}

export function isChipReader(reader: CardReader): reader is ChipCardReader {
  return reader.capabilities?.chip === true;
}
