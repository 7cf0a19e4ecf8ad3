/**
 * The Terminal Verification Results (95) and the Transaction Status
 * Information (9B) the kernel builds as it goes, EMV 4.4 Book 3 Annex C5
 * and C6. Each bit has a name; a step sets the bits Book 3 says that step
 * sets, and nothing else (docs/emv-kernel.md has the table). Bits are
 * counted as the Books count them: byte 1 first, bit 8 the most significant.
 *
 * Two TVR bits are never set, for want of what would set them: "card
 * appears on terminal exception file" (the terminal keeps none) and "PIN try
 * limit exceeded" (only offline PIN learns it, and this terminal does none).
 * "Merchant forced transaction online" is set for a pre-authorization: a
 * hold only the host can place.
 */
type BitPosition = readonly [byte: number, bit: number];

export const TVR_BITS = {
  odaNotPerformed: [1, 8],
  sdaFailed: [1, 7],
  iccDataMissing: [1, 6],
  cardOnExceptionFile: [1, 5],
  ddaFailed: [1, 4],
  cdaFailed: [1, 3],
  sdaSelected: [1, 2],
  differentApplicationVersions: [2, 8],
  expiredApplication: [2, 7],
  applicationNotYetEffective: [2, 6],
  serviceNotAllowed: [2, 5],
  newCard: [2, 4],
  cardholderVerificationFailed: [3, 8],
  unrecognisedCvm: [3, 7],
  pinTryLimitExceeded: [3, 6],
  pinPadNotPresentOrNotWorking: [3, 5],
  pinNotEntered: [3, 4],
  onlinePinEntered: [3, 3],
  exceedsFloorLimit: [4, 8],
  lowerConsecutiveOfflineLimitExceeded: [4, 7],
  upperConsecutiveOfflineLimitExceeded: [4, 6],
  selectedRandomlyForOnline: [4, 5],
  merchantForcedOnline: [4, 4],
  defaultTdolUsed: [5, 8],
  issuerAuthenticationFailed: [5, 7],
  scriptFailedBeforeFinalAc: [5, 6],
  scriptFailedAfterFinalAc: [5, 5],
} as const satisfies Record<string, BitPosition>;

export const TSI_BITS = {
  odaPerformed: [1, 8],
  cardholderVerificationPerformed: [1, 7],
  cardRiskManagementPerformed: [1, 6],
  issuerAuthenticationPerformed: [1, 5],
  terminalRiskManagementPerformed: [1, 4],
  scriptProcessingPerformed: [1, 3],
} as const satisfies Record<string, BitPosition>;

export type TvrBit = keyof typeof TVR_BITS;
export type TsiBit = keyof typeof TSI_BITS;

/** A fixed-length register of named bits; starts all zero, as each transaction's TVR and TSI do (Book 3 §10.1). */
export class BitRegister<Name extends string> {
  readonly #bytes: Buffer;
  readonly #positions: Readonly<Record<Name, BitPosition>>;

  constructor(length: number, positions: Readonly<Record<Name, BitPosition>>) {
    this.#bytes = Buffer.alloc(length);
    this.#positions = positions;
  }

  set(name: Name): void {
    const [byte, bit] = this.#positions[name];
    this.#bytes[byte - 1] = (this.#bytes[byte - 1] as number) | (1 << (bit - 1));
  }

  has(name: Name): boolean {
    const [byte, bit] = this.#positions[name];
    return ((this.#bytes[byte - 1] as number) & (1 << (bit - 1))) !== 0;
  }

  /** The names of the bits that are set, in table order. */
  names(): Name[] {
    return (Object.keys(this.#positions) as Name[]).filter((name) => this.has(name));
  }

  /** A copy of the register's bytes. */
  bytes(): Buffer {
    return Buffer.from(this.#bytes);
  }
}

export type Tvr = BitRegister<TvrBit>;
export type Tsi = BitRegister<TsiBit>;

export function newTvr(): Tvr {
  return new BitRegister<TvrBit>(5, TVR_BITS);
}

export function newTsi(): Tsi {
  return new BitRegister<TsiBit>(2, TSI_BITS);
}
