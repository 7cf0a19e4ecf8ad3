/** Shared set-up for the MSR driver tests: deck cards, a captured debug log, settled promises. */
import { findCard, loadDeck, type DeckCard } from '../../hw-mocks/cards/deck.js';
import { createHidMemoryPair, type HidMemoryDeviceEnd, type HidMemoryHostEnd, type HidMemoryPairOptions } from '../../drivers/transport/hid-memory.js';
import type { Logger } from '../../src/log/logger.js';
import { captureLog } from '../log-capture.js';

const deck = loadDeck();

export function deckCard(id: string): DeckCard {
  const card = findCard(deck, id);
  if (card === undefined) throw new Error(`deck has no card ${id}`);
  return card;
}

export { captureLog };

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

/** Arms a read, swipes `card` on the twin, and gives the read (which may reject). */
export async function readSwiped<R>(
  reader: { readCard(request: typeof REQUEST, signal: AbortSignal): Promise<R> },
  twin: { swipe(card: DeckCard): Promise<void> },
  card: DeckCard,
): Promise<R> {
  const read = reader.readCard(REQUEST, new AbortController().signal);
  await twin.swipe(card);
  return read;
}

/**
 * A HID reader driver and its twin over an in-memory HID pair, with a log to
 * read; `onCleanup` is given what closes both (reader first) after the test.
 */
export function hidReaderRig<R extends { close(): Promise<void> }, T extends { close(): Promise<void> }>(parts: {
  readonly pair: HidMemoryPairOptions;
  readonly reader: (host: HidMemoryHostEnd, logger: Logger) => R;
  readonly twin: (device: HidMemoryDeviceEnd) => T;
  readonly onCleanup: (cleanup: () => Promise<void>) => void;
}): { host: HidMemoryHostEnd; reader: R; twin: T; log: ReturnType<typeof captureLog> } {
  const [host, device] = createHidMemoryPair(parts.pair);
  const log = captureLog();
  const reader = parts.reader(host, log.logger);
  const twin = parts.twin(device);
  parts.onCleanup(async () => {
    await reader.close();
    await twin.close();
  });
  return { host, reader, twin, log };
}
