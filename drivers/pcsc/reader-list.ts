/**
 * The readers pcscd sees, for `pos diag devices`: each with whether a card is
 * in it (and its ATR, which is not card data). "pcscd is not running" is an
 * answer, not an error: a technician needs to read it as such.
 */
import { PosError } from '../../src/util/errors.js';
import { PcscCallError, SCARD_STATE, STATE_FLAGS_MASK, type PcscBinding, type PcscContext } from './pcsc-binding.js';
import { loadSmartcardBinding } from './smartcard-binding.js';

export interface PcscReaderEntry {
  readonly name: string;
  /** `present` a card is in; `mute` a card is in but did not answer its reset; `empty`; `unavailable` the driver cannot read the reader. */
  readonly card: 'present' | 'mute' | 'empty' | 'unavailable';
  /** The card's ATR in hex, when one is in. */
  readonly atr?: string;
}

export type PcscReaderListing = { readonly status: 'ok'; readonly readers: readonly PcscReaderEntry[] } | { readonly status: 'no-service' };

/**
 * Lists pcscd's readers. `{ status: 'no-service' }` when pcscd is not
 * running; rejects with `PCSC_LIBRARY_UNAVAILABLE` when the binding cannot
 * load, `PCSC_SERVICE_UNAVAILABLE` (details: failure) for another PC/SC failure.
 */
export async function listPcscReaders(binding?: PcscBinding): Promise<PcscReaderListing> {
  const pcsc = binding ?? (await loadSmartcardBinding());
  let context: PcscContext | undefined;
  try {
    context = pcsc.establish();
    const readers = context.listReaders().map((r): PcscReaderEntry => {
      const flags = r.state & STATE_FLAGS_MASK;
      const atr = r.atr === undefined ? {} : { atr: r.atr.toString('hex').toUpperCase() };
      if ((flags & (SCARD_STATE.UNKNOWN | SCARD_STATE.UNAVAILABLE)) !== 0) return { name: r.name, card: 'unavailable' };
      if ((flags & SCARD_STATE.MUTE) !== 0) return { name: r.name, card: 'mute', ...atr };
      if ((flags & SCARD_STATE.PRESENT) !== 0) return { name: r.name, card: 'present', ...atr };
      return { name: r.name, card: 'empty' };
    });
    return { status: 'ok', readers };
  } catch (err) {
    if (err instanceof PcscCallError && err.failure === 'no-service') return { status: 'no-service' };
    const failure = err instanceof PcscCallError ? err.failure : 'other';
    throw new PosError('PCSC_SERVICE_UNAVAILABLE', `pcscd could not list its readers (${failure})`, { failure }, { cause: err });
  } finally {
    context?.close();
  }
}
