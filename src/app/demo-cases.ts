/**
 * The scripted purchases of `pos demo`: each names a deck card, an amount and
 * how it must end. Together they walk every path of the purchase flow.
 */
import { DEFAULT_AIDS } from '../config/emv-schema.js';
import type { ResultStatus, TxnType } from '../txn/result.js';
import type { PresentRequest } from './simulation/cardholder.js';

const VISA_AID = 'A0000000031010';

export interface DemoCase {
  readonly name: string;
  /** Deck card id, or `null` for a case where no card is presented. */
  readonly card: string | null;
  /** Minor units. */
  readonly amount: number;
  /** Cancel from the cash register instead of presenting a card. */
  readonly cancel?: boolean;
  /** The cardholder's moves, in order (default: one swipe of `card`). */
  readonly steps?: readonly Omit<PresentRequest, 'card'>[];
  /** Entry mode the result must show. */
  readonly entryMode?: string;
  /** Pull the virtual reader's cable while it waits for the card; the case ends once the reader is back. */
  readonly unplug?: true;
  /** The case ends once its offline advice has reached the host (the terminal's queue is empty again). */
  readonly adviceSent?: true;
  /**
   * The customer copy the virtual printer cuts must hold the result (the
   * total, the last four, APPROVED); `paper-out`: the paper runs out first,
   * the receipt waits, and prints once when the paper is back.
   */
  readonly receipt?: 'printed' | 'paper-out';
  /** What the register starts (default: a purchase of `amount`); `originalOfPrevious`: a refund of the case before's transaction. */
  readonly start?: { readonly type: 'purchase' | 'refund' | 'preauth'; readonly tip?: number; readonly cashback?: number; readonly originalOfPrevious?: true };
  /** What the register does next with the approved transaction, in order while each is approved; the row is then what the last answered. */
  readonly then?: DemoFollowUp | readonly DemoFollowUp[];
  readonly expect: { readonly status: ResultStatus; readonly responseCode?: string; readonly errorCode?: string; readonly reason?: string; readonly type?: TxnType; readonly total?: number };
}

export type DemoFollowUp =
  | { readonly action: 'void' | 'release' }
  | { readonly action: 'complete' | 'increment'; readonly amount: number }
  | { readonly action: 'tip'; readonly tip: number };

export const DEMO_CASES: readonly DemoCase[] = [
  { name: 'approved', card: 'visa-ok', amount: 1234, expect: { status: 'approved', responseCode: '00' } },
  { name: 'declined for funds', card: 'mc-low-funds', amount: 2500, expect: { status: 'declined', responseCode: '51' } },
  { name: 'expired card', card: 'visa-expired', amount: 1500, expect: { status: 'declined', errorCode: 'CARD_EXPIRED' } },
  { name: 'unreadable swipe', card: 'mc-damaged', amount: 990, expect: { status: 'failed', errorCode: 'CARD_SWIPE_UNREADABLE' } },
  { name: 'PAN fails Luhn', card: 'visa-bad-luhn', amount: 990, expect: { status: 'failed', errorCode: 'CARD_PAN_LUHN' } },
  { name: 'unknown card', card: 'visa-unknown', amount: 4200, expect: { status: 'declined', responseCode: '14' } },
  { name: 'restricted service code', card: 'discover-atm-only', amount: 3000, expect: { status: 'declined', responseCode: '62' } },
  { name: 'host not answering', card: 'amex-silent-issuer', amount: 5000, expect: { status: 'failed', errorCode: 'HOST_TIMEOUT' } },
  { name: 'cancelled at the register', card: null, amount: 800, cancel: true, expect: { status: 'cancelled', errorCode: 'TXN_CANCELLED' } },
  { name: 'reader unplugged mid-transaction', card: null, amount: 700, unplug: true, expect: { status: 'cancelled', errorCode: 'DEVICE_DISCONNECTED', reason: 'READER DISCONNECTED' } },
  { name: 'reader back: approved', card: 'visa-ok', amount: 650, expect: { status: 'approved', responseCode: '00' } },
];

/** The Visa AID's contactless floor limit in the NEO 2 set: the terminal loads it into the reader, whose kernel lets a card approve a tap at or below it. */
export const NEO2_DEMO_TAP_FLOOR_LIMIT = 1000;

