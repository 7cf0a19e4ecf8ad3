/**
 * The card data model shared by drivers, the engine and the host encoders.
 * Everything that identifies the card is `Sensitive`.
 */
import type { Sensitive } from '../util/sensitive.js';

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'discover' | 'jcb' | 'diners' | 'unionpay' | 'maestro' | 'unknown';

/** Card expiry as printed on track data (YYMM): the card is valid through the last day of this month. */
export interface Expiry {
  /** Four-digit year (track data's YY read as 20YY). */
  readonly year: number;
  /** 1–12. */
  readonly month: number;
}

/**
 * What identifies a card for a payment, whichever interface read it: the
 * host request (DE 2, 14, 35), the PIN block (ISO 9564 format 0) and the
 * engine's checks (expiry, service code) need no more.
 */
export interface PaymentCard {
  /**
   * The PAN's digits; when `panMasked` is set, the masked PAN an encrypting
   * reader gives (`411111******1111`), which is no PAN at all.
   */
  readonly pan: Sensitive;
  /**
   * Set by an encrypting reader: `pan` and `track2` hold the reader's masked
   * data (`*` where digits are hidden), and the real tracks travel only as
   * ciphertext (`CardRead.encrypted`). Nothing may use such a `pan` as a PAN
   * (ISO 8583 DE 2/35, a PIN block, Luhn); `isMaskedCard` says which it is.
   */
  readonly panMasked?: true;
  readonly expiry: Expiry;
  /** ISO/IEC 7813 three-digit service code. */
  readonly serviceCode: string;
  readonly brand: CardBrand;
  /** Track 2 content between the sentinels (`PAN=YYMMSSS…`), for ISO 8583 DE 35. */
  readonly track2: Sensitive;
}

/** A card read from its magnetic stripe. */
export interface MagstripeCard extends PaymentCard {
  /** Track 1 content between the sentinels, when the reader delivered it. */
  readonly track1?: Sensitive;
  /** Cardholder name from track 1 (cardholder data: kept wrapped). */
  readonly cardholderName?: Sensitive;
}

/**
 * The card facts a chip gives (EMV Book 3 Annex A): PAN, expiry and service
 * code from Track 2 Equivalent Data (57), whose content, as track 2 text
 * (`PAN=YYMMSSS…`), is `track2`. A chip never gives track 1, and an
 * encrypting reader's masked data is a stripe's.
 */
export interface ChipCard extends PaymentCard {
  readonly panMasked?: never;
}

/** Whether `card` came from an encrypting reader and holds masked data only (see `PaymentCard.panMasked`). */
export function isMaskedCard(card: PaymentCard): boolean {
  return card.panMasked === true;
}
