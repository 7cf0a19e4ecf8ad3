/**
 * The virtual keyboard-emulation magstripe reader (device side): types a deck
 * card's swipe line as USB boot keyboard reports (HID 1.11 Appendix B.1;
 * usages from HID Usage Tables 1.12 §10, US layout), then ENTER.
 *
 *   press:   [modifiers: 0x02 for shifted][0x00][usage][0 × 5]
 *   release: [0x00 × 8]
 *
 * Its own character table: hw-mocks do not import drivers/.
 */
import { encodeTrack1, encodeTrack2 } from '../../src/card/track-encode.js';
import type { DeckCard } from '../cards/deck.js';
import type { HidDevicePort } from '../hid-memory.js';

export const KEYBOARD_TWIN_IDS = { vendorId: 0x0c2e, productId: 0x0b61 } as const; // a generic keyboard-wedge id pair for tests

const LEFT_SHIFT = 0x02; // modifier bit 1
const ENTER = 0x28; // Keyboard Return
const ERROR_ROLLOVER = 0x01;

const UNSHIFTED = "abcdefghijklmnopqrstuvwxyz1234567890\u0000\u0000\u0000\u0000 -=[]\\\u0000;'`,./";
const SHIFTED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ!@#$%^&*()\u0000\u0000\u0000\u0000 _+{}|\u0000:"~<>?';
const FIRST_USAGE = 0x04; // 'a'

/** [usage, shifted] for a character the US layout can type. */
export function keyFor(ch: string): [number, boolean] {
  let i = UNSHIFTED.indexOf(ch);
  if (ch !== '\u0000' && i >= 0) return [FIRST_USAGE + i, false];
  i = SHIFTED.indexOf(ch);
  if (ch !== '\u0000' && i >= 0) return [FIRST_USAGE + i, true];
  throw new RangeError(`cannot type character code ${ch.charCodeAt(0)}`);
}

const report = (modifiers: number, ...keys: number[]): Buffer => {
  const r = Buffer.alloc(8);
  r[0] = modifiers;
  keys.slice(0, 6).forEach((k, i) => (r[2 + i] = k));
  return r;
};

export type TypingStyle = 'press-release' | 'overlapped';

/** The reports that type `text` then ENTER. `overlapped` presses each key before releasing the last (2-key rollover). */
export function typeReports(text: string, style: TypingStyle = 'press-release'): Buffer[] {
  const out: Buffer[] = [];
  let held: number | undefined;
  for (const ch of text) {
    const [usage, shifted] = keyFor(ch);
    const mods = shifted ? LEFT_SHIFT : 0;
    if (style === 'overlapped' && held !== undefined && held !== usage) {
      out.push(report(mods, held, usage));
      out.push(report(mods, usage));
    } else {
      if (held !== undefined) out.push(report(0));
      out.push(report(mods, usage));
    }
    held = usage;
    if (style === 'press-release') {
      out.push(report(0));
      held = undefined;
    }
  }
  if (held !== undefined) out.push(report(0));
  out.push(report(0, ENTER), report(0));
  return out;
}

/** A report saying too many keys are down (ErrorRollOver in every slot). */
export function rolloverReport(): Buffer {
  return report(0, ERROR_ROLLOVER, ERROR_ROLLOVER, ERROR_ROLLOVER, ERROR_ROLLOVER, ERROR_ROLLOVER, ERROR_ROLLOVER);
}

/** The line a swipe of `card` types (a damaged stripe types a fragment, as with serial readers). */
export function keyboardSwipeLine(card: DeckCard): string {
  if (card.stripe === 'damaged') return encodeTrack2(card).subarray(1, 9).toString('latin1');
  return Buffer.concat([encodeTrack1(card), encodeTrack2(card)]).toString('latin1');
}

export class VirtualKeyboardMsr {
  readonly #port: HidDevicePort;
  readonly #style: TypingStyle;

  constructor(port: HidDevicePort, options: { readonly style?: TypingStyle } = {}) {
    this.#port = port;
    this.#style = options.style ?? 'press-release';
  }

  swipe(card: DeckCard): Promise<void> {
    return this.type(keyboardSwipeLine(card));
  }

  /** Types `text` then ENTER. */
  async type(text: string): Promise<void> {
    for (const r of typeReports(text, this.#style)) await this.#port.sendInputReport(0, r);
  }

  /** Sends reports exactly as given. */
  async sendReports(reports: readonly Uint8Array[]): Promise<void> {
    for (const r of reports) await this.#port.sendInputReport(0, r);
  }

  close(): Promise<void> {
    return this.#port.close();
  }
}

export function createVirtualKeyboardMsr(port: HidDevicePort, options: { readonly style?: TypingStyle } = {}): VirtualKeyboardMsr {
  return new VirtualKeyboardMsr(port, options);
}
