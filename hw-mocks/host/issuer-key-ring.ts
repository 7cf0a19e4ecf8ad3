/**
 * The simulated issuer's keys in the form it uses them on every request.
 * A real host hands them to an HSM that holds them loaded; here they are
 * node:crypto cipher objects made once per key instead of once per
 * operation — OpenSSL's cipher set-up costs more than the few blocks each
 * request enciphers under a key (see `src/crypto/cipher/tdes-key.ts`):
 *
 *   MAC      each terminal's TAK as a `RetailMacKey` (the shared TAK until
 *            the terminal's first key change)
 *   PIN      the TDES BDK as a `TdesDukptHost`: every KSN is still derived
 *            from the BDK; only the BDK's own cipher objects are kept. A
 *            request's PIN key may be derived ahead on the I/O thread and
 *            offered here for its batch (`offerPinKey`); it is used once
 *   ARQC     each card's issuer master key as a `TdesEcbKey`, made on first use
 *
 * The byte keys stay in `SimulationKeys`; the bytes of a TAK installed by a
 * key change are kept too, for their KCV.
 */
import { TdesEcbKey } from '../../src/crypto/cipher/tdes-key.js';
import { TdesDukptHost } from '../../src/crypto/dukpt/tdes.js';
import { RetailMacKey } from '../../src/crypto/mac/retail-mac-key.js';
import type { SimulationKeys } from '../keys/simulation-keys.js';

/** Where PIN keys derived ahead on another thread go, and are forgotten once their batch is answered (`IssuerHost.pinKeySink`). */
export interface PinKeySink {
  offer(ksn: Buffer, pinKey: Buffer): void;
  forget(): void;
}

interface TerminalMacKey {
  readonly bytes: Buffer;
  readonly key: RetailMacKey;
}

export class IssuerKeyRing {
  readonly dukpt: TdesDukptHost;
  readonly #keys: SimulationKeys;
  readonly #sharedMacKey: RetailMacKey;
  readonly #terminalMacKeys = new Map<string, TerminalMacKey>();
  readonly #issuerMasterKeys = new Map<string, TdesEcbKey | null>();
  /** PIN keys derived ahead on another thread, by KSN (hex); see `offerPinKey`. */
  readonly #offeredPinKeys = new Map<string, Buffer>();

  constructor(keys: SimulationKeys) {
    this.#keys = keys;
    this.dukpt = new TdesDukptHost(keys.tdesBdk);
    this.#sharedMacKey = new RetailMacKey(keys.tak);
  }

  /** The MAC key a terminal's messages are checked and answered under now. */
  macKey(terminalId: string | undefined): RetailMacKey {
    return (terminalId === undefined ? undefined : this.#terminalMacKeys.get(terminalId)?.key) ?? this.#sharedMacKey;
  }

  /** The TAK bytes a terminal holds now (a view, for its KCV). */
  macKeyBytes(terminalId: string): Buffer {
    return this.#terminalMacKeys.get(terminalId)?.bytes ?? this.#keys.tak;
  }

  /** A key change: the terminal's messages go under `tak` from now on; its previous key's bytes are wiped. */
  installMacKey(terminalId: string, tak: Buffer): void {
    this.#terminalMacKeys.get(terminalId)?.bytes.fill(0);
    this.#terminalMacKeys.set(terminalId, { bytes: tak, key: new RetailMacKey(tak) });
  }

  /**
   * The DUKPT PIN key for a KSN: one derived ahead for it (taken, so used
   * once), else derived from the BDK now. The caller wipes it.
   */
  pinKey(ksn: Buffer): Buffer {
    const hex = ksn.toString('hex');
    const offered = this.#offeredPinKeys.get(hex);
    if (offered === undefined) return this.dukpt.workingKey(ksn, 'pin');
    this.#offeredPinKeys.delete(hex);
    return offered;
  }

  /** A PIN key derived ahead from this ring's BDK (the simulator's I/O thread does it for a batch of requests). */
  offerPinKey(ksn: Buffer, pinKey: Buffer): void {
    this.#offeredPinKeys.get(ksn.toString('hex'))?.fill(0);
    this.#offeredPinKeys.set(ksn.toString('hex'), pinKey);
  }

  /** Wipes and drops every offered key not taken (their requests were refused before the PIN check). */
  forgetOfferedPinKeys(): void {
    for (const key of this.#offeredPinKeys.values()) key.fill(0);
    this.#offeredPinKeys.clear();
  }

  /** A deck card's issuer master key; undefined for a card with none. */
  issuerMasterKey(cardId: string): TdesEcbKey | undefined {
    let key = this.#issuerMasterKeys.get(cardId);
    if (key === undefined) {
      const bytes = this.#keys.issuerMasterKey(cardId);
      key = bytes === undefined ? null : new TdesEcbKey(bytes);
      this.#issuerMasterKeys.set(cardId, key);
    }
    return key ?? undefined;
  }
}
