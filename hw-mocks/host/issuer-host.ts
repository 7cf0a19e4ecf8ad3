/**
 * The bank-host simulator's core, pure of sockets: a decoded request (or its
 * bytes) in, the answer out. The TCP listener of `bank-host-simulator.ts`
 * and the TLS, HTTPS and admin wrappers all call it.
 *
 *   handleFrame(bytes)      → answer bytes | null (no answer); throws HOST_SIM_REQUEST_REFUSED
 *   handleRequest(message)  → answer message | null
 *
 * Security (ANSI X9.19 MAC, `src/host/messages/mac.ts`): the request's MAC
 * (DE 64, or 128 with a secondary bitmap) is checked under the terminal's
 * current TAK (the shared one until a key change). A MAC that does not
 * verify — or, with `requireMac`, a missing one — is answered with the
 * request's response MTI and 39 = 63 (security violation); nothing else is
 * done. Every answer is MAC'd under the terminal's key. `requireMac` is off by
 * default so that a terminal without a TAK still talks to the simulator.
 *
 * Dispatch by MTI: 0100/0200/0220/0221 `issuer-financial.ts` (those naming
 * an original in DE 90, completions and tip adjustments, `issuer-follow-up.ts`),
 * 0400/0401/0420/0421 `issuer-reversal.ts`, 0800 and 0500/0501
 * `issuer-network.ts`; any other MTI → its response MTI with 12.
 * A request without a STAN cannot be answered: refused.
 */
import { randomBytes } from 'node:crypto';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { Iso8583Message } from '../../src/iso8583/message.js';
import { MAC_BYTES, receivedMacSpan } from '../../src/iso8583/mac.js';
import { decodeMessageWithOffsets, type DecodedMessage } from '../../src/iso8583/message-codec.js';
import type { Dialect, FieldValue, MessageInput } from '../../src/iso8583/types.js';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';
import { MTI, RESPONSE_CODES, responseMtiOf } from '../../src/host/messages/constants.js';
import { checkMac, encodeWithMac, withMac, type MacCheck, type MacKey, verifyX919Under } from '../../src/host/messages/mac.js';
import { PosError } from '../../src/util/errors.js';
import { loadDeck, type Deck } from '../cards/deck.js';
import { loadSimulationKeys, type SimulationKeys } from '../keys/simulation-keys.js';
import { Ledger, type LedgerEntry, type LedgerSummary } from './ledger.js';
import { IssuerKeyRing, type PinKeySink } from './issuer-key-ring.js';
import { record, textField, type HandlerResult, type IssuerContext } from './issuer-context.js';
import { handleFinancial } from './issuer-financial.js';
import { handleFollowUp, isFollowUp } from './issuer-follow-up.js';
import type { PendingIssuerScript } from './issuer-security.js';
import { handleNetwork, handleReconciliation } from './issuer-network.js';
import { handleReversal } from './issuer-reversal.js';

export interface IssuerHostOptions {
  /** Accounts; default: the project's deck. */
  readonly deck?: Deck;
  /** Default: hw-mocks/keys/keys.json. */
  readonly keys?: SimulationKeys;
  /** The issuer's clock, for expiry and the ledger; default the system clock. */
  readonly clock?: () => Date;
  readonly dialect?: Dialect;
  readonly logger?: Logger;
  /** Answer 63 to a request without a MAC. Default false (a bad MAC is always 63). */
  readonly requireMac?: boolean;
  /** Randomness for key changes; default node:crypto. */
  readonly random?: (bytes: number) => Buffer;
}

export interface HandleOptions {
  /** The wrapper authenticated the terminal itself (HTTPS with mTLS): skip the MAC check. */
  readonly trusted?: boolean;
}

/** Fields an answer echoes from its request, by MTI class (ISO 8583:1987 §4.1.1 second digit). */
const ECHOED_FIELDS: Readonly<Record<string, readonly number[]>> = {
  '1': [3, 4, 7, 11, 12, 13, 41, 49],
  '2': [3, 4, 7, 11, 12, 13, 41, 49],
  '4': [3, 4, 7, 11, 41, 49, 90],
  '5': [7, 11, 41, 50],
  '8': [7, 11, 41, 70],
};
const DEFAULT_ECHO = [3, 4, 7, 11, 12, 13, 41, 49];

