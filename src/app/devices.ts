/**
 * Devices from config: the card reader, the PIN pad and the customer display,
 * each either a real driver on its port or a driver talking to its virtual
 * twin over a virtual wire. The virtual cardholder (`CardholderSimulator`)
 * drives the twins for the ECR API's simulator routes and the demo.
 */
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { CardReader } from '../devices/card-reader.js';
import type { Display } from '../devices/display.js';
import type { PinPad } from '../devices/pin-pad.js';
import { ConsoleDisplay } from '../display/console-display.js';
import { PosError } from '../util/errors.js';
import { openKeyboardMsrReader } from '../../drivers/keyboard-msr/index.js';
import { openMagtekHidReader } from '../../drivers/magtek-hid/index.js';
import { createSerialMsrReader, openSerialMsrReader } from '../../drivers/msr-serial/index.js';
import { createVfdDisplay, openVfdDisplay } from '../../drivers/vfd-display/index.js';
import { createVerifonePinPad, openVerifonePinPad } from '../../drivers/verifone-pinpad/index.js';
import { createVivopayReader, openVivopayHidReader, openVivopayReader } from '../../drivers/vivopay/index.js';
import { findCard, type Deck } from '../../hw-mocks/cards/deck.js';
import { attachVirtualVfd } from '../../hw-mocks/display/index.js';
import { VirtualSerialMsr } from '../../hw-mocks/msr/virtual-serial-msr.js';
import { createVirtualPinPad, simulationPinpadKeys, type VirtualPinPad } from '../../hw-mocks/pinpad/index.js';
import { createVirtualVivopay, type VirtualVivopay } from '../../hw-mocks/vivopay/index.js';
import type { CardholderSimulator, PresentRequest } from './ecr-server.js';
import { openVirtualWire } from './virtual-wire.js';

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
}

type Closer = () => Promise<void>;

export async function openDevices(config: Config, options: DeviceOptions): Promise<Devices> {
  const closers: Closer[] = [];
  const close = async () => {
    for (const c of closers.splice(0).reverse()) await c().catch((err: unknown) => options.logger.warn({ err }, 'error while closing a device'));
  };
  try {
    const reader = await openReader(config, options, closers);
    const pinpad = await openPinpad(config, options, closers);
    const display = await openDisplay(config, options, closers);
    const cardholder = reader.twin || pinpad.twin ? cardholderFor(options, reader.twin, pinpad.twin) : undefined;
    return { reader: reader.device, pinpad: pinpad.device, display, cardholder, virtualReader: reader.twin !== undefined, close };
  } catch (err) {
    await close();
    throw err;
  }
}

type ReaderTwin = { kind: 'msr'; msr: VirtualSerialMsr } | { kind: 'chip'; chip: VirtualVivopay };

async function openReader(config: Config, { logger }: DeviceOptions, closers: Closer[]): Promise<{ device: CardReader; twin?: ReaderTwin }> {
  const r = config.devices.reader;
  switch (r.type) {
    case 'virtual': {
      if (r.model === 'chip') {
        const wire = await openVirtualWire('reader', logger, { baudRate: 115200 });
        closers.push(() => wire.close());
        const chip = createVirtualVivopay(wire.device);
        closers.push(() => wire.device.close());
        const device = createVivopayReader(wire.host, { name: 'virtual-chip-reader', logger });
        closers.push(() => device.close());
        return { device, twin: { kind: 'chip', chip } };
      }
      const wire = await openVirtualWire('reader', logger);
      closers.push(() => wire.close());
      const msr = new VirtualSerialMsr(wire.device);
      closers.push(() => msr.close());
      const device = createSerialMsrReader(wire.host, { name: 'virtual-msr', logger });
      closers.push(() => device.close());
      return { device, twin: { kind: 'msr', msr } };
    }
    case 'msr-serial': {
      const device = await openSerialMsrReader({ path: r.path, baudRate: r.baudRate }, { logger });
      closers.push(() => device.close());
      return { device };
    }
    case 'magtek-hid': {
      const device = await openMagtekHidReader({ vendorId: r.vendorId, productId: r.productId, layout: r.layout }, { logger });
      closers.push(() => device.close());
      return { device };
    }
    case 'keyboard-msr-hid': {
      const device = await openKeyboardMsrReader({ vendorId: r.vendorId, productId: r.productId }, { logger });
      closers.push(() => device.close());
      return { device };
    }
    case 'vivopay': {
      const device =
        r.transport === 'serial'
          ? await openVivopayReader({ path: r.path, baudRate: r.baudRate }, { logger })
          : await openVivopayHidReader({ vendorId: r.vendorId, productId: r.productId }, { logger });
      closers.push(() => device.close());
      return { device };
    }
  }
}

