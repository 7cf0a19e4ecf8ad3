/**
 * `printer: { type: 'escpos', transport, … }`: an ESC/POS receipt printer on
 * a serial line, a USB printer-class device file (`/dev/usb/lp0`) or TCP
 * (port 9100). The probe is one DLE EOT 1 round trip.
 */
import type { Printer } from '../../src/devices/printer.js';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { Attached } from '../reconnect/resilient-devices.js';
import { exchangeProbe, type DeviceContext, type DeviceKind } from '../shared/device-kind.js';
import type { CodePageName } from './code-pages.js';
import { createEscposPrinter, type EscposPrinter } from './escpos-printer.js';
import { openLpTransport } from './lp-transport.js';
import { openTcpTransport } from './tcp-transport.js';

/** Receipt printers ship at 9600 8N1 on their serial interface (set otherwise by DIP switch or utility). */
export const ESCPOS_DEFAULT_SERIAL = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

interface EscposCommon {
  readonly type: 'escpos';
  readonly columns: 32 | 42 | 48;
  readonly codePage: CodePageName;
}

export type EscposConfig =
  | (EscposCommon & { readonly transport: 'serial'; readonly path: string; readonly baudRate: number })
  | (EscposCommon & { readonly transport: 'usb-lp'; readonly path: string })
  | (EscposCommon & { readonly transport: 'tcp'; readonly host: string; readonly port: number });

function target(config: EscposConfig): string {
  return config.transport === 'tcp' ? `tcp:${config.host}:${config.port}` : config.path;
}

/** The transport the config names. */
export function openEscposTransport(config: EscposConfig, { openSerial }: Pick<DeviceContext, 'openSerial'>): Promise<ByteTransport> {
  switch (config.transport) {
    case 'serial':
      return openSerial({ ...ESCPOS_DEFAULT_SERIAL, path: config.path, baudRate: config.baudRate });
    case 'usb-lp':
      return openLpTransport(config.path);
    case 'tcp':
      return openTcpTransport({ host: config.host, port: config.port });
  }
}

async function open(config: EscposConfig, context: DeviceContext): Promise<Attached<EscposPrinter>> {
  const transport = await openEscposTransport(config, context);
  const device = createEscposPrinter(transport, { name: `escpos:${target(config)}`, columns: config.columns, codePage: config.codePage, logger: context.logger });
  return { device, transport };
}

export const ESCPOS_PRINTER_KIND: DeviceKind<EscposConfig, Printer> = {
  role: 'printer',
  usbIds: [{ vendorId: 0x04b8, productId: 0x0202, name: 'Epson TM-series receipt printer (USB printer class)' }],
  target,
  open,
  // One DLE EOT 1 round trip: the printer answers, and says whether it is on-line.
  probe: exchangeProbe(open, async (printer) => {
    const { offline } = await printer.realTimeStatus(1);
    return { check: 'status', answer: offline ? 'DLE EOT 1: off-line' : 'DLE EOT 1: on-line' };
  }),
};
