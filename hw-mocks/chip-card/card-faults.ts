/**
 * Card-side faults, as wrappers around any `ApduCard`, for the virtual
 * cardholder's moves that a well-behaved card never makes:
 *
 * - `unreadableChip`: every command answers 6F 00 (ISO/IEC 7816-4: no
 *   precise diagnosis), as a damaged chip or dirty contacts do — the
 *   terminal finds no application it can use and may fall back to the stripe;
 * - `declinesAtSecondAc`: the card gives an AAC at the second GENERATE AC
 *   whatever the terminal asked (Book 3 §9.3: the card may always answer
 *   with a lower cryptogram than requested) — after an online approval, the
 *   terminal must reverse it;
 * - `pulledAtSecondAc`: the cardholder pulls the card while the terminal
 *   completes: the second GENERATE AC is never answered and `pull` is called.
 */
import type { ApduCard } from './apdu-card.js';

const CLA_PROPRIETARY = 0x80;
const INS_GENERATE_AC = 0xae;
/** P1 of GENERATE AC: b8–b7 the cryptogram type (00 AAC), b5 CDA requested. */
const P1_TYPE_MASK = 0xc0;
const SW_NO_PRECISE_DIAGNOSIS = Buffer.from([0x6f, 0x00]);

function isGenerateAc(command: Buffer): boolean {
  return command.length >= 4 && command[0] === CLA_PROPRIETARY && command[1] === INS_GENERATE_AC;
}

/** Delegates to `card`, passing each GENERATE AC's ordinal since power-on to `onGenerateAc`. */
abstract class CardWrapper implements ApduCard {
  #generateAcs = 0;

  constructor(protected readonly card: ApduCard) {}

  get atr(): Buffer {
    return this.card.atr;
  }

  powerOn(): void {
    this.#generateAcs = 0;
    this.card.powerOn();
  }

  reset(): void {
    this.#generateAcs = 0;
    this.card.reset();
  }

  powerOff(): void {
    this.#generateAcs = 0;
    this.card.powerOff();
  }

  transmit(command: Buffer): Buffer | Promise<Buffer> {
    if (!isGenerateAc(command)) return this.card.transmit(command);
    this.#generateAcs++;
    return this.onGenerateAc(command, this.#generateAcs);
  }

  protected abstract onGenerateAc(command: Buffer, ordinal: number): Buffer | Promise<Buffer>;
}

class UnreadableChip implements ApduCard {
  constructor(readonly atr: Buffer) {}
  powerOn(): void {}
  reset(): void {}
  powerOff(): void {}
  transmit(): Buffer {
    return Buffer.from(SW_NO_PRECISE_DIAGNOSIS);
  }
}

class DeclinesAtSecondAc extends CardWrapper {
  protected onGenerateAc(command: Buffer, ordinal: number): Buffer | Promise<Buffer> {
    if (ordinal !== 2) return this.card.transmit(command);
    const lowered = Buffer.from(command);
    lowered[2] = (lowered[2] ?? 0) & ~P1_TYPE_MASK;
    return this.card.transmit(lowered);
  }
}

class PulledAtSecondAc extends CardWrapper {
  constructor(
    card: ApduCard,
    readonly pull: () => void,
  ) {
    super(card);
  }

  protected onGenerateAc(command: Buffer, ordinal: number): Buffer | Promise<Buffer> {
    if (ordinal !== 2) return this.card.transmit(command);
    this.pull();
    return new Promise<Buffer>(() => undefined);
  }
}

/** A card with `atr` whose chip answers nothing usable. */
export function unreadableChip(atr: Buffer): ApduCard {
  return new UnreadableChip(atr);
}

export function declinesAtSecondAc(card: ApduCard): ApduCard {
  return new DeclinesAtSecondAc(card);
}

export function pulledAtSecondAc(card: ApduCard, pull: () => void): ApduCard {
  return new PulledAtSecondAc(card, pull);
}
