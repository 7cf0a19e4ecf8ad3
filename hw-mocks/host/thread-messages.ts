/**
 * What the issuer's thread and the simulator's I/O thread say to each other
 * (`threaded-listener.ts`, `io-thread.ts`), and how bytes cross.
 *
 * Bytes go packed into one ArrayBuffer per message, which is transferred,
 * not copied. Posting a Buffer as it is would be a trap: structured clone
 * copies a view's whole backing store, and a small Buffer is usually a slice
 * of Node's shared 8 KB pool — every 300-byte frame would cost 8 KB.
 *
 * PIN keys (`pinKeys`) travel as KSN ‖ key records, 10 + 16 bytes, and are
 * wiped on both sides once used or once their batch is answered.
 */
export const PIN_KEY_RECORD_BYTES = 26;
export const KSN_BYTES = 10;
import type { LevelWithSilent } from 'pino';
import type { LengthHeader } from '../../src/host/channels/length-prefix-framer.js';
import type { DialectName } from '../../src/iso8583/dialects/index.js';
import type { ErrorDetails } from '../../src/util/errors.js';
import type { Answer, ListenerTls } from './listeners.js';

/** Byte strings in one transferable buffer: part i is `buffer[ends[i-1] ?? 0, ends[i])`. */
export interface Packed {
  readonly buffer: ArrayBuffer;
  readonly ends: readonly number[];
}

/** An `Answer` without its bytes (they travel in the batch's `Packed`). */
export type AnswerHead =
  | { readonly kind: 'reply'; readonly delayMs?: number }
  | { readonly kind: 'raw'; readonly thenClose: boolean }
  | { readonly kind: 'silence' }
  | { readonly kind: 'close' };

/** What the I/O thread is started with. */
export interface IoThreadData {
  readonly listener: {
    readonly host?: string;
    readonly port?: number;
    readonly lengthHeader?: LengthHeader;
    readonly maxFrameBytes?: number;
    readonly tls?: ListenerTls;
  };
  readonly logLevel: LevelWithSilent;
  /**
   * Derive each request's DUKPT PIN key here, from DE 53's KSN, and send it
   * with the frame (`pinKeys`): the issuer's thread then only decrypts and
   * compares. Absent: the issuer derives every key itself.
   */
  readonly pinKeys?: { readonly dialect: DialectName };
}

export type FromIoThread =
  | { readonly kind: 'listening'; readonly port: number; readonly address: string }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string; readonly details: ErrorDetails }
  | { readonly kind: 'frames'; readonly ids: readonly number[]; readonly frames: Packed; readonly pinKeys: Packed | null }
  | { readonly kind: 'stopped' };

export type ToIoThread =
  | { readonly kind: 'answers'; readonly ids: readonly number[]; readonly heads: readonly AnswerHead[]; readonly bytes: Packed }
  | { readonly kind: 'stop' };

export function pack(parts: readonly Uint8Array[]): Packed {
  let total = 0;
  for (const p of parts) total += p.length;
  const buffer = new ArrayBuffer(total);
  const into = new Uint8Array(buffer);
  const ends: number[] = [];
  let at = 0;
  for (const p of parts) {
    into.set(p, at);
    at += p.length;
    ends.push(at);
  }
  return { buffer, ends };
}

/** The parts as Buffers over the received buffer (no copy). */
export function unpack(packed: Packed): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (const end of packed.ends) {
    out.push(Buffer.from(packed.buffer, start, end - start));
    start = end;
  }
  return out;
}

export function answerHead(answer: Answer): { head: AnswerHead; bytes: Uint8Array } {
  switch (answer.kind) {
    case 'reply':
      return { head: answer.delayMs === undefined ? { kind: 'reply' } : { kind: 'reply', delayMs: answer.delayMs }, bytes: answer.message };
    case 'raw':
      return { head: { kind: 'raw', thenClose: answer.thenClose }, bytes: answer.bytes };
    default:
      return { head: answer, bytes: new Uint8Array(0) };
  }
}

export function answerFrom(head: AnswerHead, bytes: Buffer): Answer {
  switch (head.kind) {
    case 'reply':
      return head.delayMs === undefined ? { kind: 'reply', message: bytes } : { kind: 'reply', message: bytes, delayMs: head.delayMs };
    case 'raw':
      return { kind: 'raw', bytes, thenClose: head.thenClose };
    default:
      return head;
  }
}
