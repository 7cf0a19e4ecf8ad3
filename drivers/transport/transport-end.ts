/**
 * The one end of a transport's life (`ByteTransport`/`HidReportTransport`
 * `onClose`): it happens once; each listener hears it then, with the error,
 * or with no argument when the transport was closed on purpose; listeners are
 * dropped after it.
 */
import type { PosError } from '../../src/util/errors.js';
import { ListenerSet } from './listener-set.js';

export class TransportEnd {
  readonly #listeners = new ListenerSet<PosError | undefined>();
  #ended = false;

  get ended(): boolean {
    return this.#ended;
  }

  onClose(listener: (error?: PosError) => void): () => void {
    return this.#listeners.add((error) => (error === undefined ? listener() : listener(error)));
  }

  /** Ends once (later calls do nothing): `release` first (drop data listeners, free the handle), then the listeners hear `error`. */
  finish(error: PosError | undefined, release?: () => void): void {
    if (this.#ended) return;
    this.#ended = true;
    release?.();
    this.#listeners.emit(error);
    this.#listeners.clear();
  }
}
