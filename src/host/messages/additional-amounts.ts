/**
 * DE 54, additional amounts (ISO 8583:1987, an…120 LLLVAR): up to six
 * amount blocks of 20 characters each, one per amount type:
 *
 *   [account type n2][amount type n2][currency n3][sign a1 C|D][amount n12]
 *
 * Account type 00 (unspecified: the terminal does not choose the account).
 * Amount types this set sends: 40 amount cash back (a purchase with
 * cashback, DE 3 09) and 44 amount gratuity (a tip); a host may answer
 * with others (01/02 ledger and available balance), which are read and kept.
 * The sign says which way the amount moves the cardholder's account: D for
 * a cashback and a tip (both are debited within DE 4), C for a credit.
 * The amounts are parts of DE 4 (the whole amount), never added to it.
 *
 * Sources: the block layout, the sign and types 01/02 as Thredd's External
 * Host Interface guide ("Additional Amount Field") gives them; DE 3 09 with
 * the cash in DE 54 and DE 4 inclusive, Mastercard Transaction Processing
 * Rules (2024), purchase with cash back. Type 44 is the ISO 8583:1987 code
 * table's gratuity as acquirer specifications reproduce it (no public copy
 * found): a host that differs changes `AMOUNT_TYPES`. More in
 * docs/protocols/iso8583-host.md.
 */
import { PosError } from '../../util/errors.js';
import { amountField } from './fields.js';

export const ADDITIONAL_AMOUNTS_FIELD = 54;
/** One amount block: 2 + 2 + 3 + 1 + 12 characters. */
export const AMOUNT_BLOCK_CHARS = 20;
/** DE 54 is an…120: at most six blocks. */
export const MAX_AMOUNT_BLOCKS = 6;

export const ACCOUNT_TYPE_UNSPECIFIED = '00';

/** DE 54 positions 3–4, amount type. */
export const AMOUNT_TYPES = {
  ledgerBalance: '01',
  availableBalance: '02',
  cashback: '40',
  gratuity: '44',
} as const;

export type AmountSign = 'C' | 'D';

export interface AdditionalAmount {
  readonly accountType: string;
  readonly amountType: string;
  /** ISO 4217 numeric. */
  readonly currency: string;
  readonly sign: AmountSign;
  readonly amountMinor: number;
}

const BLOCK_RE = /^(\d{2})(\d{2})(\d{3})([CD])(\d{12})$/;

function invalid(reason: string, block?: number): PosError {
  return new PosError('HOST_REQUEST_INVALID', `DE 54 is not well formed: ${reason}`, { field: ADDITIONAL_AMOUNTS_FIELD, reason, ...(block === undefined ? {} : { block }) });
}

/** DE 54 from its amounts, in the order given; throws `HOST_REQUEST_INVALID` (field 54) for a block that cannot be written. */
export function encodeAdditionalAmounts(amounts: readonly AdditionalAmount[]): string {
  if (amounts.length === 0 || amounts.length > MAX_AMOUNT_BLOCKS) throw invalid('block-count');
  return amounts
    .map((a, i) => {
      if (!/^\d{2}$/.test(a.accountType) || !/^\d{2}$/.test(a.amountType) || !/^\d{3}$/.test(a.currency)) throw invalid('block-code', i);
      return `${a.accountType}${a.amountType}${a.currency}${a.sign}${amountField(a.amountMinor, ADDITIONAL_AMOUNTS_FIELD)}`;
    })
    .join('');
}

/** DE 54 read back; undefined when it is not whole 20-character blocks as above. */
export function parseAdditionalAmounts(de54: string): AdditionalAmount[] | undefined {
  if (de54.length === 0 || de54.length % AMOUNT_BLOCK_CHARS !== 0 || de54.length > MAX_AMOUNT_BLOCKS * AMOUNT_BLOCK_CHARS) return undefined;
  const amounts: AdditionalAmount[] = [];
  for (let at = 0; at < de54.length; at += AMOUNT_BLOCK_CHARS) {
    const m = BLOCK_RE.exec(de54.slice(at, at + AMOUNT_BLOCK_CHARS));
    if (m === null) return undefined;
    amounts.push({ accountType: m[1] ?? '', amountType: m[2] ?? '', currency: m[3] ?? '', sign: m[4] === 'C' ? 'C' : 'D', amountMinor: Number(m[5]) });
  }
  return amounts;
}

/** The amount of one type in a parsed DE 54 (0 when absent). */
export function additionalAmountOf(amounts: readonly AdditionalAmount[] | undefined, amountType: string): number {
  return amounts?.find((a) => a.amountType === amountType)?.amountMinor ?? 0;
}

/**
 * The DE 54 of a request carrying a tip and/or a cashback (both debits,
 * account type 00), or undefined when it carries neither. Cashback first.
 */
export function tipAndCashbackField(currency: string, amounts: { readonly tipMinor?: number | undefined; readonly cashbackMinor?: number | undefined }): string | undefined {
  const blocks: AdditionalAmount[] = [];
  const block = (amountType: string, amountMinor: number): AdditionalAmount => ({ accountType: ACCOUNT_TYPE_UNSPECIFIED, amountType, currency, sign: 'D', amountMinor });
  if ((amounts.cashbackMinor ?? 0) > 0) blocks.push(block(AMOUNT_TYPES.cashback, amounts.cashbackMinor ?? 0));
  if ((amounts.tipMinor ?? 0) > 0) blocks.push(block(AMOUNT_TYPES.gratuity, amounts.tipMinor ?? 0));
  return blocks.length === 0 ? undefined : encodeAdditionalAmounts(blocks);
}
