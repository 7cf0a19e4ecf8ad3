/**
 * What a data element's value means, for a technician reading a dump: bit
 * maps by name, codes by name, amounts with their currency's exponent. The
 * tables and sections each part follows are named in `bit-fields.ts`,
 * `cvm.ts` and `values.ts`.
 *
 * Never throws: a value of the wrong length or with non-BCD digits is simply
 * not interpreted. Sensitive values (Track 2) come back masked unless the
 * caller asks otherwise.
 */
import { isSensitiveTag, lookupTag } from '../tag-dictionary.js';
import { countryByNumeric, currencyByNumeric } from '../iso-codes.js';
import {
  ADDITIONAL_TERMINAL_CAPABILITIES,
  AIP,
  AUC,
  CTQ,
  TERMINAL_CAPABILITIES,
  TSI,
  TTQ,
  TVR,
  setBits,
  type BitField,
} from './bit-fields.js';
import { parseCvmList, parseCvmResults } from './cvm.js';
import { parseDol, type DolEntry } from '../dol.js';
import { parseAfl, parseAmount, parseCid, parseDate, parseNumericCode, parseTerminalType, parseTrack2, printableText, transactionTypeName } from './values.js';

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type Decoded = { readonly [key: string]: JsonValue };

export interface Interpretation {
  /** One line for the tree view. */
  readonly summary: string;
  /** The same, structured, for `--json`. */
  readonly decoded: Decoded;
}

export interface InterpretContext {
  /** ISO 4217 numeric code of the transaction (5F2A), for the exponent of amounts. */
  readonly currencyCode?: number;
  /** Show sensitive parts (PAN in Track 2) in clear. Default false. */
  readonly unmasked?: boolean;
}

type Interpreter = (value: Uint8Array, context: InterpretContext) => Interpretation | undefined;

const bits =
  (table: BitField): Interpreter =>
  (value) => {
    if (value.length !== table.lengthBytes) return undefined;
    const set = setBits(table, value);
    return { summary: set.length === 0 ? '(no bits set)' : set.join('; '), decoded: { set } };
  };

const date: Interpreter = (value) => {
  const d = parseDate(value);
  return d && { summary: d.date, decoded: { date: d.date } };
};

const amount: Interpreter = (value, context) => {
  const currency = context.currencyCode === undefined ? undefined : currencyByNumeric(context.currencyCode);
  const a = parseAmount(value, currency?.exponent);
  if (a === undefined) return undefined;
  const decoded: Decoded = { minorUnits: a.minorUnits, amount: a.amount, exponent: a.exponent, currency: currency?.alpha ?? null };
  return { summary: a.amount === null ? `${a.minorUnits} minor units` : `${a.amount}${currency ? ` ${currency.alpha}` : ''}`, decoded };
};

/** Amounts of the reader's own limits: no currency in the data, shown in minor units. */
const limit: Interpreter = (value) => amount(value, {});

const currency: Interpreter = (value) => {
  const code = parseNumericCode(value);
  if (code === undefined) return undefined;
  const c = currencyByNumeric(code);
  return {
    summary: c ? `${c.alpha} (${c.name})` : `currency ${code}`,
    decoded: { numeric: code, alpha: c?.alpha ?? null, name: c?.name ?? null, exponent: c?.exponent ?? null },
  };
};

const country: Interpreter = (value) => {
  const code = parseNumericCode(value);
  if (code === undefined) return undefined;
  const c = countryByNumeric(code);
  return { summary: c ? `${c.name} (${c.alpha2})` : `country ${code}`, decoded: { numeric: code, alpha2: c?.alpha2 ?? null, name: c?.name ?? null } };
};

const afl: Interpreter = (value) => {
  const entries = parseAfl(value);
  if (entries === undefined) return undefined;
  const summary = entries.map((e) => `SFI ${e.sfi} records ${e.firstRecord}–${e.lastRecord} (${e.offlineAuthRecords} for ODA)`).join('; ');
  return { summary, decoded: { entries: entries.map((e) => ({ ...e })) } };
};