/**
 * The NEO 2 set's acquirer: a Visa tap at or below the contactless floor limit may be approved by the
 * card (its advice queued); `chipOnly` would keep store-and-forward to contact reads, so it is off (no
 * brand floor limit is set: a stripe read is still never approved offline).
 */
export const NEO2_DEMO_ACQUIRER = {
  emv: {
    aids: DEFAULT_AIDS.map((a) => (a.aid === VISA_AID ? { ...a, contactless: { enabled: true, transactionLimit: 10_000, cvmRequiredLimit: 5_000, floorLimit: NEO2_DEMO_TAP_FLOOR_LIMIT } } : a)),
  },
  storeAndForward: { enabled: true, chipOnly: false },
};

/** With the chip reader and PIN pad twins: chip first, online PIN, the card's final word. */
export const CHIP_DEMO_CASES: readonly DemoCase[] = [
  { name: 'chip with PIN approved', card: 'visa-ok', amount: 2000, steps: [{ entry: 'chip' }], entryMode: 'chip', expect: { status: 'approved', responseCode: '00' } },
  { name: 'chip, wrong PIN', card: 'visa-ok', amount: 2000, steps: [{ entry: 'chip', pin: '9999' }], expect: { status: 'declined', responseCode: '55' } },
  { name: 'chip declined after approval', card: 'visa-ok', amount: 1500, steps: [{ entry: 'chip', fault: 'decline-after-approval' }], expect: { status: 'declined', errorCode: 'TXN_CARD_DECLINED' } },
  { name: 'chip card swiped, then chip', card: 'visa-ok', amount: 1200, steps: [{ entry: 'swipe' }, { entry: 'chip' }], entryMode: 'chip', expect: { status: 'approved', responseCode: '00' } },
  { name: 'chip failure, fallback swipe', card: 'visa-ok', amount: 1100, steps: [{ entry: 'chip', fault: 'chip-failure' }, { entry: 'swipe' }], entryMode: 'fallback', expect: { status: 'approved', responseCode: '00' } },
  { name: 'cardholder cancels at PIN', card: 'visa-ok', amount: 900, steps: [{ entry: 'chip', pin: 'cancel' }], expect: { status: 'cancelled' } },
  { name: 'chip, funds short', card: 'mc-low-funds', amount: 90000, steps: [{ entry: 'chip' }], expect: { status: 'declined', responseCode: '51' } },
  // The virtual NEO 2 starts as a used reader (`usedReaderFlash`: its Visa taps limited to 40.00 by another acquirer);
  // the terminal rewrites its tables at start, so a 45.00 tap is taken contactless under the terminal's own 100.00.
  { name: 'a reader whose configuration differs is updated at start', card: 'visa-ok', amount: 4500, steps: [{ entry: 'tap', profile: 'visa-contactless' }], entryMode: 'contactless', expect: { status: 'approved', responseCode: '00' } },
  // Taps at the NEO 2 (02-40); the reader's CVM limit is 50.00, its contactless transaction limit 100.00, the Visa floor limit `NEO2_DEMO_TAP_FLOOR_LIMIT`.
  { name: 'tap, online approved', card: 'visa-ok', amount: 1300, steps: [{ entry: 'tap', profile: 'visa-contactless' }], entryMode: 'contactless', expect: { status: 'approved', responseCode: '00' } },
  {
    name: 'tap, offline approved under the floor limit, then its advice reaches the host',
    card: 'visa-ok',
    amount: 700,
    steps: [{ entry: 'tap', profile: 'visa-contactless-offline' }],
    entryMode: 'contactless',
    adviceSent: true,
    expect: { status: 'approved', responseCode: 'Y1' },
  },
  { name: 'tap over CVM limit, PIN', card: 'visa-ok', amount: 6000, steps: [{ entry: 'tap', profile: 'visa-contactless-pin' }], entryMode: 'contactless', expect: { status: 'approved', responseCode: '00' } },
  { name: 'tap over the limit: insert', card: 'visa-ok', amount: 15000, steps: [{ entry: 'tap', profile: 'visa-contactless' }, { entry: 'chip' }], entryMode: 'chip', expect: { status: 'approved', responseCode: '00' } },
  { name: 'phone tap, CDCVM', card: 'mc-damaged', amount: 6100, steps: [{ entry: 'tap', profile: 'mastercard-phone' }], entryMode: 'contactless', expect: { status: 'approved', responseCode: '00' } },
];

