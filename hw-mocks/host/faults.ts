/**
 * Fault injection for the bank-host simulator: a `FrameHandler` wrapper
 * between the listener and the core that spoils answers the way real hosts
 * and networks do. The core still sees (and books) every request, as a real
 * host would that processed a request whose answer was lost.
 *
 * Rules, by flag (`pos host-sim --fault …`) or in code:
 *
 *   <fault>[:<ms>][,mti=<MTI>][,pan=<digits>][,times=<n>]
 *
 *   delay:<ms>          answer after ms
 *   no-answer           process, answer nothing
 *   late-answer[:<ms>]  answer after ms (default 3000: after the terminal gave up)
 *   close-mid-message   write the header and half the answer, then close
 *   half-message        write the header and half the answer, then stall
 *   garbage             a well-framed answer that is not ISO 8583
 *   oversized-header    a header announcing more than any terminal accepts
 *   wrong-mac           the answer with its last byte (the MAC's) flipped
 *   wrong-stan          the answer with another STAN (DE 11)
 *
 * A rule without `mti` applies to financial requests (0100, 0200) only, so a
 * reversal or echo still gets through (a completion or tip adjustment, a
 * 0220, is named with `mti=0220`); `pan` limits it to one card (DE 2 or
 * the PAN of DE 35); `times` to its first n matches. The first matching rule wins.
 */
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import type { Dialect } from '../../src/iso8583/types.js';
import { HEADER_BYTES, frameMessage, type LengthHeader } from '../../src/host/channels/length-prefix-framer.js';
import { PosError } from '../../src/util/errors.js';
import type { Answer, FrameHandler } from './listeners.js';

