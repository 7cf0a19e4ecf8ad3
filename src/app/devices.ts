/**
 * Devices from config: the card reader, the PIN pad, the customer
 * display and the receipt printer. A wired device is opened by its kind (`device-kinds.ts`,
 * `drivers/<family>/kind.ts`) on its port; a virtual one by the simulation's
 * bench (`simulation/virtual-bench.ts`), the same driver on a virtual wire
 * to its twin; a console display and no PIN pad need nothing opened.
 *
 * Each opened device is resilient (`drivers/reconnect/`): when it goes away
 * it is reopened with backoff through the same attach that first opened it —
 * a real one by its path or HID ids, a virtual one on a fresh wire with a
 * fresh twin.
 */
import type { Writable } from 'node:stream';
import type { Config } from '../config/schema.js';
import type { CardReader } from '../devices/card-reader.js';
import type { Display } from '../devices/display.js';
import type { PinPad } from '../devices/pin-pad.js';
import type { Printer } from '../devices/printer.js';
import { ConsoleDisplay } from '../display/console-display.js';
import type { Capk } from '../emv/kernel/config.js';
import type { Logger } from '../log/logger.js';
import { PosError } from '../util/errors.js';
import { Resilient, ResilientCardReader, ResilientDisplay, ResilientPinPad, type Attached, type ResilienceOptions } from '../../drivers/reconnect/resilient-devices.js';
import type { ChipKernel } from '../../drivers/shared/chip-kernel.js';
import type { DeviceKind, ReaderAidSettings } from '../../drivers/shared/device-kind.js';
import { ResilientPrinter } from '../../drivers/escpos-printer/resilient-printer.js';
import { chipKernelOf } from './chip-kernel.js';
import { DISPLAY_KINDS, kindOf, PINPAD_KINDS, PRINTER_KINDS, READER_KINDS, realDeviceContext, type KindTable } from './device-kinds.js';
import type { Simulation, SimulatorHandle, VirtualBench, VirtualPrinterTwin } from './simulation/index.js';

export interface Devices {
  readonly reader: CardReader;
  readonly pinpad: PinPad | undefined;
  readonly display: Display;
  /** The receipt printer; null with `printer: { type: "none" }`. */
  readonly printer: Printer | null;
  /** The virtual printer's twin (what it printed, its paper): present with `printer: { type: "virtual" }`. */
  readonly printerTwin: VirtualPrinterTwin | undefined;
  /** The virtual cardholder's ECR routes and hooks: present when any device is virtual. */
  readonly simulator: SimulatorHandle | undefined;
  /** Whether the reader is a virtual twin. */
  readonly virtualReader: boolean;
  close(): Promise<void>;
}

export interface DeviceOptions {
  readonly logger: Logger;
  readonly displayOut: Writable;
  /** Loaded when the config names a virtual device (`loadSimulation`); null otherwise. */
  readonly simulation: Simulation | null;
  /** Backoff for reopening a device that went away (tests shorten it); default the reconnector's. */
  readonly reconnect?: ResilienceOptions;
}

type Closer = () => Promise<void>;
type Role = 'reader' | 'pinpad' | 'display' | 'printer';
interface Driver {
  readonly name: string;
  close(): Promise<void>;
}

export async function openDevices(config: Config, options: DeviceOptions): Promise<Devices> {
  const closers: Closer[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((err: unknown) => options.logger.warn({ err }, 'error while closing a device'));
  };
  try {
    const bench = options.simulation?.bench();
    if (bench) closers.push(() => bench.close());
    const virtual = (role: Role): VirtualBench => {
      if (bench === undefined) throw new PosError('INTERNAL', `devices.${role} is virtual but the simulation is not loaded (loadSimulation)`, { fields: [`devices.${role}`] });
      return bench;
    };
    const open = <D extends Driver, W>(role: Role, source: Source<D>, wrap: (core: Resilient<D>) => W & { close(): Promise<void> }) => keptOpen(role, source, wrap, options, closers);

    // One kernel a terminal, made on first use: its split-sales log must outlive a reopened reader.
    let kernel: ChipKernel | undefined;
    const chipKernel = (extraCapks: readonly Capk[] = []): ChipKernel => (kernel ??= chipKernelOf(config, { extraCapks }));

    const r = config.devices.reader;
    const readerSource = r.type === 'virtual' ? virtual('reader').reader(r.model, chipKernel, config.emv.aids) : wired(READER_KINDS, r, options, chipKernel, config.emv.aids);
    const reader = await open('reader', readerSource, (core) => new ResilientCardReader(core));

    const p = config.devices.pinpad;
    // Whether the pad takes amounts is the configuration's word, known while the pad is unplugged too.
    const wrapPinpad = (core: Resilient<PinPad>) => new ResilientPinPad(core, { takesAmounts: p.type !== 'none' && p.tipPrompt !== undefined });
    const pinpad = p.type === 'none' ? undefined : await open('pinpad', p.type === 'virtual' ? virtual('pinpad').pinpad(p.tipPrompt) : wired(PINPAD_KINDS, p, options, chipKernel, config.emv.aids), wrapPinpad);

    const d = config.devices.display;
    const wrapDisplay = (core: Resilient<Display>) => new ResilientDisplay(core, (err: unknown) => options.logger.warn({ err }, 'the reconnected display could not show the current screen'));
    const display = d.type === 'console' ? new ConsoleDisplay(options.displayOut) : await open('display', d.type === 'virtual' ? virtual('display').display() : wired(DISPLAY_KINDS, d, options, chipKernel, config.emv.aids), wrapDisplay);

    const pr = config.devices.printer;
    const wrapPrinter = (core: Resilient<Printer>) => new ResilientPrinter(core);
    const printer = pr.type === 'none' ? null : await open('printer', pr.type === 'virtual' ? virtual('printer').printer(pr.columns) : wired(PRINTER_KINDS, pr, options, chipKernel, config.emv.aids), wrapPrinter);

    return { reader, pinpad, display, printer, printerTwin: bench?.printerTwin(), simulator: bench?.simulator(), virtualReader: r.type === 'virtual', close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** What a device is opened from, and reopened from after a loss. */
interface Source<D> {
  /** What is opened (`/dev/ttyUSB0`, `hid:0801:0002`, `virtual:reader`), for logs. */
  readonly target: string;
  attach(): Promise<Attached<D>>;
}

/** A wired device: its kind opens it on the real port. */
function wired<C extends { readonly type: string }, D>(table: KindTable<C, D>, config: C, options: DeviceOptions, chipKernel: () => ChipKernel, readerAids: readonly ReaderAidSettings[]): Source<D> {
  const kind: DeviceKind<C, D> = kindOf(table, config);
  const context = realDeviceContext(options.logger, chipKernel, readerAids);
  return { target: kind.target(config), attach: () => kind.open(config, context) };
}

/** Opens a device through its source and keeps it open from then on. */
async function keptOpen<D extends Driver, W>(
  role: Role,
  source: Source<D>,
  wrap: (core: Resilient<D>) => W & { close(): Promise<void> },
  { logger, reconnect }: DeviceOptions,
  closers: Closer[],
): Promise<W> {
  const core = await Resilient.open({ ...reconnect, role, target: source.target, attach: () => source.attach(), logger });
  const device = wrap(core);
  closers.push(() => device.close());
  return device;
}
