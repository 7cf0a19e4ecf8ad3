/**
 * The virtual devices of a simulated config, and the cardholder who uses
 * them. Each is the real driver on a virtual wire (`virtual-wire.ts`) to its
 * twin in `hw-mocks/`, made afresh on every plug-in of its `VirtualCable`
 * (which the simulator's unplug pulls), so the terminal reopens it exactly
 * as it reopens a real one. `src/app/devices.ts` keeps each open through the
 * same reconnector as a wired device.
 */
import { createMagtekHidReader } from '../../../drivers/magtek-hid/index.js';
import { MSR_DEFAULT_SERIAL } from '../../../drivers/msr-serial/kind.js';
import { createSerialMsrReader } from '../../../drivers/msr-serial/index.js';
import { createEmvContactReader } from '../../../drivers/pcsc/emv-contact-reader.js';
import { cardSlotOf } from '../../../drivers/pcsc/kind.js';
import { openPcscSlot, type PcscSlot } from '../../../drivers/pcsc/pcsc-slot.js';
import { listPcscReaders } from '../../../drivers/pcsc/reader-list.js';
import type { Attached } from '../../../drivers/reconnect/resilient-devices.js';
import type { ChipKernel } from '../../../drivers/shared/chip-kernel.js';
import type { ReaderAidSettings } from '../../../drivers/shared/device-kind.js';
import { VirtualCable } from '../../../drivers/reconnect/virtual-cable.js';
import { createHidMemoryPair } from '../../../drivers/transport/hid-memory.js';
import type { SerialTransportOptions } from '../../../drivers/transport/serial-transport.js';
import { createEscposPrinter } from '../../../drivers/escpos-printer/index.js';
import { ESCPOS_DEFAULT_SERIAL } from '../../../drivers/escpos-printer/kind.js';
import { createVfdDisplay } from '../../../drivers/vfd-display/index.js';
import { initializedVfd, VFD_DEFAULT_SERIAL } from '../../../drivers/vfd-display/kind.js';
import { createVerifonePinPad } from '../../../drivers/verifone-pinpad/index.js';
import { VERIFONE_DEFAULT_SERIAL } from '../../../drivers/verifone-pinpad/kind.js';
import { configureReader, describeInspection, inspectReader, readerConfigurationOf } from '../../../drivers/vivopay/configuration/index.js';
import { createVivopayReader } from '../../../drivers/vivopay/index.js';
import { VIVOPAY_DEFAULT_SERIAL } from '../../../drivers/vivopay/kind.js';
import type { Deck } from '../../../hw-mocks/cards/deck.js';
import { attachVirtualVfd } from '../../../hw-mocks/display/index.js';
import { attachEscposTwin, VirtualEscposPrinter } from '../../../hw-mocks/escpos-printer/index.js';
import { createVirtualMagtekReader, ENCRYPTING_REPORT_BYTES, MAGTEK_TWIN_IDS, simulationMagtekKeys } from '../../../hw-mocks/magtek/index.js';
import { VirtualSerialMsr } from '../../../hw-mocks/msr/virtual-serial-msr.js';
import { createVirtualPinPad, simulationPinpadKeys, type VirtualPinPad } from '../../../hw-mocks/pinpad/index.js';
import { configurationCommandsOf, type ConfigurationStore } from '../../../hw-mocks/vivopay/configuration-store.js';
import { createVirtualVivopay } from '../../../hw-mocks/vivopay/index.js';
import { storedContactlessKernel } from '../../../hw-mocks/vivopay/stored-contactless-kernel.js';
import { storedReaderKernel } from '../../../hw-mocks/vivopay/stored-reader-kernel.js';
import { usedReaderFlash } from '../../../hw-mocks/vivopay/used-reader-flash.js';
import { ensurePcscd } from '../../../hw-mocks/vpcd/pcscd-daemon.js';
import { claimVpcdSlot, type VpcdSlot } from '../../../hw-mocks/vpcd/vpcd-slot-lock.js';
import type { ReaderConfig } from '../../config/schema.js';
import type { CardReader } from '../../devices/card-reader.js';
import type { Capk } from '../../emv/kernel/config.js';
import type { Display } from '../../devices/display.js';
import type { PinPad } from '../../devices/pin-pad.js';
import type { Printer } from '../../devices/printer.js';
import type { Logger } from '../../log/logger.js';
import { PosError } from '../../util/errors.js';
import type { EcrRoutes } from '../ecr-server.js';
import { virtualCardholder, type ReaderTwin, type UnplugRequest } from './cardholder.js';
import { ContactSlotTwin, simulationCapks, simulationCas } from './contact-slot-twin.js';
import { simulatorRoutes } from './simulator-routes.js';
import { openVirtualWire, type VirtualWire } from './virtual-wire.js';

