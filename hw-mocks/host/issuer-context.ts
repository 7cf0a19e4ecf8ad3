/**
 * What the simulated issuer's message handlers share: the deck accounts and
 * their balances, the simulation keys (and the key ring holding each
 * terminal's current MAC key), PIN try counters, the ledger and the clock. Handlers are pure of sockets:
 * they take a decoded request and say what to answer.
 */
import type { Iso8583Message } from '../../src/iso8583/message.js';
import type { FieldValue } from '../../src/iso8583/types.js';
import type { Logger } from '../../src/log/logger.js';
import type { TransactionKind } from '../../src/host/messages/constants.js';
import { maskPan } from '../../src/util/sensitive.js';
import type { Deck, DeckCard } from '../cards/deck.js';
import type { IssuerKeyRing } from './issuer-key-ring.js';
import type { PendingIssuerScript } from './issuer-security.js';
import type { SimulationKeys } from '../keys/simulation-keys.js';
import type { Ledger, LedgerRow, Undone } from './ledger.js';

export interface IssuerContext {
  readonly deck: Deck;
  readonly keys: SimulationKeys;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly ledger: Ledger;
  /** Balance by deck card id, in minor units. */
  readonly balances: Map<string, number>;
  /** Consecutive wrong PINs by deck card id. */
  readonly pinTries: Map<string, number>;
  /** The last ATC accepted from each card's contactless mag-stripe reads, by deck card id (`issuer-contactless-magstripe.ts`). */
  readonly magstripeAtcs: Map<string, number>;
  /** Issuer scripts waiting for their card's next online request, by deck card id (`issuer-security.ts`). */
  readonly issuerScripts: Map<string, PendingIssuerScript>;
  /** The keys as used on every request: MAC keys per terminal, the DUKPT BDK, issuer master keys. */
  readonly keyRing: IssuerKeyRing;
  /** Randomness for new keys and key-block padding. */
  readonly random: (bytes: number) => Buffer;
  /** 1, 2, 3 … for RRNs and auth codes. */
  nextSequence(): number;
}

/** What a handler decided: the DE 39 and extra answer fields, and work to do once the answer is MAC'd. `null`: no answer at all. */
export type HandlerResult = {
  readonly responseCode: string;
  readonly fields?: Readonly<Record<number, FieldValue | undefined>>;
  /** Runs after the answer's MAC is computed (a key change installs the new key here). */
  readonly afterMac?: () => void;
} | null;

export function textField(request: Iso8583Message, field: number): string | undefined {
  const value = request.get(field);
  return typeof value === 'string' ? value : undefined;
}

const TRACK2_SEPARATOR = /[=D]/;

/** The PAN from DE 2, or from track 2 (DE 35) before its separator. */
/** A text field parsed by `parse`: absent, malformed (not text, or `parse` threw), or the parsed value. */
export function parsedField<T>(request: Iso8583Message, field: number, parse: (text: string) => T): { readonly kind: 'absent' | 'malformed' } | { readonly kind: 'parsed'; readonly value: T } {
  const raw = request.get(field);
  if (raw === undefined) return { kind: 'absent' };
  if (typeof raw !== 'string') return { kind: 'malformed' };
  try {
    return { kind: 'parsed', value: parse(raw) };
  } catch {
    return { kind: 'malformed' };
  }
}

/** Whether a PAN the issuer recovered is the card DE 48 claimed (its first six and last four, where given). */
export function panMatchesClaim(pan: string, claim: { readonly bin?: string | undefined; readonly lastFour?: string | undefined }): boolean {
  return (claim.bin === undefined || pan.startsWith(claim.bin)) && (claim.lastFour === undefined || pan.endsWith(claim.lastFour));
}

export function panOf(request: Iso8583Message): string | undefined {
  const de2 = textField(request, 2);
  if (de2 !== undefined) return de2;
  const de35 = textField(request, 35);
  if (de35 === undefined) return undefined;
  const sep = de35.search(TRACK2_SEPARATOR);
  return sep > 0 ? de35.slice(0, sep) : undefined;
}

export function cardByPan(ctx: IssuerContext, pan: string): DeckCard | undefined {
  return ctx.deck.cards.find((c) => c.pan === pan);
}

export function balanceOf(ctx: IssuerContext, card: DeckCard | undefined): number {
  return card === undefined ? 0 : (ctx.balances.get(card.id) ?? 0);
}

/** Moves money on an account: a refund credits, anything else (a purchase, a hold, a capture) debits; `sign` -1 undoes it. */
export function applyMoney(ctx: IssuerContext, cardId: string | null, kind: TransactionKind | null, amountMinor: number, sign: 1 | -1 = 1): void {
  if (cardId === null || kind === null) return;
  credit(ctx, { cardId, creditMinor: (kind === 'refund' ? amountMinor : -amountMinor) * sign });
}

/** Gives an account back what the ledger says (negative: takes it). */
export function credit(ctx: IssuerContext, undone: Undone): void {
  if (undone.cardId === null || undone.creditMinor === 0) return;
  ctx.balances.set(undone.cardId, (ctx.balances.get(undone.cardId) ?? 0) + undone.creditMinor);
}

export interface RecordInput {
  readonly pan?: string | undefined;
  readonly maskedPan?: string | null;
  readonly cardId?: string | null;
  readonly kind?: TransactionKind | null;
  readonly responseCode: string | null;
  readonly authCode?: string | null;
  readonly rrn?: string | null;
  readonly tipMinor?: number | null;
  readonly cashbackMinor?: number | null;
  readonly heldMinor?: number | null;
  readonly capturedMinor?: number | null;
  /** A completion's or tip adjustment's original entry. */
  readonly original?: LedgerRow | null;
  /** The STAN DE 90 named (a reversal's, a follow-up's). */
  readonly originalStan?: string | null;
  readonly previousCapturedMinor?: number | null;
}

/** Appends a ledger entry for `request` and logs it (masked PAN only). */
export function record(ctx: IssuerContext, request: Iso8583Message, input: RecordInput): LedgerRow {
  const amount = textField(request, 4);
  const logged = {
    time: ctx.clock(),
    mti: request.mti,
    terminalId: textField(request, 41) ?? null,
    stan: textField(request, 11) ?? null,
    transmissionDateTime: textField(request, 7) ?? null,
    maskedPan: input.pan !== undefined ? maskPan(input.pan) : (input.maskedPan ?? null),
    amountMinor: amount !== undefined && /^\d+$/.test(amount) ? Number(amount) : null,
    currency: textField(request, 49) ?? textField(request, 50) ?? null,
    kind: input.kind ?? null,
    responseCode: input.responseCode,
    authCode: input.authCode ?? null,
    rrn: input.rrn ?? null,
    tipMinor: input.tipMinor ?? null,
    cashbackMinor: input.cashbackMinor ?? null,
  };
  const row = ctx.ledger.append({
    ...logged,
    cardId: input.cardId ?? null,
    heldMinor: input.heldMinor ?? null,
    capturedMinor: input.capturedMinor ?? null,
    original: input.original ?? null,
    originalStan: input.originalStan ?? input.original?.stan ?? null,
    previousCapturedMinor: input.previousCapturedMinor ?? null,
  });
  // Built only when someone listens: this runs for every request.
  if (ctx.log.isLevelEnabled('info')) ctx.log.info({ ...logged, time: logged.time.toISOString() }, logged.responseCode === null ? 'request left unanswered' : 'request answered');
  return row;
}
