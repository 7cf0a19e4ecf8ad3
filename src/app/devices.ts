/**
 * Devices from config: the card reader, the PIN pad and the customer display,
 * each either a real driver on its port or a driver talking to its virtual
 * twin over a virtual wire. The virtual cardholder (`CardholderSimulator`)
 * drives the twins for the ECR API's simulator routes and the demo.
 *
 * Each opened device is resilient (`drivers/reconnect/`): when it goes away
 * it is reopened with backoff — a real one by its path or HID ids, a virtual
 * one on a fresh wire with a fresh twin — so each case below is an `attach`
 * that opens the transport and builds the driver on it.
 */
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { CardReader } from '../devices/card-reader.js';
import type { Display } from '../devices/display.js';
import type { PinPad } from '../devices/pin-pad.js';
import { ConsoleDisplay } from '../display/console-display.js';
import { PosError } from '../util/errors.js';
import { createMagtekHidReader } from '../../drivers/magtek-hid/index.js';
import { createSerialMsrReader } from '../../drivers/msr-serial/index.js';
import type { DeviceKind } from '../../drivers/shared/device-kind.js';
import { createHidMemoryPair } from '../../drivers/transport/hid-memory.js';
import { createVfdDisplay } from '../../drivers/vfd-display/index.js';
import { initializedVfd } from '../../drivers/vfd-display/kind.js';
import { createVerifonePinPad } from '../../drivers/verifone-pinpad/index.js';
import { createVivopayReader } from '../../drivers/vivopay/index.js';
import { findCard, type Deck, type DeckCard } from '../../hw-mocks/cards/deck.js';
import { attachVirtualVfd } from '../../hw-mocks/display/index.js';
import { createVirtualMagtekReader, ENCRYPTING_REPORT_BYTES, MAGTEK_TWIN_IDS, simulationMagtekKeys } from '../../hw-mocks/magtek/index.js';
import { VirtualSerialMsr } from '../../hw-mocks/msr/virtual-serial-msr.js';
import { createVirtualPinPad, simulationPinpadKeys, type VirtualPinPad } from '../../hw-mocks/pinpad/index.js';
import { createVirtualVivopay, type VirtualVivopay } from '../../hw-mocks/vivopay/index.js';
import type { CardholderSimulator, PresentRequest, UnplugRequest } from './ecr-server.js';
import { Resilient, ResilientCardReader, ResilientDisplay, ResilientPinPad, type Attached, type ResilienceOptions } from '../../drivers/reconnect/resilient-devices.js';
import { VirtualCable } from '../../drivers/reconnect/virtual-cable.js';
import { openVirtualWire, type VirtualWire } from './virtual-wire.js';
import { DISPLAY_KINDS, kindOf, PINPAD_KINDS, READER_KINDS, realDeviceContext } from './device-kinds.js';

export interface Devices {
  readonly reader: CardReader;
  readonly pinpad: PinPad | undefined;
  readonly display: Display;
  /** Present when any device is virtual. */
  readonly cardholder: CardholderSimulator | undefined;
  /** Whether the reader is a virtual twin. */
  readonly virtualReader: boolean;
  close(): Promise<void>;
}

export interface DeviceOptions {
  readonly logger: Logger;
  readonly deck: () => Deck;
  readonly displayOut: Writable;
  readonly clock: () => Date;
  /** Backoff for reopening a device that went away (tests shorten it); default the reconnector's. */
  readonly reconnect?: ResilienceOptions;
}

type Closer = () => Promise<void>;
type Role = UnplugRequest['device'];
/** The virtual devices' cables, for the simulator's unplug. */
type Cables = Partial<Record<Role, VirtualCable<VirtualWire>>>;

export async function openDevices(config: Config, options: DeviceOptions): Promise<Devices> {
  const closers: Closer[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((err: unknown) => options.logger.warn({ err }, 'error while closing a device'));
  };
  try {
    const cables: Cables = {};
    const reader = await openReader(config, options, closers, cables);
    const pinpad = await openPinpad(config, options, closers, cables);
    const display = await openDisplay(config, options, closers, cables);
    const cardholder = reader.twin || pinpad.twin || cables.display ? cardholderFor(options, reader.twin, pinpad.twin, cables) : undefined;
    return { reader: reader.device, pinpad: pinpad.device, display, cardholder, virtualReader: reader.twin !== undefined, close };
  } catch (err) {
    await close();
    throw err;
  }
}

type ReaderTwin = { kind: 'msr'; msr: VirtualSerialMsr } | { kind: 'chip'; chip: VirtualVivopay } | { kind: 'magtek'; swipe: (card: DeckCard) => Promise<void> };

/** Opens a device through its `attach` and keeps it open from then on. */
async function resilient<D extends { readonly name: string; close(): Promise<void> }, W>(
  role: Role,
  target: string,
  attach: () => Promise<Attached<D>>,
  wrap: (core: Resilient<D>) => W & { close(): Promise<void> },
  { logger, reconnect }: DeviceOptions,
  closers: Closer[],
): Promise<W> {
  const core = await Resilient.open({ ...reconnect, role, target, attach, logger });
  const device = wrap(core);
  closers.push(() => device.close());
  return device;
}

