/** Shared set-up for the MSR driver tests: deck cards, a captured debug log, settled promises. */
import { Writable } from 'node:stream';
import { findCard, loadDeck, type DeckCard } from '../../hw-mocks/cards/deck.js';
import { createLogger, type Logger } from '../../src/log/logger.js';

const deck = loadDeck();

export function deckCard(id: string): DeckCard {
  const card = findCard(deck, id);
  if (card === undefined) throw new Error(`deck has no card ${id}`);
  return card;
}

export function captureLog(): { logger: Logger; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination: stream }), text: () => Buffer.concat(chunks).toString('utf8') };
}

/** Lets queued microtasks (memory-pair delivery, promise reactions) run; does not touch timers. */
export async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A promise's state without waiting for it. */
export function track<T>(p: Promise<T>): { readonly settled: boolean } {
  const state = { settled: false };
  p.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

export const REQUEST = { amountMinor: 1000, currency: '978' } as const;
