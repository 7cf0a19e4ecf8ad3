/**
 * The printer the terminal holds for its whole life: the current driver of a
 * reconnecting core (`drivers/reconnect/`), as the reader, PIN pad and
 * display are. While the printer is gone every call rejects with
 * `DEVICE_DISCONNECTED`; a print spool keeps the job and tries again.
 */
import type { DeviceState } from '../../src/devices/card-reader.js';
import type { PrintJob, Printer, PrinterStatus } from '../../src/devices/printer.js';
import type { Resilient } from '../reconnect/resilient-devices.js';

export class ResilientPrinter implements Printer {
  readonly name: string;
  readonly columns: number;
  readonly #core: Resilient<Printer>;

  constructor(core: Resilient<Printer>) {
    const first = core.require();
    this.name = first.name;
    this.columns = first.columns;
    this.#core = core;
  }

  async status(): Promise<PrinterStatus> {
    return this.#core.require().status();
  }

  async print(job: PrintJob): Promise<void> {
    return this.#core.require().print(job);
  }

  state(): DeviceState {
    return this.#core.state();
  }

  close(): Promise<void> {
    return this.#core.close();
  }
}