/** A device of a wired kind, opened (and reopened) on its port by the kind. */
function openWired<C, D extends { readonly name: string; close(): Promise<void> }, W>(
  role: Role,
  kind: DeviceKind<C, D>,
  config: C,
  wrap: (core: Resilient<D>) => W & { close(): Promise<void> },
  options: DeviceOptions,
  closers: Closer[],
): Promise<W> {
  const context = realDeviceContext(options.logger);
  return resilient(role, kind.target(config), () => kind.open(config, context), wrap, options, closers);
}

async function openReader(config: Config, options: DeviceOptions, closers: Closer[], cables: Cables): Promise<{ device: CardReader; twin?: () => ReaderTwin | undefined }> {
  const { logger } = options;
  const r = config.devices.reader;
  const wrap = (core: Resilient<CardReader>) => new ResilientCardReader(core);
  switch (r.type) {
    case 'virtual': {
      if (r.model === 'magtek-encrypting') return openMagtekTwin(options, closers);
      const chip = r.model === 'chip';
      const cable = new VirtualCable('reader', () => (chip ? openVirtualWire('reader', logger, { baudRate: 115200 }) : openVirtualWire('reader', logger)));
      cables.reader = cable;
      // The cardholder reaches the twin of the current wire: a replugged reader has a fresh one.
      let twin: ReaderTwin | undefined;
      const attach = async (): Promise<Attached<CardReader>> => {
        const wire = await cable.plugIn();
        if (chip) {
          twin = { kind: 'chip', chip: createVirtualVivopay(wire.device) };
          const device = createVivopayReader(wire.host, { name: 'virtual-chip-reader', logger });
          return { device, transport: wire.host, release: () => wire.device.close().then(() => wire.close()) };
        }
        const msr = new VirtualSerialMsr(wire.device);
        twin = { kind: 'msr', msr };
        const device = createSerialMsrReader(wire.host, { name: 'virtual-msr', logger });
        return { device, transport: wire.host, release: () => msr.close().then(() => wire.close()) };
      };
      const device = await resilient('reader', 'virtual:reader', attach, wrap, options, closers);
      return { device, twin: () => twin };
    }
    default:
      return { device: await openWired('reader', kindOf(READER_KINDS, r), r, wrap, options, closers) };
  }
}

/**
 * The encrypting MagTek reader (the real driver) and its twin over the
 * in-memory HID pair. The twin is injected with the simulator's BDK, so the
 * driver and the terminal see masked data and ciphertext only, and only the
 * host reads the tracks. Its DUKPT counter carries on across re-attaches, as
 * a real reader's does across power cycles (a KSN is never used twice).
 * Not on a `VirtualCable`: the simulator's unplug does not reach it yet.
 */
async function openMagtekTwin(options: DeviceOptions, closers: Closer[]): Promise<{ device: CardReader; twin: () => ReaderTwin | undefined }> {
  const { logger } = options;
  const keys = simulationMagtekKeys();
  closers.push(() => {
    keys.bdk.fill(0);
    return Promise.resolve();
  });
  let swipes = 0;
  let twin: ReaderTwin | undefined;
  const attach = (): Promise<Attached<CardReader>> => {
    const [host, port] = createHidMemoryPair({ ...MAGTEK_TWIN_IDS, inputReportBytes: ENCRYPTING_REPORT_BYTES });
    const magtek = createVirtualMagtekReader(port, { layout: 'encrypting', bdk: keys.bdk, initialKsnHex: keys.initialKsnHex, startCounter: swipes + 1 });
    twin = {
      kind: 'magtek',
      swipe: async (card) => {
        await magtek.swipe(card);
        swipes++;
      },
    };
    const device = createMagtekHidReader(host, { name: 'virtual-magtek', layout: 'encrypting', logger });
    return Promise.resolve({ device, transport: host, release: () => magtek.close() });
  };
  const device = await resilient('reader', 'virtual:magtek', attach, (core) => new ResilientCardReader(core), options, closers);
  return { device, twin: () => twin };
}

async function openPinpad(config: Config, options: DeviceOptions, closers: Closer[], cables: Cables): Promise<{ device: PinPad | undefined; twin?: () => VirtualPinPad | undefined }> {
  const { logger } = options;
  const p = config.devices.pinpad;
  const wrap = (core: Resilient<PinPad>) => new ResilientPinPad(core);
  switch (p.type) {
    case 'none':
      return { device: undefined };
    case 'virtual': {
      const cable = new VirtualCable('pinpad', () => openVirtualWire('pinpad', logger, { baudRate: 1200, dataBits: 7, parity: 'even' }));
      cables.pinpad = cable;
      let twin: VirtualPinPad | undefined;
      const attach = async (): Promise<Attached<PinPad>> => {
        const wire = await cable.plugIn();
        twin = createVirtualPinPad(wire.device, simulationPinpadKeys());
        const device = createVerifonePinPad(wire.host, { name: 'virtual-pinpad', logger });
        return { device, transport: wire.host, release: () => wire.device.close().then(() => wire.close()) };
      };
      const device = await resilient('pinpad', 'virtual:pinpad', attach, wrap, options, closers);
      return { device, twin: () => twin };
    }
    default:
      return { device: await openWired('pinpad', kindOf(PINPAD_KINDS, p), p, wrap, options, closers) };
  }
}