async function openPinpad(config: Config, { logger }: DeviceOptions, closers: Closer[]): Promise<{ device: PinPad | undefined; twin?: VirtualPinPad }> {
  const p = config.devices.pinpad;
  switch (p.type) {
    case 'none':
      return { device: undefined };
    case 'virtual': {
      const wire = await openVirtualWire('pinpad', logger, { baudRate: 1200, dataBits: 7, parity: 'even' });
      closers.push(() => wire.close());
      const twin = createVirtualPinPad(wire.device, simulationPinpadKeys());
      closers.push(() => wire.device.close());
      const device = createVerifonePinPad(wire.host, { name: 'virtual-pinpad', logger });
      closers.push(() => device.close());
      return { device, twin };
    }
    case 'verifone-serial': {
      const device = await openVerifonePinPad({ path: p.path, baudRate: p.baudRate, dataBits: p.dataBits, parity: p.parity }, { logger });
      closers.push(() => device.close());
      return { device };
    }
  }
}

async function openDisplay(config: Config, { logger, displayOut }: DeviceOptions, closers: Closer[]): Promise<Display> {
  const d = config.devices.display;
  switch (d.type) {
    case 'console':
      return new ConsoleDisplay(displayOut);
    case 'virtual': {
      // A CD5220 twin decodes the bytes back to the two lines a customer reads; they are echoed to the console.
      const wire = await openVirtualWire('display', logger);
      closers.push(() => wire.close());
      const twin = attachVirtualVfd(wire.device, 'cd5220');
      closers.push(() => twin.close());
      const display = createVfdDisplay(wire.host, { emulation: 'cd5220' });
      closers.push(() => display.close());
      await display.initialize();
      return display;
    }
    case 'vfd-serial': {
      const display = await openVfdDisplay({ path: d.path, baudRate: d.baudRate, emulation: d.emulation });
      closers.push(() => display.close());
      return display;
    }
  }
}

/** The virtual cardholder: presents deck cards to the twin reader and types (or refuses) the PIN on the twin pad. */
function cardholderFor(options: DeviceOptions, reader: ReaderTwin | undefined, pinpad: VirtualPinPad | undefined): CardholderSimulator {
  let pinIntent: string | undefined;
  let answering = false;
  return {
    async present(request: PresentRequest): Promise<void> {
      const card = findCard(options.deck(), request.card);
      if (!card) throw new PosError('ECR_BAD_REQUEST', `card: no deck card "${request.card}"`, { fields: ['card'], problems: ['no such deck card'] });
      if (!reader) throw new PosError('ECR_BAD_REQUEST', 'entry: the card reader is not virtual', { fields: ['entry'], problems: ['reader is real'] });
      if (pinpad) {
        // One intent per transaction, the latest move's: the cardholder answers the pad's prompt when it comes.
        pinIntent = request.pin ?? card.pin;
        if (!answering) {
          answering = true;
          void pinpad.waitForPrompt().then(() => {
            answering = false;
            const intent = pinIntent;
            pinIntent = undefined;
            if (intent === 'cancel') pinpad.pressCancel();
            else if (intent !== undefined && intent !== 'none') pinpad.enterPin(intent);
          });
        }
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
      if (reader?.kind === 'chip') reader.chip.removeCard();
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