const FINANCIAL: ReadonlySet<string> = new Set([MTI.authorizationRequest, MTI.financialRequest, MTI.financialAdvice, MTI.financialAdviceRepeat]);
const REVERSAL: ReadonlySet<string> = new Set([MTI.reversalRequest, MTI.reversalRepeat, MTI.reversalAdvice, MTI.reversalAdviceRepeat]);
const RECONCILIATION: ReadonlySet<string> = new Set([MTI.reconciliationRequest, MTI.reconciliationRepeat]);

export class IssuerHost {
  readonly dialect: Dialect;
  readonly #ctx: IssuerContext;
  readonly #requireMac: boolean;

  constructor(options: IssuerHostOptions = {}) {
    this.dialect = options.dialect ?? iso87ascii;
    this.#requireMac = options.requireMac ?? false;
    const deck = options.deck ?? loadDeck();
    const keys = options.keys ?? loadSimulationKeys();
    let sequence = 0;
    this.#ctx = {
      deck,
      keys,
      keyRing: new IssuerKeyRing(keys),
      clock: options.clock ?? (() => new Date()),
      log: options.logger ?? silentLogger,
      ledger: new Ledger(),
      balances: new Map(deck.cards.map((c) => [c.id, c.balance])),
      pinTries: new Map(),
      magstripeAtcs: new Map(),
      issuerScripts: new Map(),
      random: options.random ?? ((n) => randomBytes(n)),
      nextSequence: () => ++sequence,
    };
  }

  /** Every request seen, oldest first (copies). */
  get ledger(): readonly LedgerEntry[] {
    return this.#ctx.ledger.entries();
  }

  /** A deck card's available balance now (holds taken off), by card id. */
  balanceOf(cardId: string): number | undefined {
    return this.#ctx.balances.get(cardId);
  }

  /** Holds, captures, releases, voids and tip adjustments standing, for one terminal or all (`ledger.ts`). */
  summary(terminalId?: string): LedgerSummary {
    return this.#ctx.ledger.summary(terminalId);
  }

  /** Where PIN keys derived ahead on another thread are offered (`threaded-listener.ts`). */
  get pinKeySink(): PinKeySink {
    const ring = this.#ctx.keyRing;
    return { offer: (ksn, key) => ring.offerPinKey(ksn, key), forget: () => ring.forgetOfferedPinKeys() };
  }

  /** Queues an issuer script for a deck card: it goes out once, in DE 55 of the next answer whose ARQC verifies (the issuer's back office). */
  queueIssuerScript(cardId: string, script: PendingIssuerScript): void {
    this.#ctx.issuerScripts.set(cardId, script);
  }

  /** Unblocks a card's PIN after too many wrong tries (the issuer's back office). */
  resetPinTries(cardId: string): void {
    this.#ctx.pinTries.delete(cardId);
  }

  /** The TAK the host holds for a terminal now (a view; tests compare KCVs). */
  macKeyOf(terminalId: string): Buffer {
    return this.#ctx.keyRing.macKeyBytes(terminalId);
  }

  /** Bytes in, bytes out. Throws `HOST_SIM_REQUEST_REFUSED` for a frame that does not decode or has no STAN. */
  handleFrame(frame: Buffer, options: HandleOptions = {}): Buffer | null {
    let decoded: DecodedMessage;
    try {
      decoded = decodeMessageWithOffsets(this.dialect, frame);
    } catch (err) {
      throw new PosError('HOST_SIM_REQUEST_REFUSED', 'The request does not decode', { reason: 'undecodable' }, { cause: err });
    }
    const request = decoded.message;
    // As a real host does, the MAC is checked over the bytes that arrived (up
    // to the MAC field, bitmap as received) rather than over a re-encoding of
    // the decoded request: one encode less per request. A message whose span
    // cannot be cut that way is checked by re-encoding, as `handleRequest` does.
    const span = receivedMacSpan(this.dialect, decoded);
    const check = (macKey: MacKey): MacCheck => {
      if (span === undefined) return checkMac(this.dialect, request, macKey);
      const mac = request.get(span.field);
      if (mac === undefined) return 'missing';
      if (typeof mac === 'string' || mac.length !== MAC_BYTES) return 'invalid';
      return verifyX919Under(macKey, frame.subarray(0, span.end), mac) ? 'valid' : 'invalid';
    };
    const answer = this.#answer(request, options, check);
    if (answer === null) return null;
    // One encode: the MAC is computed over the answer's own bytes and written in place.
    const bytes = encodeWithMac(this.dialect, answer.input, answer.macKey);
    answer.afterMac?.();
    return bytes;
  }

  /** A decoded request in, the MAC'd answer out (`null`: deliberately no answer). Throws `HOST_SIM_REQUEST_REFUSED` without a STAN. */
  handleRequest(request: Iso8583Message, options: HandleOptions = {}): Iso8583Message | null {
    const answer = this.#answer(request, options, (macKey) => checkMac(this.dialect, request, macKey));
    if (answer === null) return null;
    const macd = withMac(this.dialect, answer.input, answer.macKey);
    answer.afterMac?.();
    return new Iso8583Message(macd.mti, definedFields(macd.fields), this.dialect);
  }

  /** The answer to MAC (under `macKey`), and what to do once it is MAC'd (a key change switches keys after its 0810 is MAC'd under the old one). */
  #answer(
    request: Iso8583Message,
    options: HandleOptions,
    checkRequestMac: (macKey: MacKey) => MacCheck,
  ): { readonly input: MessageInput; readonly macKey: MacKey; readonly afterMac: (() => void) | undefined } | null {
    if (textField(request, 11) === undefined) {
      throw new PosError('HOST_SIM_REQUEST_REFUSED', 'The request has no STAN (DE 11) to answer to', { reason: 'no-stan', field: 11 });
    }
    const terminalId = textField(request, 41);
    const macKey = this.#ctx.keyRing.macKey(terminalId);
    let result: HandlerResult;
    const mac = options.trusted === true ? 'valid' : checkRequestMac(macKey);
    if (mac === 'invalid' || (mac === 'missing' && this.#requireMac)) {
      this.#ctx.log.warn({ mti: request.mti, stan: textField(request, 11), terminalId, mac }, 'request MAC does not verify; answering 63');
      record(this.#ctx, request, { responseCode: RESPONSE_CODES.securityViolation });
      result = { responseCode: RESPONSE_CODES.securityViolation };
    } else {
      result = this.#dispatch(request);
    }
    if (result === null) return null;
    const fields: Record<number, FieldValue | undefined> = { ...result.fields, 39: result.responseCode };
    for (const n of ECHOED_FIELDS[request.mti.charAt(1)] ?? DEFAULT_ECHO) fields[n] = request.get(n);
    return { input: { mti: responseMtiOf(request.mti), fields }, macKey, afterMac: result.afterMac };
  }

  #dispatch(request: Iso8583Message): HandlerResult {
    if (FINANCIAL.has(request.mti)) return isFollowUp(request) ? handleFollowUp(this.#ctx, request) : handleFinancial(this.#ctx, request);
    if (REVERSAL.has(request.mti)) return handleReversal(this.#ctx, request);
    if (RECONCILIATION.has(request.mti)) return handleReconciliation(this.#ctx, request);
    if (request.mti === MTI.networkRequest) return handleNetwork(this.#ctx, request);
    record(this.#ctx, request, { responseCode: RESPONSE_CODES.invalidTransaction });
    return { responseCode: RESPONSE_CODES.invalidTransaction };
  }
}

function definedFields(fields: Readonly<Record<number, FieldValue | undefined>>): Record<number, FieldValue> {
  const out: Record<number, FieldValue> = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[Number(k)] = v;
  return out;
}
