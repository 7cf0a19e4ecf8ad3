/**
 * The virtual cardholder: presents deck cards (`hw-mocks/cards/deck.json`)
 * to the twin reader, keys a tip on the twin pad when it asks for one first,
 * and types (or refuses) the PIN on the twin pad when it asks. The ECR API's
 * simulator routes and the demo drive it.
 */
import type { Deck, DeckCard } from '../../../hw-mocks/cards/deck.js';
import { findCard } from '../../../hw-mocks/cards/deck.js';
import type { VirtualPinPad } from '../../../hw-mocks/pinpad/index.js';
import type { VirtualVivopay } from '../../../hw-mocks/vivopay/index.js';
import { PosError } from '../../util/errors.js';
import type { ContactSlotTwin } from './contact-slot-twin.js';

/** A virtual cardholder's move: which deck card, how, and what they do at the PIN pad. */
export interface PresentRequest {
  readonly card: string;
  /**
   * `swipe` (a chip card swiped at a chip reader is asked for its chip), `chip` (insert), `swipe-stripe-only` (a card
   * without a chip), `tap` (at the NEO 2: the contactless card of `profile`, `hw-mocks/chip-card/contactless-profiles/`).
   */
  readonly entry: 'swipe' | 'chip' | 'swipe-stripe-only' | 'tap';
  /** The PIN typed when the pad asks (default the deck card's), `cancel` to press cancel, `none` to walk away. */
  readonly pin?: string;
  /**
   * The keys pressed at the pad's tip prompt before the card (`450#`: 4.50,
   * `#`: no tip, `*`: cancel — the card is then not presented). The pad must
   * be asking for it.
   */
  readonly tip?: string;
  /** Card-side faults: the chip cannot be read (fallback), the card declines after the host approved, or (PC/SC reader) it is pulled while the terminal completes. */
  readonly fault?: 'chip-failure' | 'decline-after-approval' | 'card-pulled';
  /** The chip's profile (`hw-mocks/chip-card/profiles/`), at a PC/SC reader; default the deck card's brand profile. For a tap, the contactless profile (required). */
  readonly profile?: string;
  /** A tap with a phone: its holder verifies on it first (the second tap after "see phone"). */
  readonly verifyOnDevice?: boolean;
}

/** Pulls a virtual device's cable; it stays out `forMs` (default 0: back on the first reopen). */
export interface UnplugRequest {
  readonly device: 'reader' | 'pinpad' | 'display';
  readonly forMs?: number;
}

/** What the simulator routes drive. */
export interface CardholderSimulator {
  /** Presents a deck card to the virtual reader. Throws `ECR_BAD_REQUEST` for an unknown card. */
  present(request: PresentRequest): Promise<void>;
  /** The transaction ended: the cardholder takes their card back. */
  transactionEnded?(): void;
  /** Pulls the cable of a virtual device (the driver sees it go away, and it is reopened with backoff). Throws `ECR_BAD_REQUEST` for a real device. */
  unplug?(request: UnplugRequest): Promise<void>;
}

/** The twin behind the virtual reader now: a stripe reader (serial MSR, encrypting MagTek), the ViVOpay chip reader, or a PC/SC slot with a paired stripe reader. */
export type ReaderTwin =
  | { readonly kind: 'stripe'; listening(): boolean; swipe(card: DeckCard): Promise<void> }
  | { readonly kind: 'chip'; readonly chip: VirtualVivopay }
  | { readonly kind: 'contact'; readonly contact: ContactSlotTwin; stripeListening(): boolean; swipe(card: DeckCard): Promise<void> };

export interface CardholderOptions {
  readonly deck: () => Deck;
  /** The current twins: a replugged device has a fresh one. */
  readonly readerTwin: () => ReaderTwin | undefined;
  readonly pinpadTwin: () => VirtualPinPad | undefined;
  readonly unplug: (request: UnplugRequest) => Promise<void>;
}

