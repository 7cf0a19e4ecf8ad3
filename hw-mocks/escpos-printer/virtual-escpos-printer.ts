/**
 * A receipt printer as the ESC/POS document describes one (Epson "ESC/POS
 * Command Reference"), for a driver to talk to: it reads the byte stream
 * with its own command table (`escpos-commands.ts`), prints text into lines
 * with the emphasis, size and justification in force, wraps a line longer
 * than the paper, and ends a receipt at each cut, so a test reads exactly
 * what the customer holds. Streaming: a command may arrive split anywhere.
 *
 * Real-time commands are handled as they arrive, before and apart from the
 * print stream, as the document says (DLE EOT: "transmitted whenever the data
 * sequence of 10H 04H n is received", even off-line or with the buffer
 * full). A printer that cannot print (paper out, cover open, off-line) drops
 * what it is sent: nothing prints, and a later job starts afresh (ESC @).
 *
 * Status answers (DLE EOT n), bits 1 and 4 always on:
 *   n = 1: 0x08 off-line            n = 2: 0x04 cover open, 0x20 paper-end stop, 0x40 error
 *   n = 3: 0x08 autocutter error    n = 4: 0x0C paper near end, 0x60 paper end
 */
import { CODE_TABLES, COMMANDS, CR, DLE, EOT, HT, LF, type Action, type CommandSpec } from './escpos-commands.js';
import { decodeByte } from './code-tables.js';

export type Justification = 'left' | 'center' | 'right';

export interface PrintedLine {
  readonly text: string;
  readonly bold: boolean;
  readonly doubleWidth: boolean;
  readonly doubleHeight: boolean;
  readonly align: Justification;
}

export interface VirtualEscposPrinterOptions {
  /** Characters per line in font A at normal width; default 42. */
  readonly columns?: number;
  /** ESC t page at power-on and after ESC @ (memory switch); default 0 (PC437). */
  readonly defaultCodeTable?: number;
}

/** A command or byte the printer did not know, kept for a test to look at (the first few only). */
export interface UnknownBytes {
  readonly bytes: readonly number[];
}

const STATUS_FIXED = 0x12;
const MAX_UNKNOWN_KEPT = 64;
const JUSTIFICATIONS: Readonly<Record<number, Justification>> = { 0: 'left', 48: 'left', 1: 'center', 49: 'center', 2: 'right', 50: 'right' };

interface Modes {
  emphasis: boolean;
  widthTimes: number;
  heightTimes: number;
  align: Justification;
  codeTable: number;
}

export class VirtualEscposPrinter {
  readonly columns: number;
  readonly #defaultCodeTable: number;
  readonly #transmit = new Set<(bytes: Buffer) => void>();
  #modes: Modes;
  /** The line being filled, and the modes it started with. */
  #line = '';
  #lineModes: Modes | undefined;
  #current: PrintedLine[] = [];
  readonly #receipts: PrintedLine[][] = [];
  readonly #unknown: UnknownBytes[] = [];
  readonly #ignored: string[] = [];
  /** A command whose bytes have not all arrived. */
  #pending: number[] = [];
  /** The last two bytes received, for DLE EOT n across chunks. */
  #recent: number[] = [];
  #paperOut = false;
  #paperNearEnd = false;
  #coverOpen = false;
  #offline = false;
  #answers = true;
  #bytesDropped = 0;

  constructor(options: VirtualEscposPrinterOptions = {}) {
    this.columns = options.columns ?? 42;
    this.#defaultCodeTable = options.defaultCodeTable ?? 0;
    this.#modes = this.#powerOnModes();
  }

  /** What the printer sends back (status bytes): the wire it sits on subscribes. */
  onTransmit(listener: (bytes: Buffer) => void): () => void {
    this.#transmit.add(listener);
    return () => this.#transmit.delete(listener);
  }

  /** Bytes from the host, in order, split anywhere. */
  receive(chunk: Uint8Array): void {
    for (const byte of chunk) {
      this.#realTime(byte);
      if (this.canPrint()) this.#parse(byte);
      else this.#drop();
    }
  }

  /** Whether it prints what it is sent: paper in, cover shut, on-line. */
  canPrint(): boolean {
    return !this.#paperOut && !this.#coverOpen && !this.#offline;
  }

  paperOut(out: boolean): void {
    this.#paperOut = out;
  }

  paperNearEnd(near: boolean): void {
    this.#paperNearEnd = near;
  }

  coverOpen(open: boolean): void {
    this.#coverOpen = open;
  }

  goOffline(offline: boolean): void {
    this.#offline = offline;
  }

  /** `false`: DLE EOT goes unanswered, as on a one-way link. */
  answerStatus(answers: boolean): void {
    this.#answers = answers;
  }

  /** The receipts cut so far, each as the lines the customer reads. */
  receipts(): string[][] {
    return this.#receipts.map((r) => r.map((l) => l.text));
  }

  /** The receipts cut so far with each line's emphasis, size and justification. */
  printedReceipts(): PrintedLine[][] {
    return this.#receipts.map((r) => [...r]);
  }

