/** In-memory fakes of the engine's collaborators, scripted per test. */
import type { CardBrand, ChipCard, MagstripeCard, PaymentCard } from '../../src/card/types.js';
import type { CardRead, CardReader, ChipCardReader, ChipCompletion, DeviceState, HostAnswerForCard, ReadRequest } from '../../src/devices/card-reader.js';
import type { AmountEntryRequest, PinEntryRequest, PinEntryResult, PinPad } from '../../src/devices/pin-pad.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import type { AuthorizationResponse, CardRequest, FollowUpRequest, HostClient, HostState } from '../../src/host/model.js';
import type { PendingReversal, ReversalStore } from '../../src/host/reversal-store.js';
import { silentLogger } from '../../src/log/logger.js';
import { TransactionEngine, type EngineDeps } from '../../src/txn/engine.js';
import type { Ledger } from '../../src/txn/ledger.js';
import { PosError } from '../../src/util/errors.js';
import { Sensitive } from '../../src/util/sensitive.js';

export function testCard(pan = '4111111111111111', expiry = { year: 2030, month: 12 }, brand: CardBrand = 'visa', serviceCode = '101'): MagstripeCard {
  const yymm = `${String(expiry.year % 100).padStart(2, '0')}${String(expiry.month).padStart(2, '0')}`;
  return {
    pan: Sensitive.pan(pan),
    expiry,
    serviceCode,
    brand,
    track2: Sensitive.text('track', `${pan}=${yymm}1010000000000`),
  };
}

/** The moment the engine tests run at. */
export const TEST_NOW = new Date('2026-11-24T12:00:00Z');

/**
 * An engine over fakes: a recording display, the clock stopped at
 * `TEST_NOW`, a silent log, terminal T0000001 taking EUR, ids txn-1, txn-2, …;
 * `deps` gives the rest and overrides any of these.
 */
export function testEngine(deps: Pick<EngineDeps, 'reader' | 'host' | 'ledger'> & Partial<EngineDeps>): TransactionEngine {
  let n = 0;
  return new TransactionEngine({
    display: new RecordingDisplay(),
    clock: () => TEST_NOW,
    logger: silentLogger,
    terminal: { id: 'T0000001', merchantId: 'M00000000000001', currency: '978' },
    newId: () => `txn-${++n}`,
    ...deps,
  });
}

/** The card facts a chip would give for `card`: Track 2 Equivalent Data has no track 1 and no name. */
export function chipCardOf(card: PaymentCard): ChipCard {
  return { pan: card.pan, expiry: card.expiry, serviceCode: card.serviceCode, brand: card.brand, track2: card.track2 };
}

/** A reader whose next read is settled by the test: `present(card)` or `fail(error)`. */
export class FakeReader implements CardReader {
  readonly name = 'fake-reader';
  requests: ReadRequest[] = [];
  #pending: { resolve: (r: CardRead) => void; reject: (e: unknown) => void } | null = null;
  #armed: Promise<void>;
  #onArmed: () => void = () => undefined;

  constructor() {
    this.#armed = new Promise((resolve) => (this.#onArmed = resolve));
  }

  /** Resolves once the engine has armed a read. */
  armed(): Promise<void> {
    return this.#armed;
  }

  readCard(request: ReadRequest, signal: AbortSignal): Promise<CardRead> {
    this.requests.push(request);
    return new Promise<CardRead>((resolve, reject) => {
      this.#pending = { resolve, reject };
      signal.addEventListener('abort', () => reject(new PosError('TXN_CANCELLED', 'aborted', {})), { once: true });
      this.#onArmed();
      this.#armed = new Promise((r) => (this.#onArmed = r));
    });
  }

  present(card: MagstripeCard): void {
    this.presentRead({ entryMode: 'swipe', card });
  }

  presentRead(read: CardRead): void {
    this.#pending?.resolve(read);
  }

  fail(error: PosError): void {
    this.#pending?.reject(error);
  }

