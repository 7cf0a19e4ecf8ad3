/**
 * `Printer` for an ESC/POS receipt printer on any `ByteTransport` (a serial
 * line, a USB printer-class device file, a TCP socket to port 9100). The
 * driver takes its transport in the constructor; `kind.ts` opens it.
 *
 * Every call is one exchange at a time, in order:
 *
 *   status()  DLE EOT 1 → byte, DLE EOT 2 → byte, DLE EOT 3 → byte, DLE EOT 4 → byte
 *   print()   the four status questions, then — only if the printer can print
 *             (cover shut, paper present, on-line) — the job's bytes
 *
 * so a job the printer refuses (`PRINTER_COVER_OPEN`, `PRINTER_PAPER_OUT`,
 * `PRINTER_OFFLINE`) leaves no byte of it on the wire. A question not
 * answered within `statusTimeoutMs` rejects with `DEVICE_NO_ANSWER` (kind
 * `timeout`); an answer without the status bits' fixed pattern with
 * `PRINTER_STATUS_INVALID`. Bytes nobody asked for (a late answer, Automatic
 * Status Back) are dropped. A printer that stops answering DLE EOT (a
 * unidirectional USB or parallel link) cannot be printed to: that is said,
 * never guessed.
 */
import type { Logger } from 'pino';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { DeviceState } from '../../src/devices/card-reader.js';
import type { PrintJob, Printer, PrinterStatus } from '../../src/devices/printer.js';
import { PosError } from '../../src/util/errors.js';
import { DeviceLink } from '../shared/device-link.js';
import type { CodePageName } from './code-pages.js';
import { encodeJob, ESCPOS, type StatusRequest } from './commands.js';
import { decodeStatusByte, printerStatusOf, printRefusal, type StatusBytes } from './status.js';

/** How long a printer may take to answer one DLE EOT: they answer at once, even off-line; this covers a busy serial line. */
export const DEFAULT_STATUS_TIMEOUT_MS = 1000;

export interface EscposPrinterOptions {
  readonly name?: string;
  /** Characters per line in font A (32, 42, 48): what a receipt is laid out for. */
  readonly columns: number;
  readonly codePage: CodePageName;
  readonly statusTimeoutMs?: number;
  readonly logger: Logger;
}

interface PendingAnswer {
  readonly request: StatusRequest;
  readonly resolve: (byte: number) => void;
  readonly reject: (error: PosError) => void;
  readonly timer: NodeJS.Timeout;
}

export class EscposPrinter implements Printer {
  readonly name: string;
  readonly columns: number;
  readonly #transport: ByteTransport;
  readonly #codePage: CodePageName;
  readonly #statusTimeoutMs: number;
  readonly #link: DeviceLink;
  #pending: PendingAnswer | undefined;
  /** One exchange at a time: a status question is never interleaved with a job. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(transport: ByteTransport, options: EscposPrinterOptions) {
    this.name = options.name ?? `escpos:${transport.description}`;
    this.columns = options.columns;
    this.#transport = transport;
    this.#codePage = options.codePage;
    this.#statusTimeoutMs = options.statusTimeoutMs ?? DEFAULT_STATUS_TIMEOUT_MS;
    const log = options.logger.child({ device: this.name });
    this.#link = DeviceLink.over(transport, { name: this.name, log, role: 'printer', failPending: (error) => this.#settle()?.reject(error) }, (chunk) => this.#onData(chunk), () => undefined);
  }

  status(): Promise<PrinterStatus> {
    return this.#exclusive(async () => printerStatusOf(await this.#askAll()));
  }

  print(job: PrintJob): Promise<void> {
    return this.#exclusive(async () => {
      const refusal = printRefusal(this.name, await this.#askAll());
      if (refusal !== undefined) throw refusal;
      await this.#transport.write(encodeJob(job, { codePage: this.#codePage }));
    });
  }

  /** One DLE EOT `request` round trip, decoded (the probe's check). */
  realTimeStatus<N extends StatusRequest>(request: N): Promise<StatusBytes[N]> {
    return this.#exclusive(async () => decodeStatusByte(request, await this.#ask(request)));
  }

  state(): DeviceState {
    return this.#link.state;
  }

  close(): Promise<void> {
    return this.#link.close();
  }

  async #askAll(): Promise<StatusBytes> {
    return {
      1: decodeStatusByte(1, await this.#ask(1)),
      2: decodeStatusByte(2, await this.#ask(2)),
      3: decodeStatusByte(3, await this.#ask(3)),
      4: decodeStatusByte(4, await this.#ask(4)),
    };
  }

  #ask(request: StatusRequest): Promise<number> {
    this.#link.checkUsable();
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#settle();
        reject(new PosError('DEVICE_NO_ANSWER', `${this.name} did not answer DLE EOT ${request}`, { device: this.name, command: `DLE EOT ${request}`, attempts: 1, timeoutMs: this.#statusTimeoutMs }));
      }, this.#statusTimeoutMs);
      this.#pending = { request, resolve, reject, timer };
      this.#transport.write(Buffer.from(ESCPOS.transmitStatus(request))).catch((error: unknown) => {
        this.#settle()?.reject(error instanceof PosError ? error : new PosError('DEVICE_WRITE_FAILED', `Cannot write to ${this.name}`, { device: this.name }, { cause: error }));
      });
    });
  }

  #onData(chunk: Buffer): void {
    for (const byte of chunk) this.#settle()?.resolve(byte);
  }

  /** Takes the pending question (its timer stopped), if any. */
  #settle(): PendingAnswer | undefined {
    const pending = this.#pending;
    if (pending !== undefined) clearTimeout(pending.timer);
    this.#pending = undefined;
    return pending;
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

export function createEscposPrinter(transport: ByteTransport, options: EscposPrinterOptions): EscposPrinter {
  return new EscposPrinter(transport, options);
}
