/**
 * A whole receipt (heading in double size, bold total, alignment, a euro
 * sign, the cut) encoded to ESC/POS bytes: our encoder (a data table,
 * `drivers/escpos-printer/commands.ts`) beside node-thermal-printer and
 * @node-escpos/core, each building the same receipt in memory through its
 * own API, code page 858 where it has one. Neither peer is used by the
 * terminal (docs/protocols/escpos.md says why); this keeps the choice
 * measured. Before timing, each peer's bytes are checked to hold the
 * receipt's text and a cut; what differs from ours becomes a note.
 */
import { createRequire } from 'node:module';
import { encodeJob } from '../../drivers/escpos-printer/commands.js';
import type { PrintJob, PrintLine } from '../../src/devices/printer.js';
import { compare, type BenchOptions, type BenchSuite, type CaseResult } from '../harness.js';

const require = createRequire(import.meta.url);

// The peers' shapes, as far as this suite uses them.
interface ThermalPrinter {
  clear(): void;
  alignLeft(): void;
  alignCenter(): void;
  alignRight(): void;
  bold(on: boolean): void;
  setTextNormal(): void;
  setTextDoubleHeight(): void;
  println(text: string): void;
  cut(): void;
  getBuffer(): Buffer;
}
interface NodeThermalPrinter {
  ThermalPrinter: new (config: { type: string; characterSet: string; width: number }) => ThermalPrinter;
  PrinterTypes: { EPSON: string };
  CharacterSet: { PC858_EURO: string };
}
interface EscposPrinter {
  readonly buffer: { flush(): Buffer };
  align(align: 'lt' | 'ct' | 'rt'): EscposPrinter;
  style(style: 'b' | 'normal'): EscposPrinter;
  size(width: number, height: number): EscposPrinter;
  text(content: string): EscposPrinter;
  cut(): EscposPrinter;
}
interface NodeEscposCore {
  Printer: new (adapter: unknown, options: { encoding: string; width: number }) => EscposPrinter;
}

const RECEIPT: PrintJob = {
  cut: true,
  lines: [
    { text: 'MERCHANT', align: 'center', doubleSize: true },
    { text: '------------------------------------------' },
    { text: 'SALE' },
    { text: 'TID T0000001           MID M00000000000001' },
    { text: 'DATE 2026-12-04              TIME 19:03:13' },
    { text: '**** **** **** 1111' },
    { text: 'VISA                                  CHIP' },
    { text: 'AID                         A0000000031010' },
    { text: 'TVR 8088048000                    TSI 7800' },
    { text: 'AMOUNT                            27.50 €' },
    { text: 'TIP                                4.00 €' },
    { text: 'TOTAL                             31.50 €', bold: true },
    { text: 'PIN VERIFIED' },
    { text: 'AUTH CODE                           A00001' },
    { text: 'APPROVED', align: 'center', bold: true },
    { text: 'CUSTOMER COPY', align: 'center' },
  ],
};

function withThermalPrinter(peer: NodeThermalPrinter): () => Buffer {
  const printer = new peer.ThermalPrinter({ type: peer.PrinterTypes.EPSON, characterSet: peer.CharacterSet.PC858_EURO, width: 42 });
  return () => {
    printer.clear();
    for (const line of RECEIPT.lines) {
      align(line, () => printer.alignLeft(), () => printer.alignCenter(), () => printer.alignRight());
      printer.bold(line.bold === true);
      if (line.doubleSize === true) printer.setTextDoubleHeight();
      else printer.setTextNormal();
      printer.println(line.text);
    }
    printer.cut();
    return printer.getBuffer();
  };
}

function withEscposCore(peer: NodeEscposCore): () => Buffer {
  // No adapter is opened: the receipt is only built into the printer's buffer.
  const printer = new peer.Printer({}, { encoding: 'CP858', width: 42 });
  return () => {
    for (const line of RECEIPT.lines) {
      printer.align(line.align === 'center' ? 'ct' : line.align === 'right' ? 'rt' : 'lt');
      printer.style(line.bold === true ? 'b' : 'normal');
      printer.size(line.doubleSize === true ? 2 : 1, line.doubleSize === true ? 2 : 1);
      printer.text(line.text);
    }
    printer.cut();
    return printer.buffer.flush();
  };
}

function align(line: PrintLine, left: () => void, center: () => void, right: () => void): void {
  if (line.align === 'center') center();
  else if (line.align === 'right') right();
  else left();
}

/** What a peer's bytes lack of the receipt (its text, the euro sign in code page 858, a GS V cut). */
function lacks(bytes: Buffer): string[] {
  const latin = bytes.toString('latin1');
  const missing = RECEIPT.lines.map((l) => l.text.replace(/€/g, '\xd5')).filter((text) => !latin.includes(text));
  if (!bytes.includes(Buffer.from([0x1d, 0x56]))) missing.push('the cut (GS V)');
  return missing;
}

export const suite: BenchSuite = {
  name: 'escpos',
  async run(options: BenchOptions) {
    const notes: string[] = [];
    const ours = () => encodeJob(RECEIPT, { codePage: 'pc858' });
    if (lacks(ours()).length > 0) throw new Error(`our encoder lacks ${lacks(ours()).join(', ')}`);
    const peers = [
      { name: 'node-thermal-printer', fn: withThermalPrinter(require('node-thermal-printer') as NodeThermalPrinter) },
      { name: '@node-escpos/core', fn: withEscposCore((await import('@node-escpos/core')) as unknown as NodeEscposCore) },
    ];
    for (const peer of peers) {
      const missing = lacks(peer.fn());
      notes.push(`${peer.name}: ${peer.fn().length} bytes against our ${ours().length}${missing.length === 0 ? '' : `; lacks ${missing.join(', ')}`}`);
    }
    const cases: CaseResult[] = [await compare('escpos', 'encode a 16-line receipt', { name: 'ours', fn: ours }, peers, options)];
    return { suite: 'escpos', cases, notes };
  },
};