const track2: Interpreter = (value, context) => {
  const t = parseTrack2(value, context.unmasked === true);
  return t && { summary: `PAN ${t.pan}, expiry ${t.expiry} (YYMM), service code ${t.serviceCode}`, decoded: { ...t } };
};

const cid: Interpreter = (value) => {
  const c = parseCid(value);
  return c && { summary: `${c.type}${c.adviceRequired ? ', advice required' : ''}, ${c.reason}`, decoded: { ...c } };
};

const cvmList: Interpreter = (value) => {
  const list = parseCvmList(value);
  if (list === undefined) return undefined;
  const summary = list.rules.map((r) => `${r.method} — ${r.condition}${r.ifUnsuccessful === 'apply next rule' ? ' (else next)' : ''}`).join('; ');
  return { summary: `X=${list.amountX} Y=${list.amountY}: ${summary}`, decoded: { amountX: list.amountX, amountY: list.amountY, rules: list.rules.map((r) => ({ ...r })) } };
};

const cvmResults: Interpreter = (value) => {
  const r = parseCvmResults(value);
  return r && { summary: `${r.method} — ${r.condition} — ${r.result}`, decoded: { ...r } };
};

const terminalType: Interpreter = (value) => {
  const t = parseTerminalType(value);
  return t && { summary: `${t.operatedBy}; ${t.environment}`, decoded: { ...t } };
};

const transactionType: Interpreter = (value) => {
  const name = transactionTypeName(value);
  return name === undefined ? undefined : { summary: name, decoded: { type: name } };
};

/** A DOL as its (tag, length) entries with names; undefined when it does not parse. */
const dol: Interpreter = (value) => {
  let entries: DolEntry[];
  try {
    entries = parseDol(value);
  } catch {
    return undefined;
  }
  const named = entries.map((e) => ({ tag: e.tag, length: e.length, name: lookupTag(e.tag)?.name ?? null }));
  return { summary: named.map((e) => `${e.tag}(${e.length})`).join(' '), decoded: { entries: named } };
};

const text: Interpreter = (value) => {
  const t = printableText(value);
  return { summary: `"${t}"`, decoded: { text: t } };
};

const INTERPRETERS: ReadonlyMap<string, Interpreter> = new Map([
  ['95', bits(TVR)],
  ['9B', bits(TSI)],
  ['82', bits(AIP)],
  ['9F07', bits(AUC)],
  ['9F33', bits(TERMINAL_CAPABILITIES)],
  ['9F40', bits(ADDITIONAL_TERMINAL_CAPABILITIES)],
  ['9F66', bits(TTQ)],
  ['9F6C', bits(CTQ)],
  ['8E', cvmList],
  ['9F34', cvmResults],
  ['9F35', terminalType],
  ['94', afl],
  ['5F24', date],
  ['5F25', date],
  ['9A', date],
  ['9F02', amount],
  ['9F03', amount],
  ['DF8123', limit],
  ['DF8124', limit],
  ['DF8125', limit],
  ['DF8126', limit],
  ['5F2A', currency],
  ['9F42', currency],
  ['9F3C', currency],
  ['5F28', country],
  ['9F1A', country],
  ['57', track2],
  ['9F27', cid],
  ['9C', transactionType],
  ['9F38', dol],
  ['8C', dol],
  ['8D', dol],
  ['9F49', dol],
  ['97', dol],
]);

/** The meaning of a value, or undefined where the dictionary has none or the value does not fit. */
export function interpret(tag: string, value: Uint8Array, context: InterpretContext = {}): Interpretation | undefined {
  const key = tag.toUpperCase();
  const specific = INTERPRETERS.get(key);
  if (specific !== undefined) return specific(value, context);
  // Text elements read as text; sensitive text (cardholder name) only when asked.
  const info = lookupTag(key);
  if (info !== undefined && (info.format === 'an' || info.format === 'ans') && !(isSensitiveTag(key) && context.unmasked !== true)) {
    return text(value, context);
  }
  return undefined;
}
