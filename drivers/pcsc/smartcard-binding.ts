/**
 * `PcscBinding` over npm `smartcard` (3.x, an N-API addon over pcsc-lite's
 * libpcsclite, built from source at install against `libpcsclite-dev`).
 * Loaded by `import()` on first use: only a terminal with a PC/SC reader
 * configured, or `pos diag devices`, pays for the addon; a host where it did
 * not build gets `PCSC_LIBRARY_UNAVAILABLE` naming the package to install.
 * docs/protocols/pcsc-vpcd.md says why this binding.
 *
 * Only the slice of `smartcard` this project uses is typed here (it is an
 * optional dependency, so its own types may be absent), and tests pass a
 * fake module of the same shape.
 *
 * The addon rejects with a plain `Error` whose message is its fixed text for
 * the PC/SC return code (its `pcsc_errors.h`) and no code: `FAILURE_OF_MESSAGE`
 * maps those texts back, here and nowhere else.
 */
import { PosError } from '../../src/util/errors.js';
import {
  PcscCallError,
  type Disposition,
  type PcscBinding,
  type PcscCardHandle,
  type PcscContext,
  type PcscFailure,
  type PcscProtocol,
  type ReaderStatus,
  type WatchedReader,
} from './pcsc-binding.js';
import { isRecord, nativePackageLoader, type PackageImporter } from '../transport/native-package.js';

interface SmartcardCard {
  readonly protocol: number;
  readonly atr: Buffer | null;
  transmit(command: Buffer, options?: { maxRecvLength?: number }): Promise<Buffer>;
  getStatus(): { state: number; protocol: number; atr: Buffer };
  disconnect(disposition?: number): void;
}

interface SmartcardReader {
  readonly name: string;
  readonly state: number;
  readonly atr: Buffer | null;
  connect(shareMode?: number, protocol?: number): Promise<SmartcardCard>;
}

interface SmartcardContext {
  listReaders(): SmartcardReader[];
  waitForChange(readers: { name: string; state: number }[], timeout: number): Promise<{ name: string; state: number; atr: Buffer | null }[] | null>;
  cancel(): void;
  close(): void;
}

/** The module's exports this adapter reads. */
export interface SmartcardModule {
  readonly Context: new () => SmartcardContext;
  readonly SCARD_SHARE_EXCLUSIVE: number;
  readonly SCARD_SHARE_SHARED: number;
  readonly SCARD_PROTOCOL_T0: number;
  readonly SCARD_PROTOCOL_T1: number;
  readonly SCARD_LEAVE_CARD: number;
  readonly SCARD_RESET_CARD: number;
  readonly SCARD_UNPOWER_CARD: number;
}

/** How the module is imported; tests pass one that fails or returns a fake. */
export type SmartcardImporter = PackageImporter;

/** The addon's message for each PC/SC return code (smartcard 3.x `src/pcsc_errors.h` and its context/card guards). */
const FAILURE_OF_MESSAGE: Readonly<Record<string, PcscFailure>> = {
  'PC/SC service not running': 'no-service', // SCARD_E_NO_SERVICE
  'PC/SC service stopped': 'no-service', // SCARD_E_SERVICE_STOPPED
  'Card was removed': 'removed', // SCARD_W_REMOVED_CARD
  'No smart card present': 'no-card', // SCARD_E_NO_SMARTCARD
  'Card was reset': 'reset', // SCARD_W_RESET_CARD
  'Reader unavailable': 'reader-unavailable', // SCARD_E_READER_UNAVAILABLE
  'Unknown reader': 'reader-unavailable', // SCARD_E_UNKNOWN_READER
  'Sharing violation': 'sharing', // SCARD_E_SHARING_VIOLATION
  'Card is unresponsive': 'unresponsive', // SCARD_W_UNRESPONSIVE_CARD
  'Card is unpowered': 'unresponsive', // SCARD_W_UNPOWERED_CARD
  'Card is not supported': 'unsupported', // SCARD_W_UNSUPPORTED_CARD
  'Protocol mismatch': 'unsupported', // SCARD_E_PROTO_MISMATCH
  'Invalid ATR': 'unsupported', // SCARD_E_INVALID_ATR
  'Communication error': 'comm', // SCARD_F_COMM_ERROR (also: pcscd died under a waiting context)
  'Transaction failed': 'comm', // SCARD_E_NOT_TRANSACTED
  'Context is not valid': 'closed',
  'Card is not connected': 'closed',
};

/** The failure an addon error stands for. */
export function failureOf(err: unknown): PcscFailure {
  return err instanceof Error ? (FAILURE_OF_MESSAGE[err.message] ?? 'other') : 'other';
}