export type VirtualReaderModel = Extract<ReaderConfig, { type: 'virtual' }>['model'];
type Role = UnplugRequest['device'];

/** A virtual device as the reconnector keeps it: what it is called in logs, and an attach that makes wire, twin and driver. */
export interface VirtualDevice<D> {
  readonly target: string;
  attach(): Promise<Attached<D>>;
}

/** What the terminal holds of the simulation once the devices are open: the ECR API's simulator routes and the end of each transaction. */
export interface SimulatorHandle {
  readonly routes: EcrRoutes;
  /** The cardholder takes the card back. */
  transactionEnded(): void;
}

/** The virtual printer's paper and switches, for the demo and tests: what it printed, and running it out of paper. */
export type VirtualPrinterTwin = Pick<VirtualEscposPrinter, 'receipts' | 'printedReceipts' | 'uncut' | 'paperOut' | 'coverOpen' | 'goOffline'>;

export class VirtualBench {
  readonly #logger: Logger;
  readonly #deck: () => Deck;
  readonly #cables: Partial<Record<Role, VirtualCable<VirtualWire>>> = {};
  readonly #onClose: (() => void | Promise<void>)[] = [];
  /** The twins behind the current wires: a replugged device has fresh ones. */
  #readerTwin: ReaderTwin | undefined;
  #pinpadTwin: VirtualPinPad | undefined;
  #printerTwin: VirtualEscposPrinter | undefined;
  /** Whether any device was made virtual: only then is there a cardholder. */
  #inUse = false;
  /** The virtual PC/SC reader's slot now: the cardholder looks at it as at the reader's light. */
  #pcscSlot: PcscSlot | undefined;
  #vpcdReady: Promise<{ readonly slot: VpcdSlot; readonly twin: ContactSlotTwin }> | undefined;
  /** The virtual NEO 2's configuration (AIDs, CA keys, terminal data): its flash, kept across replugs. */
  readonly #neo2Configuration: ConfigurationStore;

  /**
   * `neo2Configuration`: the virtual NEO 2's flash as it comes (a test's tables); default a used
   * reader's (`usedReaderFlash`: another terminal's AID and Visa contactless limits), so every
   * simulated start shows the reader brought in line with the terminal's configuration.
   */
  constructor(options: { readonly logger: Logger; readonly deck: () => Deck; readonly neo2Configuration?: ConfigurationStore }) {
    this.#logger = options.logger;
    this.#deck = options.deck;
    this.#neo2Configuration = options.neo2Configuration ?? usedReaderFlash();
  }

