/**
 * The test card deck: what every virtual device presents and what the
 * bank-host simulator keeps as accounts. Loaded and checked with zod so a
 * hand-edited deck fails with the field named.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PosError } from '../../src/util/errors.js';
import { projectRoot } from '../../src/util/project-root.js';

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
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new PosError('CONFIG_UNREADABLE', `Cannot read card deck ${path}`, { path }, { cause: err });
  }
  const parsed = deckSchema.safeParse(raw);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.'));
    throw new PosError('CONFIG_INVALID', `Invalid card deck ${path}: ${fields.join(', ')}`, { path, fields });
  }
  return parsed.data;
}

export function findCard(deck: Deck, id: string): DeckCard | undefined {
  return deck.cards.find((c) => c.id === id);
}
