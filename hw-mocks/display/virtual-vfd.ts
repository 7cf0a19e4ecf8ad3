/**
 * The virtual customer display (device side): decodes the bytes a driver
 * sends — CD5220 standard mode or Epson ESC/POS display commands — back into
 * the two 20-character lines a customer would read, with its own command
 * tables (hw-mocks do not import drivers/). Streaming: a command may arrive
 * split anywhere. Unknown command bytes are counted and skipped, as a
 * display would ignore them.
 *
 * Sources: CD5220 User's Manual §6.1 "CD5220 standard mode command list";
 * Epson ESC/POS customer display commands (ESC @, CLR, CAN, US $, US X,
 * US MD1, US C, US @, ESC t).
 */
import type { ByteTransport } from '../../src/devices/byte-transport.js';

export type VirtualVfdEmulation = 'cd5220' | 'epson';

const COLUMNS = 20;
const ROWS = 2;
const ESC = 0x1b;
const US = 0x1f;
const CR = 0x0d;

/** Upper-half bytes back to characters: PC437 (CD5220 units) and PC858 (Epson ESC t 19), the parts the driver uses. */
const PC437_UPPER: Readonly<Record<number, string>> = {
  0x80: 'Ç', 0x81: 'ü', 0x82: 'é', 0x83: 'â', 0x84: 'ä', 0x85: 'à', 0x86: 'å', 0x87: 'ç', 0x88: 'ê', 0x89: 'ë', 0x8a: 'è',
  0x8b: 'ï', 0x8c: 'î', 0x8d: 'ì', 0x8e: 'Ä', 0x8f: 'Å', 0x90: 'É', 0x93: 'ô', 0x94: 'ö', 0x95: 'ò', 0x96: 'û', 0x97: 'ù',
  0x99: 'Ö', 0x9a: 'Ü', 0x9c: '£', 0x9d: '¥', 0xa0: 'á', 0xa1: 'í', 0xa2: 'ó', 0xa3: 'ú', 0xa4: 'ñ', 0xa5: 'Ñ', 0xe1: 'ß',
};
const PC858_UPPER: Readonly<Record<number, string>> = { ...PC437_UPPER, 0xd5: '€' };

type Action = (display: VirtualVfd, params: readonly number[]) => void;

interface CommandSpec {
  readonly prefix: readonly number[];
  /** Parameter bytes after the prefix, or `cr` for text up to CR. */
  readonly params: number | 'cr';
  readonly action: Action;
}

const COMMON: readonly CommandSpec[] = [
  { prefix: [ESC, 0x40], params: 0, action: (d) => d.reset() }, // ESC @
  { prefix: [0x0c], params: 0, action: (d) => d.clear() }, // CLR
  { prefix: [0x18], params: 0, action: (d) => d.clearLine() }, // CAN
  { prefix: [0x0b], params: 0, action: (d) => d.moveTo(1, 1) }, // HOM
  { prefix: [CR], params: 0, action: (d) => d.moveTo(1, d.row) }, // CR: left-most
  { prefix: [0x0a], params: 0, action: (d) => d.moveTo(d.column, d.row === 1 ? 2 : 2) }, // LF: down
  { prefix: [0x08], params: 0, action: (d) => d.moveTo(Math.max(1, d.column - 1), d.row) }, // BS
  { prefix: [0x09], params: 0, action: (d) => d.advance() }, // HT
];

const TABLES: Readonly<Record<VirtualVfdEmulation, { commands: readonly CommandSpec[]; upper: Readonly<Record<number, string>> }>> = {
  cd5220: {
    upper: PC437_UPPER,
    commands: [
      ...COMMON,
      { prefix: [ESC, 0x11], params: 0, action: (d) => (d.mode = 'overwrite') }, // ESC DC1
      { prefix: [ESC, 0x12], params: 0, action: (d) => (d.mode = 'vertical') }, // ESC DC2
      { prefix: [ESC, 0x13], params: 0, action: (d) => (d.mode = 'horizontal') }, // ESC DC3
      { prefix: [ESC, 0x6c], params: 2, action: (d, [x, y]) => d.moveTo(x ?? 1, y ?? 1) }, // ESC l x y
      { prefix: [ESC, 0x2a], params: 1, action: (d, [n]) => (d.brightness = n ?? 4) }, // ESC * n
      { prefix: [ESC, 0x5f], params: 1, action: (d, [n]) => (d.cursorOn = n === 1) }, // ESC _ n
      { prefix: [ESC, 0x66], params: 1, action: (d, [n]) => (d.characterSet = String.fromCharCode(n ?? 0x55)) }, // ESC f n
      { prefix: [ESC, 0x63], params: 1, action: () => undefined }, // ESC c n
      { prefix: [ESC, 0x3d], params: 1, action: () => undefined }, // ESC = n
      { prefix: [ESC, 0x51, 0x41], params: 'cr', action: (d, text) => d.writeLine(1, text) }, // ESC Q A … CR
      { prefix: [ESC, 0x51, 0x42], params: 'cr', action: (d, text) => d.writeLine(2, text) }, // ESC Q B … CR
      { prefix: [ESC, 0x5b, 0x48], params: 0, action: (d) => d.moveTo(1, 1) }, // ESC [ H
    ],
  },
  epson: {
    upper: PC858_UPPER,
    commands: [
      ...COMMON,
      { prefix: [US, 0x01], params: 0, action: (d) => (d.mode = 'overwrite') }, // US MD1
      { prefix: [US, 0x02], params: 0, action: (d) => (d.mode = 'vertical') }, // US MD2
      { prefix: [US, 0x03], params: 0, action: (d) => (d.mode = 'horizontal') }, // US MD3
      { prefix: [US, 0x24], params: 2, action: (d, [x, y]) => d.moveTo(x ?? 1, y ?? 1) }, // US $ x y
      { prefix: [US, 0x58], params: 1, action: (d, [n]) => (d.brightness = n ?? 4) }, // US X n
      { prefix: [US, 0x43], params: 1, action: (d, [n]) => (d.cursorOn = n === 1) }, // US C n
      { prefix: [US, 0x40], params: 0, action: (d) => d.selfTest() }, // US @
      { prefix: [ESC, 0x74], params: 1, action: (d, [n]) => (d.codeTable = n ?? 0) }, // ESC t n
    ],
  },
};