  /** `reader: { type: "virtual", model }`: a serial MSR, a ViVOpay chip reader, or an encrypting MagTek. */
  reader(model: VirtualReaderModel, chipKernel: (extraCapks?: readonly Capk[]) => ChipKernel, readerAids: readonly ReaderAidSettings[] = []): VirtualDevice<CardReader> {
    this.#inUse = true;
    if (model === 'pcsc') return this.#pcsc(chipKernel);
    if (model === 'magtek-encrypting') return this.#magtek();
    const logger = this.#logger;
    if (model === 'chip') return this.#neo2(() => chipKernel(simulationCapks()), readerAids);
    const cable = this.#cable('reader', MSR_DEFAULT_SERIAL);
    return this.#onCable(cable, 'reader', (wire) => {
      const msr = new VirtualSerialMsr(wire.device);
      const armed = { stripe: 0 };
      this.#readerTwin = { kind: 'stripe', listening: () => armed.stripe > 0, swipe: (card) => msr.swipe(card) };
      return { device: watchedStripe(createSerialMsrReader(wire.host, { name: 'virtual-msr', logger }), armed), twinClose: () => msr.close() };
    });
  }

  /**
   * The virtual NEO 2, opened as a real one is (its kind): its flash (the
   * bench's configuration store) is first brought in line with the
   * terminal's AIDs, CA keys (with the simulation CAs that certify the
   * virtual cards), terminal data and contactless groups, then the driver
   * takes the wire. Both of its kernels, contact and contactless, run on
   * what that flash holds.
   */
  #neo2(chipKernel: () => ChipKernel, readerAids: readonly ReaderAidSettings[]): VirtualDevice<CardReader> {
    const cable = this.#cable('reader', VIVOPAY_DEFAULT_SERIAL);
    const logger = this.#logger;
    return {
      target: 'virtual:reader',
      attach: async () => {
        const wire = await cable.plugIn();
        const store = this.#neo2Configuration;
        // The twin's kernel runs on what its flash holds, read at each transaction.
        const chip = createVirtualVivopay(wire.device, {
          configuration: configurationCommandsOf(store),
          kernel: () => storedReaderKernel(store),
          contactless: { ca: simulationCas() },
          contactlessKernel: (aid) => storedContactlessKernel(store, aid),
        });
        this.#readerTwin = { kind: 'chip', chip };
        const release = () => wire.device.close().then(() => wire.close());
        try {
          const desired = readerConfigurationOf(chipKernel().config, readerAids);
          await configureReader(wire.host, desired, logger);
          // What `pos diag devices` would say of it now: its versions, and that its tables match.
          logger.info({ reader: describeInspection(await inspectReader(wire.host, desired)) }, 'virtual NEO 2 configured');
        } catch (err) {
          await release().catch(() => undefined);
          throw err;
        }
        return { device: createVivopayReader(wire.host, { name: 'virtual-chip-reader', logger, contactless: true }), transport: wire.host, release };
      },
    };
  }

  /** `pinpad: { type: "virtual", tipPrompt }`: a VeriFone pad loaded with the simulation's DUKPT key; `tipPrompt` names its tip prompt to the driver. */
  pinpad(tipPrompt?: number): VirtualDevice<PinPad> {
    this.#inUse = true;
    const logger = this.#logger;
    return this.#onCable(this.#cable('pinpad', VERIFONE_DEFAULT_SERIAL), 'pinpad', (wire) => {
      const twin = createVirtualPinPad(wire.device, simulationPinpadKeys());
      this.#pinpadTwin = twin;
      const prompt = tipPrompt !== undefined && { tipPrompt };
      return { device: createVerifonePinPad(wire.host, { name: 'virtual-pinpad', logger, ...prompt }), twinClose: () => wire.device.close() };
    });
  }

  /** `display: { type: "virtual" }`: a CD5220 twin that decodes the bytes back to the two lines a customer reads. */
  display(): VirtualDevice<Display> {
    this.#inUse = true;
    const cable = this.#cable('display', VFD_DEFAULT_SERIAL);
    return {
      target: 'virtual:display',
      attach: async () => {
        const wire = await cable.plugIn();
        const twin = attachVirtualVfd(wire.device, 'cd5220');
        return initializedVfd(createVfdDisplay(wire.host, { emulation: 'cd5220' }), wire.host, () => twin.close().then(() => wire.close()));
      },
    };
  }

  /**
   * `printer: { type: "virtual" }`: the ESC/POS driver on a virtual wire to
   * the printer twin, which reads the bytes back into receipts. One twin for
   * the bench: its paper (what it printed) outlives a replugged cable.
   */
  printer(columns: 32 | 42 | 48): VirtualDevice<Printer> {
    const twin = (this.#printerTwin ??= new VirtualEscposPrinter({ columns }));
    const cable = new VirtualCable('printer', () => openVirtualWire('printer', this.#logger, ESCPOS_DEFAULT_SERIAL));
    return {
      target: 'virtual:printer',
      attach: async () => {
        const wire = await cable.plugIn();
        const attached = attachEscposTwin(wire.device, twin);
        const device = createEscposPrinter(wire.host, { name: 'virtual-printer', columns, codePage: 'pc858', logger: this.#logger });
        return { device, transport: wire.host, release: () => attached.close().then(() => wire.close()) };
      },
    };
  }

  /** The virtual printer's twin, once `printer()` made it. */
  printerTwin(): VirtualPrinterTwin | undefined {
    return this.#printerTwin;
  }

  /**
   * A PC/SC contact reader with the terminal's own EMV kernel, and a serial
   * MSR paired with it for swipes and fallback: the real PC/SC driver on the
   * real pcscd (started here when it is not running), vpcd's slot claimed
   * for this process, and the cardholder's chips inserted into it. The
   * kernel trusts the simulation's CAs besides the configured CAPKs.
   */
  #pcsc(chipKernel: (extraCapks?: readonly Capk[]) => ChipKernel): VirtualDevice<CardReader> {
    const logger = this.#logger;
    const cable = this.#cable('reader', MSR_DEFAULT_SERIAL);
    return {
      target: 'virtual:pcsc',
      attach: async () => {
        const vpcd = await this.#vpcd();
        const kernel = chipKernel(simulationCapks());
        const wire = await cable.plugIn();
        const msr = new VirtualSerialMsr(wire.device);
        const release = (): Promise<void> => msr.close().then(() => wire.close());
        const stripe = createSerialMsrReader(wire.host, { name: 'virtual-msr', logger });
        let slot: PcscSlot;
        try {
          slot = await openPcscSlot({ readerPattern: new RegExp(`^${vpcd.slot.readerName}$`, 'u'), logger });
        } catch (error) {
          await stripe.close();
          await release();
          throw error;
        }
        this.#pcscSlot = slot;
        const armed = { stripe: 0 };
        this.#readerTwin = { kind: 'contact', contact: vpcd.twin, stripeListening: () => armed.stripe > 0, swipe: (card) => msr.swipe(card) };
        const device = createEmvContactReader({ slot: cardSlotOf(slot, 'virtual-pcsc'), kernel, stripe: watchedStripe(stripe, armed), logger });
        return { device, transport: wire.host, release };
      },
    };
  }

  /** pcscd running and one vpcd slot this process's alone, once; given back at `close()`. */
  #vpcd(): Promise<{ readonly slot: VpcdSlot; readonly twin: ContactSlotTwin }> {
    this.#vpcdReady ??= (async () => {
      const pcscd = await ensurePcscd();
      if (pcscd.status === 'unavailable') throw new PosError('PCSC_SERVICE_UNAVAILABLE', `The virtual PC/SC reader needs pcscd: ${pcscd.reason}`, { failure: 'no-service' });
      if (pcscd.started) this.#onClose.push(() => pcscd.stop());
      const slot = await claimVpcdSlot();
      const listing = await listPcscReaders();
      if (listing.status !== 'ok' || !listing.readers.some((r) => r.name === slot.readerName)) {
        slot.release();
        throw new PosError('PCSC_READER_NOT_FOUND', `pcscd has no "${slot.readerName}": vsmartcard-vpcd is not installed, or pcscd started before it was (restart pcscd)`, { readerName: slot.readerName });
      }
      const twin = new ContactSlotTwin({ port: slot.port, logger: this.#logger, readerSeesCard: () => this.#pcscSlot?.state().state === 'card-present' });
      // Last in, first out: the card comes out before the slot is given back and pcscd stops.
      this.#onClose.push(() => twin.remove().finally(() => slot.release()));
      return { slot, twin };
    })();
    return this.#vpcdReady;
  }

  /** The cardholder and the ECR routes that drive it; present once any device is virtual. */
  simulator(): SimulatorHandle | undefined {
    if (!this.#inUse) return undefined;
    const cardholder = virtualCardholder({
      deck: this.#deck,
      readerTwin: () => this.#readerTwin,
      pinpadTwin: () => this.#pinpadTwin,
      unplug: async (request) => {
        const cable = this.#cables[request.device];
        if (!cable) throw new PosError('ECR_BAD_REQUEST', `device: the ${request.device} is not virtual`, { fields: ['device'], problems: ['not a virtual device'] });
        this.#logger.info({ device: request.device, forMs: request.forMs ?? 0 }, 'simulator: cable pulled');
        await cable.unplug(request.forMs);
      },
    });
    return { routes: simulatorRoutes(cardholder, () => this.#printerTwin), transactionEnded: () => cardholder.transactionEnded() };
  }

  /** After the devices have closed: wipes the key copies the twins were given, takes a card out of vpcd and gives its slot back. */
  async close(): Promise<void> {
    for (const done of this.#onClose.splice(0).reverse()) await done();
  }

  /** The role's cable: each plug-in is a fresh wire whose driver end is at the device kind's line. */
  #cable(role: Role, line: Omit<SerialTransportOptions, 'path'>): VirtualCable<VirtualWire> {
    const cable = new VirtualCable(role, () => openVirtualWire(role, this.#logger, line));
    this.#cables[role] = cable;
    return cable;
  }

  /** An attach on `cable`: the wire, then the twin and driver on its ends; releasing closes the twin, then the wire. */
  #onCable<D>(cable: VirtualCable<VirtualWire>, role: Role, build: (wire: VirtualWire) => { device: D; twinClose: () => Promise<void> }): VirtualDevice<D> {
    return {
      target: `virtual:${role}`,
      attach: async () => {
        const wire = await cable.plugIn();
        const { device, twinClose } = build(wire);
        return { device, transport: wire.host, release: () => twinClose().then(() => wire.close()) };
      },
    };
  }

  /**
   * The encrypting MagTek reader (the real driver) and its twin over the
   * in-memory HID pair. The twin is injected with the simulator's BDK, so the
   * driver and the terminal see masked data and ciphertext only, and only the
   * host reads the tracks. Its DUKPT counter carries on across re-attaches, as
   * a real reader's does across power cycles (a KSN is never used twice).
   * Not on a `VirtualCable`: the simulator's unplug does not reach it yet.
   */
  #magtek(): VirtualDevice<CardReader> {
    const keys = simulationMagtekKeys();
    this.#onClose.push(() => {
      keys.bdk.fill(0);
    });
    let swipes = 0;
    return {
      target: 'virtual:magtek',
      attach: () => {
        const [host, port] = createHidMemoryPair({ ...MAGTEK_TWIN_IDS, inputReportBytes: ENCRYPTING_REPORT_BYTES });
        const magtek = createVirtualMagtekReader(port, { layout: 'encrypting', bdk: keys.bdk, initialKsnHex: keys.initialKsnHex, startCounter: swipes + 1 });
        const armed = { stripe: 0 };
        this.#readerTwin = {
          kind: 'stripe',
          listening: () => armed.stripe > 0,
          swipe: async (card) => {
            await magtek.swipe(card);
            swipes++;
          },
        };
        const device = watchedStripe(createMagtekHidReader(host, { name: 'virtual-magtek', layout: 'encrypting', logger: this.#logger }), armed);
        return Promise.resolve({ device, transport: host, release: () => magtek.close() });
      },
    };
  }
}

/**
 * The paired stripe reader, counting its armed reads: the cardholder swipes
 * when the terminal listens for a swipe, as a person reads "swipe card" on
 * the display (a serial MSR drops a swipe nobody listens for).
 */
function watchedStripe(stripe: CardReader, armed: { stripe: number }): CardReader {
  return {
    name: stripe.name,
    state: () => stripe.state(),
    close: () => stripe.close(),
    readCard: async (request, signal) => {
      armed.stripe++;
      try {
        return await stripe.readCard(request, signal);
      } finally {
        armed.stripe--;
      }
    },
  };
}
