/**
 * `reader: { type: 'vivopay', transport: 'serial', path, baudRate }` or
 * `{ type: 'vivopay', transport: 'hid', vendorId, productId }`, each with
 * `contactless` (default false: contact and swipe only): an ID TECH ViVOpay
 * chip, tap and swipe reader (protocol 2), one family on two wires.
 *
 * The reader runs its own EMV kernels on its own tables, so opening it first
 * brings its AIDs, CA keys and terminal data in line with the terminal's
 * (`configureReader`, which reads them back and writes only what differs);
 * the probe compares them without writing and reports its versions.
 */
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { CardReader } from '../../src/devices/card-reader.js';
import type { Attached } from '../reconnect/resilient-devices.js';
import { timedProbe, type DeviceContext, type DeviceKind } from '../shared/device-kind.js';
import { hidDescription } from '../transport/hid-node-transport.js';
import { configureReader, describeInspection, inspectReader, readerConfigurationOf, type ReaderConfiguration } from './configuration/index.js';
import { vivopayOverHid } from './index.js';
import { createVivopayReader } from './vivopay-reader.js';

/** The NEO 2's serial defaults: 115200 baud, 8N1. */
export const VIVOPAY_DEFAULT_SERIAL = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } as const;

/** `contactless`: arm the reader for a tap first (02-40), then insert or swipe when it says so. */
export type VivopayConfig = { readonly contactless: boolean } & (
  | { readonly transport: 'serial'; readonly path: string; readonly baudRate: number }
  | { readonly transport: 'hid'; readonly vendorId: number; readonly productId: number }
);

/** The reader's wire as protocol 2 bytes, and what closes it (the HID device under its byte adapter). */
interface Wire {
  readonly bytes: ByteTransport;
  readonly transport: Attached<CardReader>['transport'];
  close(): Promise<void>;
}

async function openWire(config: VivopayConfig, { openSerial, openHid }: DeviceContext): Promise<Wire> {
  if (config.transport === 'serial') {
    const transport = await openSerial({ ...VIVOPAY_DEFAULT_SERIAL, path: config.path, baudRate: config.baudRate });
    return { bytes: transport, transport, close: () => transport.close() };
  }
  const hid = await openHid({ vendorId: config.vendorId, productId: config.productId });
  return { bytes: vivopayOverHid(hid), transport: hid, close: () => hid.close() };
}

/** What the reader should hold: the terminal's kernel configuration and the AIDs' contactless limits. */
export function desiredReaderConfiguration(context: DeviceContext): ReaderConfiguration {
  return readerConfigurationOf(context.chipKernel().config, context.readerAids);
}

async function open(config: VivopayConfig, context: DeviceContext) {
  const wire = await openWire(config, context);
  try {
    await configureReader(wire.bytes, desiredReaderConfiguration(context), context.logger);
  } catch (err) {
    await wire.close().catch(() => undefined);
    throw err;
  }
  return { device: createVivopayReader(wire.bytes, { logger: context.logger, contactless: config.contactless }), transport: wire.transport };
}

export const VIVOPAY_KIND: DeviceKind<VivopayConfig, CardReader> = {
  role: 'reader',
  usbIds: [{ vendorId: 0x0acd, name: 'ID TECH / ViVOpay device' }],
  target: (config) => (config.transport === 'serial' ? config.path : hidDescription(config.vendorId, config.productId)),
  open,
  // Firmware and L2 kernel versions (29-xx) and a read-back of the tables: nothing is written.
  probe: (config, context) =>
    timedProbe(openWire(config, context), context.now, async (wire) => {
      const inspection = await inspectReader(wire.bytes, desiredReaderConfiguration(context));
      return { check: 'status', answer: describeInspection(inspection) };
    }),
};