const MAX_COMMAND_BYTES = 64;

export class VirtualVfd {
  readonly emulation: VirtualVfdEmulation;
  mode: 'overwrite' | 'vertical' | 'horizontal' = 'overwrite';
  brightness = 4;
  cursorOn = true;
  characterSet = 'U';
  codeTable = 0;
  row = 1;
  column = 1;
  /** Bytes that started no known command (skipped). */
  unknownBytes = 0;
  selfTests = 0;
  readonly #cells: string[][];
  readonly #commands: readonly CommandSpec[];
  readonly #upper: Readonly<Record<number, string>>;
  #pending: number[] = [];
  readonly #listeners = new Set<() => void>();

  constructor(emulation: VirtualVfdEmulation) {
    this.emulation = emulation;
    this.#commands = TABLES[emulation].commands;
    this.#upper = TABLES[emulation].upper;
    this.#cells = Array.from({ length: ROWS }, () => new Array<string>(COLUMNS).fill(' '));
  }

  /** The two lines as a customer reads them, 20 characters each. */
  lines(): [string, string] {
    return [this.#cells[0]!.join(''), this.#cells[1]!.join('')];
  }

  /** Called after each chunk that changed anything. */
  onUpdate(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  push(chunk: Uint8Array): void {
    for (const byte of chunk) this.#byte(byte);
    for (const l of [...this.#listeners]) l();
  }

  reset(): void {
    this.clear();
    this.mode = 'overwrite';
    this.brightness = 4;
    this.cursorOn = true;
    this.codeTable = 0;
    this.characterSet = 'U';
  }

  clear(): void {
    for (const row of this.#cells) row.fill(' ');
    this.moveTo(1, 1);
  }

  clearLine(): void {
    this.#cells[this.row - 1]!.fill(' ');
    this.moveTo(1, this.row);
  }

  moveTo(column: number, row: number): void {
    this.column = Math.min(Math.max(column, 1), COLUMNS);
    this.row = Math.min(Math.max(row, 1), ROWS);
  }

  advance(): void {
    if (this.column < COLUMNS) {
      this.column++;
      return;
    }
    // Overwrite mode: wrap to the next row, from the last row to the first.
    this.column = 1;
    this.row = this.row === ROWS ? 1 : this.row + 1;
  }

  writeLine(row: number, bytes: readonly number[]): void {
    const cells = this.#cells[row - 1]!;
    cells.fill(' ');
    bytes.slice(0, COLUMNS).forEach((b, i) => (cells[i] = this.#char(b)));
  }

  selfTest(): void {
    this.selfTests++;
  }

  #byte(byte: number): void {
    this.#pending.push(byte);
    const pending = this.#pending;
    if (pending.length === 1 && byte >= 0x20 && byte !== 0x7f) {
      this.#pending = [];
      this.#cells[this.row - 1]![this.column - 1] = this.#char(byte);
      this.advance();
      return;
    }
    const candidates = this.#commands.filter((c) => c.prefix.every((p, i) => i >= pending.length || pending[i] === p));
    if (candidates.length === 0 || pending.length > MAX_COMMAND_BYTES) {
      // Not a command: skip the first byte and rescan the rest.
      this.unknownBytes++;
      const rest = pending.slice(1);
      this.#pending = [];
      for (const b of rest) this.#byte(b);
      return;
    }
    for (const c of candidates) {
      if (pending.length < c.prefix.length) continue;
      const params = pending.slice(c.prefix.length);
      const complete = c.params === 'cr' ? params.at(-1) === CR : params.length === c.params;
      if (complete) {
        this.#pending = [];
        c.action(this, c.params === 'cr' ? params.slice(0, -1) : params);
        return;
      }
    }
  }

  #char(byte: number): string {
    if (byte >= 0x20 && byte <= 0x7e) return String.fromCharCode(byte);
    return this.#upper[byte] ?? '?';
  }
}

/** A virtual display reading from its end of a wire (a pty end, a memory pair end). */
export function attachVirtualVfd(transport: ByteTransport, emulation: VirtualVfdEmulation): { display: VirtualVfd; close(): Promise<void> } {
  const display = new VirtualVfd(emulation);
  const off = transport.onData((chunk) => display.push(chunk));
  return {
    display,
    close: async () => {
      off();
      await transport.close();
    },
  };
}

/** Resolves once the display shows `lines` (after the next update that makes it so). */
export function waitForLines(display: VirtualVfd, lines: readonly [string, string]): Promise<void> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const [a, b] = display.lines();
      return a === lines[0] && b === lines[1];
    };
    if (check()) return resolve();
    const off = display.onUpdate(() => {
      if (check()) {
        off();
        resolve();
      }
    });
  });
}