/** A specifier held in a variable: the optional package's types are not needed to compile (it may have failed to build). */
const SMARTCARD_PACKAGE: string = 'smartcard';

/**
 * Imports `smartcard` once and adapts it. Rejects with
 * `PCSC_LIBRARY_UNAVAILABLE` (kind `config`; details: `package`) when the
 * addon is missing or cannot load; the loader's error is the `cause`.
 */
export const loadSmartcardBinding: (importer?: SmartcardImporter) => Promise<PcscBinding> = nativePackageLoader({
  importer: () => import(SMARTCARD_PACKAGE),
  adapt: (lib) => {
    if (!isSmartcardModule(lib)) throw libraryUnavailable(new Error('smartcard has no Context: version 3 or later is needed'));
    return { establish: () => new SmartcardPcscContext(lib) };
  },
  unavailable: libraryUnavailable,
});

export function libraryUnavailable(cause: unknown): PosError {
  return new PosError(
    'PCSC_LIBRARY_UNAVAILABLE',
    'The smartcard PC/SC addon cannot load: install libpcsclite-dev (apt-get install libpcsclite-dev), then run npm rebuild smartcard',
    { package: 'libpcsclite-dev' },
    { cause },
  );
}

/** Runs a synchronous addon call, turning its failure into a `PcscCallError`. */
function call<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    throw new PcscCallError(failureOf(err), { cause: err });
  }
}

/** Awaits an addon promise, turning its rejection into a `PcscCallError`. */
async function settle<T>(pending: () => Promise<T>): Promise<T> {
  try {
    return await pending();
  } catch (err) {
    throw new PcscCallError(failureOf(err), { cause: err });
  }
}

class SmartcardPcscContext implements PcscContext {
  readonly #lib: SmartcardModule;
  readonly #context: SmartcardContext;

  constructor(lib: SmartcardModule) {
    this.#lib = lib;
    this.#context = call(() => new lib.Context());
  }

  listReaders(): ReaderStatus[] {
    return call(() => this.#context.listReaders()).map((r) => status(r.name, r.state, r.atr));
  }

  async waitForChange(readers: readonly WatchedReader[], timeoutMs: number): Promise<readonly ReaderStatus[] | 'timeout' | 'cancelled'> {
    const watched = readers.map((r) => ({ name: r.name, state: r.state }));
    const changes = await settle(() => this.#context.waitForChange(watched, timeoutMs));
    if (changes === null) return 'cancelled';
    if (changes.length === 0) return 'timeout';
    return changes.map((c) => status(c.name, c.state, c.atr));
  }

  cancel(): void {
    try {
      this.#context.cancel();
    } catch {
      // a released context has nothing to cancel
    }
  }

  async connect(reader: string, exclusive: boolean): Promise<PcscCardHandle> {
    const lib = this.#lib;
    const found = call(() => this.#context.listReaders()).find((r) => r.name === reader);
    if (found === undefined) throw new PcscCallError('reader-unavailable');
    const share = exclusive ? lib.SCARD_SHARE_EXCLUSIVE : lib.SCARD_SHARE_SHARED;
    const card = await settle(() => found.connect(share, lib.SCARD_PROTOCOL_T0 | lib.SCARD_PROTOCOL_T1));
    const protocol: PcscProtocol = card.protocol === lib.SCARD_PROTOCOL_T1 ? 'T=1' : 'T=0';
    const atr = card.atr ?? call(() => card.getStatus().atr);
    const dispositions: Record<Disposition, number> = { leave: lib.SCARD_LEAVE_CARD, reset: lib.SCARD_RESET_CARD, unpower: lib.SCARD_UNPOWER_CARD };
    return {
      protocol,
      atr: Buffer.from(atr),
      // 256 data bytes and SW1 SW2: the most a short APDU answers.
      transmit: (command) => settle(() => card.transmit(command, { maxRecvLength: 258 })),
      disconnect: (disposition) => {
        try {
          card.disconnect(dispositions[disposition]);
        } catch {
          // a card already gone, or a context already released, has nothing to release
        }
      },
    };
  }

  close(): void {
    try {
      this.#context.close();
    } catch {
      // already released
    }
  }
}

function status(name: string, state: number, atr: Buffer | null): ReaderStatus {
  return atr === null || atr.length === 0 ? { name, state } : { name, state, atr: Buffer.from(atr) };
}

function isSmartcardModule(value: unknown): value is SmartcardModule {
  return isRecord(value) && typeof value['Context'] === 'function' && typeof value['SCARD_PROTOCOL_T0'] === 'number' && typeof value['SCARD_SHARE_EXCLUSIVE'] === 'number';
}
