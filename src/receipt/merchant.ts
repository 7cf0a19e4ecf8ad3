/**
 * What a receipt prints besides the journal row: the merchant's name and
 * address, the terminal's ids, the footer. The composition root builds it
 * from the config (`receipt` and `terminal` sections); this layer reads no
 * config, so a receipt is a function of the row and these settings only.
 */

/** Which copies print by themselves when a transaction ends (`receipt.autoPrint`). */
export type AutoPrint = 'none' | 'customer' | 'merchant' | 'both';

export interface MerchantSettings {
  readonly merchantName: string;
  /** At most four lines under the name. */
  readonly addressLines: readonly string[];
  /** Lines at the foot of every receipt. */
  readonly footer: readonly string[];
  /** DE 41, as the row has it is the journal's; this is what the receipt names as TID. */
  readonly terminalId: string;
  /** DE 42. */
  readonly merchantId: string;
  /** IANA time zone the date and time print in (fixed, so a reprint anywhere prints the same). */
  readonly timeZone: string;
}

/** `receipt.autoPrint` left out: the customer's copy when a printer is configured, else none. */
export function effectiveAutoPrint(configured: AutoPrint | undefined, printerConfigured: boolean): AutoPrint {
  if (!printerConfigured) return 'none';
  return configured ?? 'customer';
}