export const FAULT_KINDS = [
  'delay',
  'no-answer',
  'late-answer',
  'close-mid-message',
  'half-message',
  'garbage',
  'oversized-header',
  'wrong-mac',
  'wrong-stan',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const DEFAULT_LATE_ANSWER_MS = 3000;
/** Financial request MTIs a rule without `mti` applies to. */
const FINANCIAL_MTIS: readonly string[] = ['0100', '0200'];
/** Bytes of a well-framed body that no ISO 8583 dialect decodes ("GARBAGE!" then 0xFF…). */
const GARBAGE_BODY = Buffer.from([0x47, 0x41, 0x52, 0x42, 0x41, 0x47, 0x45, 0x21, 0xff, 0xfe, 0xfd, 0xfc]);
const TRACK2_SEPARATOR = /[=D]/;

export interface FaultRule {
  readonly kind: FaultKind;
  /** delay / late-answer milliseconds. */
  readonly ms?: number;
  readonly mti?: string;
  readonly pan?: string;
  readonly times?: number;
}

/** Parses one `--fault` value; `CHANNEL_FAULT_INVALID` (details: `spec`, `reason`) when it is not one. */
export function parseFaultRule(spec: string): FaultRule {
  const bad = (reason: string): never => {
    throw new PosError('CHANNEL_FAULT_INVALID', `Fault rule "${spec}": ${reason}`, { spec, reason, allowed: [...FAULT_KINDS] });
  };
  const [head = '', ...options] = spec.split(',');
  const [kindText = '', msText] = head.split(':');
  const kind = FAULT_KINDS.find((k) => k === kindText) ?? bad('unknown fault');
  let rule: FaultRule = { kind };
  if (msText !== undefined) {
    if (kind !== 'delay' && kind !== 'late-answer') bad('only delay and late-answer take milliseconds');
    if (!/^\d{1,6}$/.test(msText)) bad('milliseconds must be a whole number');
    rule = { ...rule, ms: Number(msText) };
  } else if (kind === 'delay') {
    bad('delay needs milliseconds (delay:500)');
  }
  for (const option of options) {
    const [name, value = ''] = option.split('=');
    if (name === 'mti' && /^\d{4}$/.test(value)) rule = { ...rule, mti: value };
    else if (name === 'pan' && /^\d{8,19}$/.test(value)) rule = { ...rule, pan: value };
    else if (name === 'times' && /^\d{1,6}$/.test(value) && Number(value) > 0) rule = { ...rule, times: Number(value) };
    else bad(`bad option ${name ?? ''}`);
  }
  return rule;
}

export interface FaultOptions {
  readonly dialect: Dialect;
  readonly lengthHeader?: LengthHeader;
  /** Told of every fault applied (kind and the request's MTI and STAN; never card data). */
  readonly onFault?: (event: { kind: FaultKind; mti: string; stan: string | null }) => void;
}

/** `inner` with `rules` applied to the answers of the requests they match. */
export function withFaults(inner: FrameHandler, rules: readonly FaultRule[], options: FaultOptions): FrameHandler {
  // Without rules there is nothing to match: no decode of every request just to find that out.
  if (rules.length === 0) return inner;
  const fired = rules.map(() => 0);
  return async (frame) => {
    const request = tryDecode(options.dialect, frame);
    const index = request === null ? -1 : rules.findIndex((r, i) => matches(r, request) && (r.times === undefined || (fired[i] ?? 0) < r.times));
    const answer = await inner(frame);
    const rule = rules[index];
    if (rule === undefined || request === null) return answer;
    fired[index] = (fired[index] ?? 0) + 1;
    const stan = request.get(11);
    options.onFault?.({ kind: rule.kind, mti: request.mti, stan: typeof stan === 'string' ? stan : null });
    return spoil(rule, answer, options);
  };
}

function spoil(rule: FaultRule, answer: Answer, options: FaultOptions): Answer {
  const header = options.lengthHeader ?? 'binary2';
  switch (rule.kind) {
    case 'no-answer':
      return { kind: 'silence' };
    case 'garbage':
      return { kind: 'raw', bytes: frameMessage(GARBAGE_BODY, 0xffff, header), thenClose: false };
    case 'oversized-header':
      return { kind: 'raw', bytes: header === 'binary2' ? Buffer.from([0xff, 0xff]) : Buffer.from('9999', 'latin1'), thenClose: false };
    default:
      break;
  }
  if (answer.kind !== 'reply') return answer;
  switch (rule.kind) {
    case 'delay':
      return { ...answer, delayMs: rule.ms ?? 0 };
    case 'late-answer':
      return { ...answer, delayMs: rule.ms ?? DEFAULT_LATE_ANSWER_MS };
    case 'close-mid-message':
    case 'half-message': {
      const framed = frameMessage(answer.message, 0xffff, header);
      const half = HEADER_BYTES[header] + Math.max(1, Math.floor(answer.message.length / 2));
      return { kind: 'raw', bytes: framed.subarray(0, half), thenClose: rule.kind === 'close-mid-message' };
    }
    case 'wrong-mac': {
      const message = Buffer.from(answer.message);
      const last = message.length - 1;
      message[last] = (message[last] ?? 0) ^ 0x01;
      return { kind: 'reply', message };
    }
    case 'wrong-stan': {
      const reply = tryDecode(options.dialect, answer.message);
      if (reply === null) return answer;
      const stan = Number(reply.get(11) ?? '0');
      const other = String((stan % 999_999) + 1).padStart(6, '0');
      return { kind: 'reply', message: encodeMessage(options.dialect, { mti: reply.mti, fields: { ...reply.fields, 11: other } }) };
    }
  }
}

function matches(rule: FaultRule, request: Iso8583Message): boolean {
  if (rule.mti !== undefined ? request.mti !== rule.mti : !FINANCIAL_MTIS.includes(request.mti)) return false;
  return rule.pan === undefined || panOf(request) === rule.pan;
}

function tryDecode(dialect: Dialect, frame: Buffer): Iso8583Message | null {
  try {
    return decodeMessage(dialect, frame);
  } catch {
    return null;
  }
}

function panOf(request: Iso8583Message): string | undefined {
  const de2 = request.get(2);
  if (typeof de2 === 'string') return de2;
  const de35 = request.get(35);
  if (typeof de35 !== 'string') return undefined;
  const sep = de35.search(TRACK2_SEPARATOR);
  return sep > 0 ? de35.slice(0, sep) : undefined;
}