/**
 * With the encrypting MagTek reader twin: the terminal forwards the reader's
 * ciphertext and KSN (DE 48) and never holds the tracks; the simulator
 * decrypts with its BDK and judges the card as usual.
 */
export const ENCRYPTED_READER_DEMO_CASES: readonly DemoCase[] = [
  { name: 'encrypted-reader swipe', card: 'visa-ok', amount: 1750, entryMode: 'swipe', expect: { status: 'approved', responseCode: '00' } },
  { name: 'encrypted-reader swipe, funds short', card: 'mc-low-funds', amount: 2500, expect: { status: 'declined', responseCode: '51' } },
];

/** The Visa AID's floor limit in the PC/SC set: below it the kernel may ask the card for an offline approval. */
export const PCSC_DEMO_FLOOR_LIMIT = 1000;

/**
 * With a PC/SC contact reader (virtual cards in the real pcscd through
 * vpcd), the terminal's own EMV kernel, a PIN pad and a paired stripe
 * reader. The set's acquirer declines a failed offline data authentication
 * outright (Visa TAC denial), and lets the Visa card approve offline below
 * `PCSC_DEMO_FLOOR_LIMIT`.
 */
export const PCSC_DEMO_CASES: readonly DemoCase[] = [
  // First: the split-sales check adds the card's last approval today to the amount before comparing it with the floor limit.
  { name: 'approved offline by the card', card: 'visa-ok', amount: 800, steps: [{ entry: 'chip', profile: 'visa-offline-approve' }], adviceSent: true, expect: { status: 'approved', responseCode: 'Y1' } },
  { name: 'PC/SC chip, SDA, online', card: 'visa-ok', amount: 2100, steps: [{ entry: 'chip', profile: 'visa-sda' }], entryMode: 'chip', expect: { status: 'approved', responseCode: '00' } },
  { name: 'PC/SC chip, DDA, online', card: 'visa-ok', amount: 2200, steps: [{ entry: 'chip', profile: 'visa-dda' }], entryMode: 'chip', expect: { status: 'approved', responseCode: '00' } },
  { name: 'PC/SC refund of that sale: the card\'s AAC goes online', card: 'visa-ok', amount: 1200, start: { type: 'refund', originalOfPrevious: true }, steps: [{ entry: 'chip', profile: 'visa-dda' }], entryMode: 'chip', expect: { status: 'approved', responseCode: '00', type: 'refund' } },
  // Below the floor limit this card would approve offline; a pre-authorization is forced online.
  { name: 'PC/SC pre-authorization: forced online', card: 'visa-ok', amount: 500, start: { type: 'preauth' }, steps: [{ entry: 'chip', profile: 'visa-offline-approve' }], expect: { status: 'approved', responseCode: '00', type: 'preauth' } },
  { name: 'PC/SC chip, CDA, online', card: 'mc-damaged', amount: 2300, steps: [{ entry: 'chip', profile: 'mastercard-cda' }], entryMode: 'chip', expect: { status: 'approved', responseCode: '00' } },
  { name: 'ODA failed: declined by TAC', card: 'visa-ok', amount: 2400, steps: [{ entry: 'chip', profile: 'visa-bad-issuer-certificate' }], expect: { status: 'declined', responseCode: 'Z1' } },
  { name: 'declined offline by the card', card: 'visa-ok', amount: 2500, steps: [{ entry: 'chip', profile: 'visa-offline-decline' }], expect: { status: 'declined', responseCode: 'Z1' } },
  { name: 'PC/SC chip, online PIN', card: 'visa-ok', amount: 2600, steps: [{ entry: 'chip', profile: 'visa-online-pin' }], expect: { status: 'approved', responseCode: '00' } },
  { name: 'PC/SC chip, wrong PIN', card: 'visa-ok', amount: 2700, steps: [{ entry: 'chip', profile: 'visa-online-pin', pin: '9999' }], expect: { status: 'declined', responseCode: '55' } },
  { name: 'blocked application', card: 'visa-ok', amount: 2800, steps: [{ entry: 'chip', profile: 'visa-blocked' }], expect: { status: 'failed', errorCode: 'EMV_APPLICATION_BLOCKED' } },
  { name: 'card pulled while completing', card: 'visa-ok', amount: 2900, steps: [{ entry: 'chip', profile: 'visa-dda', fault: 'card-pulled' }], expect: { status: 'failed', errorCode: 'EMV_CARD_REMOVED' } },
  { name: 'chip unreadable, fallback swipe', card: 'visa-ok', amount: 3100, steps: [{ entry: 'chip', fault: 'chip-failure' }, { entry: 'swipe' }], entryMode: 'fallback', expect: { status: 'approved', responseCode: '00' } },
];

