/**
 * The candidate list's entries, EMV 4.4 Book 1 §12.3.1 (matching the
 * terminal's AIDs to the card's applications) and §12.4 (what the terminal
 * shows and the order it tries them in):
 *
 * - A card application (its DF name, 5–16 bytes) matches a terminal AID of
 *   the same value, or — when that AID's Application Selection Indicator
 *   allows partial selection — one its DF name begins with. An exact match
 *   wins over a partial one; of partial matches, the longest AID.
 * - Application Priority Indicator (87): b8 set = cardholder confirmation
 *   required; b4–b1 = priority, 1 highest, 15 lowest, 0 none.
 * - The name shown: Application Preferred Name (9F12) when the terminal
 *   supports the Issuer Code Table Index (9F11) the card names (Additional
 *   Terminal Capabilities, 9F40 bytes 4–5), else the Application Label (50),
 *   in the common character set. Control characters never reach a display.
 */
import type { AidConfig, KernelConfig } from '../config.js';
import { MAX_AID_BYTES, MIN_AID_BYTES } from './fci.js';

export interface Candidate {
  /** The card's DF name (ADF name). */
  readonly aid: Buffer;
  /** 50, printable. */
  readonly label?: string;
  /** 9F12, when the terminal supports the card's code table (9F11). */
  readonly preferredName?: string;
  /** 87 b4–b1: 1 highest … 15 lowest; absent when the card gives none. */
  readonly priority?: number;
  /** 87 b8. */
  readonly confirmationRequired: boolean;
  /** The terminal's entry the card's application matched. */
  readonly terminalAid: AidConfig;
}

/**
 * Cardholder confirmation/choice (Book 1 §12.4): resolves with the chosen
 * candidate, or undefined when the cardholder cancels. Absent when the
 * terminal cannot ask (then candidates needing confirmation are dropped).
 */
export type ChooseApplication = (candidates: readonly Candidate[]) => Promise<Candidate | undefined>;

const PRIORITY_MASK = 0x0f;
const CONFIRMATION_REQUIRED = 0x80;
const LOWEST_PRIORITY = PRIORITY_MASK;

/** The terminal AID a card application matches, if any. */
export function matchTerminalAid(dfName: Uint8Array, aids: readonly AidConfig[]): AidConfig | undefined {
  if (dfName.length < MIN_AID_BYTES || dfName.length > MAX_AID_BYTES) return undefined;
  const name = Buffer.from(dfName);
  const exact = aids.find((entry) => entry.aid.equals(name));
  if (exact !== undefined) return exact;
  let best: AidConfig | undefined;
  for (const entry of aids) {
    if (!entry.partialSelection || name.length <= entry.aid.length || !name.subarray(0, entry.aid.length).equals(entry.aid)) continue;
    if (best === undefined || entry.aid.length > best.aid.length) best = entry;
  }
  return best;
}

/** What a directory entry or an FCI says of one application. */
export interface ApplicationData {
  readonly dfName: Uint8Array;
  readonly label?: Uint8Array | undefined;
  readonly preferredName?: Uint8Array | undefined;
  readonly priorityIndicator?: Uint8Array | undefined;
  readonly issuerCodeTableIndex?: Uint8Array | undefined;
}

/** A candidate for an application the terminal supports, or undefined. */
export function toCandidate(app: ApplicationData, config: KernelConfig): Candidate | undefined {
  const terminalAid = matchTerminalAid(app.dfName, config.aids);
  if (terminalAid === undefined) return undefined;
  const indicator = app.priorityIndicator?.length === 1 ? (app.priorityIndicator[0] as number) : 0;
  const priority = indicator & PRIORITY_MASK;
  const label = app.label === undefined ? undefined : commonCharacterSet(app.label);
  const preferredName = preferredNameText(app.preferredName, app.issuerCodeTableIndex, config.terminal.additionalTerminalCapabilities);
  return {
    aid: Buffer.from(app.dfName),
    ...(label === undefined ? {} : { label }),
    ...(preferredName === undefined ? {} : { preferredName }),
    ...(priority === 0 ? {} : { priority }),
    confirmationRequired: (indicator & CONFIRMATION_REQUIRED) !== 0,
    terminalAid,
  };
}

/** Candidates in the order Book 1 §12.4 tries and lists them: by priority, those without one last, otherwise as the card gave them. */
export function inPriorityOrder(candidates: readonly Candidate[]): Candidate[] {
  return candidates
    .map((candidate, index) => ({ candidate, index }))
    .sort((a, b) => (a.candidate.priority ?? LOWEST_PRIORITY + 1) - (b.candidate.priority ?? LOWEST_PRIORITY + 1) || a.index - b.index)
    .map(({ candidate }) => candidate);
}

/** Code tables 1–8 are 9F40 byte 5 b1–b8, 9 and 10 byte 4 b1–b2 (Book 4 Annex A3). */
export function supportsCodeTable(additionalCapabilities: Uint8Array, table: number): boolean {
  if (!Number.isInteger(table) || table < 1 || table > 10) return false;
  const byte = table <= 8 ? additionalCapabilities[4] : additionalCapabilities[3];
  const bit = table <= 8 ? table - 1 : table - 9;
  return ((byte ?? 0) >> bit & 1) === 1;
}

/** 9F11 is n2: one BCD byte, 01–10. */
function codeTableIndex(value: Uint8Array | undefined): number | undefined {
  if (value?.length !== 1) return undefined;
  const byte = value[0] as number;
  const high = byte >> 4;
  const low = byte & 0x0f;
  return high > 9 || low > 9 ? undefined : high * 10 + low;
}

function preferredNameText(name: Uint8Array | undefined, index: Uint8Array | undefined, additionalCapabilities: Uint8Array): string | undefined {
  const table = codeTableIndex(index);
  if (name === undefined || table === undefined || !supportsCodeTable(additionalCapabilities, table)) return undefined;
  let text: string;
  try {
    text = new TextDecoder(`iso-8859-${table}`).decode(name);
  } catch {
    return undefined; // this Node has no decoder for that part of ISO 8859
  }
  return displayable(text);
}

/** The common character set (Book 4 Annex B): printable ASCII; any other byte is dropped. */
function commonCharacterSet(value: Uint8Array): string | undefined {
  let text = '';
  for (const byte of value) if (byte >= 0x20 && byte < 0x7f) text += String.fromCharCode(byte);
  return displayable(text);
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

function displayable(text: string): string | undefined {
  const clean = text.replace(CONTROL_CHARACTERS, '').trim();
  return clean === '' ? undefined : clean;
}