  /** Lines printed since the last cut (still on the roll). */
  uncut(): PrintedLine[] {
    return [...this.#current];
  }

  unknownCommands(): readonly UnknownBytes[] {
    return [...this.#unknown];
  }

  /** Known commands the twin accepts without acting on them (underline, drawer pulse…), by name. */
  ignoredCommands(): readonly string[] {
    return [...this.#ignored];
  }

  /** How many bytes were dropped while the printer could not print. */
  bytesDropped(): number {
    return this.#bytesDropped;
  }

  /** The answer to DLE EOT `n` from the printer's state now. */
  statusByte(n: number): number | undefined {
    const offline = !this.canPrint();
    switch (n) {
      case 1:
        return STATUS_FIXED | (offline ? 0x08 : 0);
      case 2:
        return STATUS_FIXED | (this.#coverOpen ? 0x04 : 0) | (this.#paperOut ? 0x20 : 0);
      case 3:
        return STATUS_FIXED;
      case 4:
        return STATUS_FIXED | (this.#paperNearEnd || this.#paperOut ? 0x0c : 0) | (this.#paperOut ? 0x60 : 0);
      default:
        return undefined;
    }
  }

  #realTime(byte: number): void {
    const [a, b] = this.#recent;
    this.#recent = [b ?? -1, byte];
    if (a !== DLE || b !== EOT || !this.#answers) return;
    const answer = this.statusByte(byte);
    if (answer === undefined) return;
    const bytes = Buffer.of(answer);
    for (const listener of [...this.#transmit]) listener(bytes);
  }

  #drop(): void {
    this.#bytesDropped++;
    this.#pending = [];
  }

  #parse(byte: number): void {
    if (this.#pending.length === 0) {
      if (COMMANDS.has(byte)) this.#pending = [byte];
      else if (byte === LF) this.#printLine();
      else if (byte === CR) return;
      else if (byte === HT) this.#text(' ');
      else if (byte < 0x20 || byte === 0x7f) this.#keepUnknown([byte]);
      else this.#text(decodeByte(byte, CODE_TABLES[this.#modes.codeTable] ?? 'pc437'));
      return;
    }
    const [prefix, second] = this.#pending;
    const spec = prefix === undefined || second === undefined ? undefined : COMMANDS.get(prefix)?.get(second);
    if (second === undefined) {
      const next = prefix === undefined ? undefined : COMMANDS.get(prefix)?.get(byte);
      if (next === undefined) {
        this.#keepUnknown([...this.#pending, byte]);
        this.#pending = [];
        return;
      }
      this.#pending.push(byte);
      if (this.#paramsNeeded(next) === 0) this.#run();
      return;
    }
    this.#pending.push(byte);
    if (this.#pending.length - 2 >= this.#paramsNeeded(spec)) this.#run();
  }

  #paramsNeeded(spec: CommandSpec | undefined): number {
    if (spec === undefined) return Number.POSITIVE_INFINITY;
    if (typeof spec.params === 'number') return spec.params;
    const first = this.#pending[2];
    return first === undefined ? 1 : spec.params(first);
  }

  #run(): void {
    const [prefix, second, ...params] = this.#pending;
    this.#pending = [];
    const spec = prefix === undefined || second === undefined ? undefined : COMMANDS.get(prefix)?.get(second);
    if (spec !== undefined) this.#act(spec.action(params));
  }

  #act(action: Action): void {
    switch (action.kind) {
      case 'initialize':
        this.#modes = this.#powerOnModes();
        this.#line = '';
        this.#lineModes = undefined;
        return;
      case 'code-table':
        this.#modes.codeTable = action.n;
        return;
      case 'emphasis':
        this.#modes.emphasis = action.on;
        return;
      case 'print-mode':
        this.#modes.emphasis = (action.n & 0x08) !== 0;
        this.#modes.heightTimes = action.n & 0x10 ? 2 : 1;
        this.#modes.widthTimes = action.n & 0x20 ? 2 : 1;
        return;
      case 'character-size':
        this.#modes.widthTimes = ((action.n >> 4) & 0x07) + 1;
        this.#modes.heightTimes = (action.n & 0x07) + 1;
        return;
      case 'justification': {
        // Enabled only at the beginning of a line (standard mode).
        const align = JUSTIFICATIONS[action.n];
        if (align !== undefined && this.#line === '') this.#modes.align = align;
        return;
      }
      case 'feed-lines':
        this.#printLine();
        for (let i = 1; i < action.n; i++) this.#printLine();
        return;
      case 'cut':
        // Enabled only at the beginning of a line: a cut after unprinted text is ignored.
        if (this.#line !== '') {
          this.#ignored.push('GS V (not at the beginning of a line)');
          return;
        }
        this.#receipts.push(this.#current);
        this.#current = [];
        return;
      case 'real-time-status':
        return; // answered as it arrived
      case 'ignored':
        this.#ignored.push(action.name);
        return;
    }
  }

  #text(char: string): void {
    const width = Math.max(1, Math.floor(this.columns / (this.#lineModes?.widthTimes ?? 1)));
    // A character that does not fit prints the line and starts the next.
    if ([...this.#line].length >= width) this.#printLine();
    if (this.#line === '') this.#lineModes = { ...this.#modes };
    this.#line += char;
  }

  #printLine(): void {
    const modes = this.#lineModes ?? this.#modes;
    this.#current.push({ text: this.#line, bold: modes.emphasis, doubleWidth: modes.widthTimes > 1, doubleHeight: modes.heightTimes > 1, align: modes.align });
    this.#line = '';
    this.#lineModes = undefined;
  }

  #keepUnknown(bytes: number[]): void {
    if (this.#unknown.length < MAX_UNKNOWN_KEPT) this.#unknown.push({ bytes });
  }

  #powerOnModes(): Modes {
    return { emphasis: false, widthTimes: 1, heightTimes: 1, align: 'left', codeTable: this.#defaultCodeTable };
  }
}