async function openDisplay(config: Config, options: DeviceOptions, closers: Closer[], cables: Cables): Promise<Display> {
  const { logger, displayOut } = options;
  const d = config.devices.display;
  const wrap = (core: Resilient<Display>) => new ResilientDisplay(core, (err: unknown) => logger.warn({ err }, 'the reconnected display could not show the current screen'));
  switch (d.type) {
    case 'console':
      return new ConsoleDisplay(displayOut);
    case 'virtual': {
      // A CD5220 twin decodes the bytes back to the two lines a customer reads; they are echoed to the console.
      const cable = new VirtualCable('display', () => openVirtualWire('display', logger));
      cables.display = cable;
      const attach = async (): Promise<Attached<Display>> => {
        const wire = await cable.plugIn();
        const twin = attachVirtualVfd(wire.device, 'cd5220');
        const release = () => twin.close().then(() => wire.close());
        return initializedVfd(createVfdDisplay(wire.host, { emulation: 'cd5220' }), wire.host, release);
      };
      return resilient('display', 'virtual:display', attach, wrap, options, closers);
    }
    default:
      return openWired('display', kindOf(DISPLAY_KINDS, d), d, wrap, options, closers);
  }
}

/** The virtual cardholder: presents deck cards to the twin reader and types (or refuses) the PIN on the twin pad. */
function cardholderFor(
  options: DeviceOptions,
  readerTwin: (() => ReaderTwin | undefined) | undefined,
  pinpadTwin: (() => VirtualPinPad | undefined) | undefined,
  cables: Cables,
): CardholderSimulator {
  let pinIntent: string | undefined;
  // The pad whose prompt the cardholder waits for: a replugged pad is a new twin, waited for afresh.
  let answering: VirtualPinPad | undefined;
  return {
    async present(request: PresentRequest): Promise<void> {
      const card = findCard(options.deck(), request.card);
      if (!card) throw new PosError('ECR_BAD_REQUEST', `card: no deck card "${request.card}"`, { fields: ['card'], problems: ['no such deck card'] });
      const reader = readerTwin?.();
      if (!reader) throw new PosError('ECR_BAD_REQUEST', 'entry: the card reader is not virtual', { fields: ['entry'], problems: ['reader is real'] });
      const pinpad = pinpadTwin?.();
      if (pinpad) {
        // One intent per transaction, the latest move's: the cardholder answers the pad's prompt when it comes.
        pinIntent = request.pin ?? card.pin;
        if (answering !== pinpad) {
          answering = pinpad;
          void pinpad.waitForPrompt().then(() => {
            if (answering === pinpad) answering = undefined;
            const intent = pinIntent;
            pinIntent = undefined;
            if (intent === 'cancel') pinpad.pressCancel();
            else if (intent !== undefined && intent !== 'none') pinpad.enterPin(intent);
          });
        }
      }
      if (reader.kind === 'magtek') {
        if (request.entry !== 'swipe') throw new PosError('ECR_BAD_REQUEST', 'entry: the virtual reader reads stripes only', { fields: ['entry'], problems: ['swipe only'] });
        await reader.swipe(card);
        return;
      }
      if (reader.kind === 'msr') {
        if (request.entry !== 'swipe') throw new PosError('ECR_BAD_REQUEST', 'entry: the virtual reader reads stripes only', { fields: ['entry'], problems: ['swipe only'] });
        await reader.msr.swipe(card);
        return;
      }
      const chip = reader.chip;
      if (request.fault === 'decline-after-approval') chip.declineAfterApproval();
      if (request.fault === 'chip-failure') chip.failChip();
      if (request.entry === 'chip') {
        // An inserted card is seated: read at once, or by the next transaction.
        chip.insert(card.id);
        return;
      }
      // A swipe only counts while the reader waits for a card (it may be asking again: "swipe instead").
      await until(() => chip.waitingForCard, 5_000);
      chip.swipe(card.id, { chip: request.entry !== 'swipe-stripe-only' });
    },
    transactionEnded(): void {
      pinIntent = undefined;
      // The cardholder takes the card back, so the next transaction does not find it still seated.
      const reader = readerTwin?.();
      if (reader?.kind === 'chip') reader.chip.removeCard();
    },
    async unplug(request: UnplugRequest): Promise<void> {
      const cable = cables[request.device];
      if (!cable) throw new PosError('ECR_BAD_REQUEST', `device: the ${request.device} is not virtual`, { fields: ['device'], problems: ['not a virtual device'] });
      options.logger.info({ device: request.device, forMs: request.forMs ?? 0 }, 'simulator: cable pulled');
      await cable.unplug(request.forMs);
    },
  };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new PosError('ECR_BAD_REQUEST', 'The virtual reader is not waiting for a card', { fields: ['card'], problems: ['reader not armed'] });
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