  state(): DeviceState {
    return 'connected';
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export class FakeHost implements HostClient {
  readonly description = 'fake-host';
  readonly requests: { stan: string; amountMinor: number; panSeen: string; pin: boolean; chip: boolean }[] = [];
  readonly followUps: FollowUpRequest[] = [];
  constructor(
    private readonly answer: (req: CardRequest) => Promise<AuthorizationResponse>,
    private readonly followUpAnswer: (req: FollowUpRequest) => Promise<AuthorizationResponse> = approveFollowUp,
  ) {}

  authorize(request: CardRequest): Promise<AuthorizationResponse> {
    this.requests.push({ stan: request.stan, amountMinor: request.amountMinor, panSeen: request.card.pan.revealText(), pin: request.pin !== undefined, chip: request.chip !== undefined });
    return this.answer(request);
  }

  followUp(request: FollowUpRequest): Promise<AuthorizationResponse> {
    this.followUps.push(request);
    return this.followUpAnswer(request);
  }

  state(): HostState {
    return 'connected';
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

export const approveAll = (req: CardRequest): Promise<AuthorizationResponse> =>
  Promise.resolve({ responseCode: '00', approved: true, authCode: 'A1B2C3', rrn: '000000000001', stan: req.stan });

export const approveFollowUp = (req: FollowUpRequest): Promise<AuthorizationResponse> =>
  Promise.resolve({ responseCode: '00', approved: true, authCode: 'F1F2F3', rrn: '000000000002', stan: req.stan });

/** A chip-capable reader: reads are scripted like FakeReader; the card's final word is scripted per test. */
export class FakeChipReader extends FakeReader implements ChipCardReader {
  readonly capabilities = { chip: true } as const;
  completions: HostAnswerForCard[] = [];
  cardDecision: 'approved' | 'declined' | 'removed' = 'approved';

  presentChip(card: PaymentCard, pinRequired = false): void {
    this.presentRead({ entryMode: 'chip', card: chipCardOf(card), chip: { tlv: Sensitive.of('data', Buffer.from('9F2608AABBCCDDEEFF0011', 'hex')) }, pinRequired });
  }

  completeChip(answer: HostAnswerForCard): Promise<ChipCompletion> {
    this.completions.push(answer);
    if (this.cardDecision === 'removed') return Promise.reject(new PosError('DEVICE_DISCONNECTED', 'card removed', {}));
    const decision = answer.approved ? this.cardDecision : 'declined';
    return Promise.resolve({ decision, tlv: Buffer.alloc(0) });
  }
}

export class FakePinPad implements PinPad {
  readonly name = 'fake-pinpad';
  requests: { maskedPan: string; amountMinor: number }[] = [];
  outcome: 'pin' | PosError = 'pin';
  /** Set true to have a pad that asks for amounts. */
  takesAmounts = false;
  amountRequests: AmountEntryRequest[] = [];
  /** What the cardholder keys, in minor units, for each `enterAmount` in turn, or the error it rejects with. */
  amounts: (number | PosError)[] = [];

  enterAmount(request: AmountEntryRequest, _signal?: AbortSignal): Promise<number> {
    this.amountRequests.push(request);
    if (!this.takesAmounts) return Promise.reject(new PosError('AMOUNT_ENTRY_UNAVAILABLE', 'The fake pad takes no amounts', { device: this.name }));
    const next = this.amounts.shift();
    if (next === undefined) return Promise.reject(new Error('FakePinPad: no amount scripted for this enterAmount'));
    return next instanceof PosError ? Promise.reject(next) : Promise.resolve(next);
  }

  requestPin(request: PinEntryRequest): Promise<PinEntryResult> {
    this.requests.push({ maskedPan: request.pan.masked(), amountMinor: request.amountMinor });
    if (this.outcome !== 'pin') return Promise.reject(this.outcome);
    return Promise.resolve({ pinBlock: Sensitive.of('pin-block', Buffer.from('0123456789ABCDEF', 'hex')), ksn: Buffer.from('FFFF9876543210E00001', 'hex'), format: 'iso0' });
  }

  showMessage(): Promise<void> {
    return Promise.resolve();
  }

  state(): DeviceState {
    return 'connected';
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * A ledger in memory: STANs from a counter after `lastStan`, reversal duties
 * in `reversals`, no offline approvals; every other step is taken and
 * forgotten. A plain object, so a test spreads it to make one step fail.
 */
export function memoryLedger(options: { readonly lastStan?: number; readonly reversals?: ReversalStore } = {}): Ledger & { readonly reversals: ReversalStore } {
  let last = options.lastStan ?? 0;
  const reversals = options.reversals ?? new MemoryReversalStore();
  return {
    reversals,
    begin: () => undefined,
    tipEntered: () => undefined,
    cardRead: () => undefined,
    sent: () => {
      last = last >= 999_999 ? 1 : last + 1;
      return String(last).padStart(6, '0');
    },
    answered: () => undefined,
    reversalOwed: (reversal) => reversals.add(reversal),
    approveOffline: () => ({ granted: false, refusal: 'disabled' }),
    ended: () => undefined,
    voided: ({ result, reason }) => {
      const reversal: PendingReversal = {
        transactionId: result.id,
        original: result.type === 'completion' ? 'completion' : result.type,
        stan: result.stan ?? '',
        terminalId: 'T0000001',
        transmittedAt: result.startedAt,
        amountMinor: result.total,
        currency: result.currency,
        entryMode: result.entryMode ?? 'swipe',
        reason,
        maskedPan: result.maskedPan ?? '',
        ...(result.cashback === undefined ? {} : { cashbackMinor: result.cashback }),
      };
      reversals.add(reversal);
      return reversal;
    },
  };
}

/** Keeps reversal duties in memory, oldest first (the terminal's store is the journal). */
export class MemoryReversalStore implements ReversalStore {
  readonly #items: PendingReversal[] = [];

  add(reversal: PendingReversal): void {
    this.#items.push(reversal);
  }

  pending(): readonly PendingReversal[] {
    return [...this.#items];
  }

  acknowledge(transactionId: string): void {
    const at = this.#items.findIndex((r) => r.transactionId === transactionId);
    if (at >= 0) this.#items.splice(at, 1);
  }
}