export function virtualCardholder(options: CardholderOptions): Required<CardholderSimulator> {
  let pinIntent: string | undefined;
  // The pad whose prompt the cardholder waits for: a replugged pad is a new twin, waited for afresh.
  let answering: VirtualPinPad | undefined;
  return {
    async present(request: PresentRequest): Promise<void> {
      const card = findCard(options.deck(), request.card);
      if (!card) throw new PosError('ECR_BAD_REQUEST', `card: no deck card "${request.card}"`, { fields: ['card'], problems: ['no such deck card'] });
      const reader = options.readerTwin();
      if (!reader) throw new PosError('ECR_BAD_REQUEST', 'entry: the card reader is not virtual', { fields: ['entry'], problems: ['reader is real'] });
      const pinpad = options.pinpadTwin();
      if (request.tip !== undefined) {
        if (!pinpad) throw new PosError('ECR_BAD_REQUEST', 'tip: the PIN pad is not virtual', { fields: ['tip'], problems: ['no virtual PIN pad'] });
        await within(pinpad.waitForKeyRead(), TIP_PROMPT_WAIT_MS, { field: 'tip', message: 'tip: the PIN pad is not asking for a tip' });
        pinpad.pressKeys(request.tip);
        if (request.tip.endsWith('*')) return;
      }
      if (pinpad) {
        // One intent per transaction, the latest move's: the cardholder answers the pad's prompt when it comes.
        pinIntent = request.pin ?? card.pin;
        if (answering !== pinpad) {
          answering = pinpad;
          void pinpad.waitForPrompt().then(() => {
            if (answering === pinpad) answering = undefined;
            const intent = pinIntent;
            pinIntent = undefined;
            if (intent === 'cancel') pinpad.pressCancel();
            else if (intent !== undefined && intent !== 'none') pinpad.enterPin(intent);
          });
        }
      }
      if (request.entry === 'tap') {
        if (reader.kind !== 'chip') throw new PosError('ECR_BAD_REQUEST', 'entry: only the virtual NEO 2 takes a tap', { fields: ['entry'], problems: ['no contactless reader'] });
        if (request.profile === undefined) throw new PosError('ECR_BAD_REQUEST', 'profile: a tap names its contactless profile', { fields: ['profile'], problems: ['missing'] });
        if (request.verifyOnDevice === true && !reader.chip.verifyOnDevice(request.profile)) {
          throw new PosError('ECR_BAD_REQUEST', 'verifyOnDevice: the profile’s card cannot verify its holder on the device', { fields: ['verifyOnDevice'], problems: ['not a phone'] });
        }
        reader.chip.tap(request.profile);
        return;
      }
      if (reader.kind !== 'contact' && (request.profile !== undefined || request.fault === 'card-pulled')) {
        const field = request.profile === undefined ? 'fault' : 'profile';
        throw new PosError('ECR_BAD_REQUEST', `${field}: only a virtual PC/SC reader takes it`, { fields: [field], problems: ['not a PC/SC reader'] });
      }
      if (reader.kind === 'stripe') {
        if (request.entry !== 'swipe') throw new PosError('ECR_BAD_REQUEST', 'entry: the virtual reader reads stripes only', { fields: ['entry'], problems: ['swipe only'] });
        // A swipe only counts while the terminal listens for one (after a tip, it starts listening a moment later).
        await until(() => reader.listening(), 5_000);
        await reader.swipe(card);
        return;
      }
      if (reader.kind === 'contact') {
        if (request.entry === 'chip') {
          await reader.contact.insert(card, { ...(request.profile === undefined ? {} : { profile: request.profile }), ...(request.fault === undefined ? {} : { fault: request.fault }) });
          return;
        }
        // The paired reader is a plain MSR: the swipe counts once the terminal listens for one.
        await until(() => reader.stripeListening(), 5_000);
        await reader.swipe(card);
        return;
      }
      const chip = reader.chip;
      if (request.fault === 'decline-after-approval') chip.declineAfterApproval();
      if (request.fault === 'chip-failure') chip.failChip();
      if (request.entry === 'chip') {
        // An inserted card is seated: read at once, or by the next transaction.
        chip.insert(card.id);
        return;
      }
      // A swipe only counts while the reader waits for a card (it may be asking again: "swipe instead").
      await until(() => chip.waitingForCard || chip.waitingForTap, 5_000);
      chip.swipe(card.id, { chip: request.entry !== 'swipe-stripe-only' });
    },
    transactionEnded(): void {
      pinIntent = undefined;
      // The cardholder takes the card back, so the next transaction does not find it still seated.
      const reader = options.readerTwin();
      if (reader?.kind === 'chip') reader.chip.removeCard();
      if (reader?.kind === 'contact') void reader.contact.remove();
    },
    unplug: (request) => options.unplug(request),
  };
}

/** How long the cardholder waits for the pad to ask for the tip. */
const TIP_PROMPT_WAIT_MS = 5_000;

/** `work`, or `ECR_BAD_REQUEST` naming `field` when it is not done within `timeoutMs`. */
async function within(work: Promise<void>, timeoutMs: number, refusal: { readonly field: string; readonly message: string }): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new PosError('ECR_BAD_REQUEST', refusal.message, { fields: [refusal.field], problems: ['not asked'] })), timeoutMs);
  });
  try {
    await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new PosError('ECR_BAD_REQUEST', 'The virtual reader is not waiting for a card', { fields: ['card'], problems: ['reader not armed'] });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