/**
 * The counter set's acquirer: tips (keyed on the PIN pad when the register sends none), cashback up to
 * 100.00 and incremental authorizations; the customer copy prints by itself.
 */
export const COUNTER_DEMO_ACQUIRER = {
  transactions: { tips: true, tipEntry: 'pinpad', cashbackLimit: 10_000, incrementalAuthorization: true },
  receipt: { autoPrint: 'customer' },
};

/**
 * A counter's day at the NEO 2 twin, the PIN pad twin and the ESC/POS
 * printer twin: a tip from the register and one keyed on the pad (the other
 * sales' cardholders press ENTER at its prompt), cashback, a refund of the
 * sale before it, a void, a pre-authorization completed for less, one raised
 * then completed and one released, a receipt read back from the printer, and
 * one that waits for paper. Each row is what the register was last told (a
 * completion's row is the completion).
 */
export const COUNTER_DEMO_CASES: readonly DemoCase[] = [
  { name: 'purchase with a tip', card: 'visa-ok', amount: 2000, start: { type: 'purchase', tip: 300 }, steps: [{ entry: 'chip' }], expect: { status: 'approved', responseCode: '00', total: 2300 } },
  { name: 'tip keyed on the PIN pad', card: 'visa-ok', amount: 2400, steps: [{ entry: 'chip', tip: '45/360#' }], expect: { status: 'approved', responseCode: '00', total: 2760 } },
  { name: 'tip adjusted before the batch closes', card: 'visa-ok', amount: 1800, steps: [{ entry: 'chip', tip: '#' }], then: { action: 'tip', tip: 400 }, expect: { status: 'approved', total: 2200 } },
  // The card's Application Usage Control allows cashback (Book 3 §10.4): the deck's Visa chip is valid for it.
  { name: 'purchase with cashback', card: 'visa-ok', amount: 2500, start: { type: 'purchase', cashback: 2000 }, steps: [{ entry: 'chip', tip: '#' }], expect: { status: 'approved', responseCode: '00', total: 4500 } },
  { name: 'refund of part of that purchase', card: 'visa-ok', amount: 1000, start: { type: 'refund', originalOfPrevious: true }, steps: [{ entry: 'chip' }], expect: { status: 'approved', responseCode: '00', type: 'refund' } },
  { name: 'purchase voided', card: 'visa-ok', amount: 1500, steps: [{ entry: 'chip', tip: '#' }], then: { action: 'void' }, expect: { status: 'voided', type: 'purchase' } },
  { name: 'pre-authorization completed for less', card: 'visa-ok', amount: 10_000, start: { type: 'preauth' }, steps: [{ entry: 'chip' }], then: { action: 'complete', amount: 8250 }, expect: { status: 'approved', type: 'completion', total: 8250 } },
  {
    name: 'pre-authorization raised, then completed in full',
    card: 'visa-ok',
    amount: 6000,
    start: { type: 'preauth' },
    steps: [{ entry: 'chip' }],
    then: [
      { action: 'increment', amount: 2500 },
      { action: 'complete', amount: 8500 },
    ],
    expect: { status: 'approved', type: 'completion', total: 8500 },
  },
  { name: 'pre-authorization released', card: 'visa-ok', amount: 5000, start: { type: 'preauth' }, steps: [{ entry: 'chip' }], then: { action: 'release' }, expect: { status: 'voided', type: 'preauth' } },
  { name: 'receipt printed: the customer copy read back', card: 'visa-ok', amount: 3150, steps: [{ entry: 'chip', tip: '#' }], receipt: 'printed', expect: { status: 'approved', responseCode: '00' } },
  { name: 'paper out: the receipt prints once the paper is back', card: 'visa-ok', amount: 1275, steps: [{ entry: 'chip', tip: '#' }], receipt: 'paper-out', expect: { status: 'approved', responseCode: '00' } },
];
