/**
 * The test card deck: what every virtual device presents and what the
 * bank-host simulator keeps as accounts. Loaded and checked with zod so a
 * hand-edited deck fails with the field named.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../../src/util/project-root.js';
import { loadJsonFile } from '../json-file.js';

export const deckCardSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    label: z.string(),
    pan: z.string().regex(/^\d{12,19}$/),
    /** Track 1 name field, `SURNAME/GIVEN`. */
    name: z.string().regex(/^[ -~]{2,26}$/),
    /** YYMM as on the stripe. */
    expiry: z.string().regex(/^\d{2}(0[1-9]|1[0-2])$/),
    serviceCode: z.string().regex(/^\d{3}$/),
    discretionary: z.string().regex(/^\d*$/),
    pin: z.string().regex(/^\d{4,12}$/),
    /** Available balance in minor units of the terminal's currency. */
    balance: z.number().int().nonnegative(),
    /** `not-issued`: the card reads fine but the issuer has no account for it (response 14). */
    status: z.enum(['active', 'blocked', 'not-issued']),
    /** `damaged`: the virtual reader delivers an unreadable swipe. */
    stripe: z.enum(['good', 'damaged']).default('good'),
    /** How the simulated issuer behaves for this card (fault injection). */
    issuer: z.enum(['normal', 'no-answer']).default('normal'),
  })
  .strict();

export const deckSchema = z.object({ description: z.string().optional(), cards: z.array(deckCardSchema).min(1) }).strict();

export type DeckCard = z.infer<typeof deckCardSchema>;
export type Deck = z.infer<typeof deckSchema>;

export const DEFAULT_DECK_PATH = join(projectRoot(), 'hw-mocks', 'cards', 'deck.json');

/** Loads a deck file (default: the project's own). */
export function loadDeck(path: string = DEFAULT_DECK_PATH): Deck {
  return loadJsonFile(path, deckSchema, 'card deck');
}

export function findCard(deck: Deck, id: string): DeckCard | undefined {
  return deck.cards.find((c) => c.id === id);
}
