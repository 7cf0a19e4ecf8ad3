/**
 * The chip of each deck card, as the virtual readers insert it: a card
 * personalised from the profile for its brand — Mastercard PANs (2, 5) the
 * `mastercard` profile, every other PAN `visa-online-pin` — carrying the
 * deck card's PAN, expiry and name, keyed from the keys file. Neither
 * profile needs a CA (no offline data authentication).
 */
import type { DeckCard } from '../cards/deck.js';
import type { SimulationKeys } from '../keys/simulation-keys.js';
import { buildChipCard, type EmvChipCard } from './emv-chip-card.js';

export const DECK_CHIP_PROFILES = { mastercard: 'mastercard', other: 'visa-online-pin' } as const;

/** The profile a deck card's chip is personalised from. */
export function deckChipProfile(card: DeckCard): string {
  return card.pan.startsWith('5') || card.pan.startsWith('2') ? DECK_CHIP_PROFILES.mastercard : DECK_CHIP_PROFILES.other;
}

/** A deck card's chip. */
export function chipCardFor(card: DeckCard, options: { readonly keys?: SimulationKeys; readonly issuerMasterKey?: Uint8Array } = {}): EmvChipCard {
  return buildChipCard({
    profile: deckChipProfile(card),
    card,
    ...(options.keys === undefined ? {} : { keys: options.keys }),
    ...(options.issuerMasterKey === undefined ? {} : { issuerMasterKey: options.issuerMasterKey }),
  });
}
