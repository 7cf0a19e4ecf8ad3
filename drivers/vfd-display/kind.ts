/** `display: { type: 'vfd-serial', path, baudRate, emulation }`: a 20×2 customer display on a serial line. */
import type { Display } from '../../src/devices/display.js';
import type { Attached } from '../reconnect/resilient-devices.js';
import { exchangeProbe, type DeviceContext, type DeviceKind } from '../shared/device-kind.js';
import type { VfdEmulation } from './command-sets.js';
import { createVfdDisplay, type VfdDisplay } from './vfd-display.js';

/** Pole displays ship at 9600 8N1. */
export const VFD_DEFAULT_SERIAL = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

export interface VfdConfig {
  readonly path: string;
  readonly baudRate: number;
  readonly emulation: VfdEmulation;
}

/**
 * The display reset to a known state, as every attach leaves it; one that
 * fails that is let go of (with what else its attach made: `release`).
 * Also how simulation attaches the VFD driver to its virtual twin.
 */
export async function initializedVfd(display: VfdDisplay, transport: Attached<Display>['transport'], release?: () => Promise<void>): Promise<Attached<VfdDisplay>> {
  try {
    await display.initialize();
  } catch (err) {
    await display.close().catch(() => undefined);
    await release?.().catch(() => undefined);
    throw err;
  }
  return { device: display, transport, ...(release === undefined ? {} : { release }) };
}

async function open(config: VfdConfig, { openSerial }: DeviceContext): Promise<Attached<VfdDisplay>> {
  const transport = await openSerial({ ...VFD_DEFAULT_SERIAL, path: config.path, baudRate: config.baudRate });
  return initializedVfd(createVfdDisplay(transport, { emulation: config.emulation }), transport);
}

export const VFD_DISPLAY_KIND: DeviceKind<VfdConfig, Display> = {
  role: 'display',
  usbIds: [{ vendorId: 0x04b8, name: 'Epson device (DM-D customer display?)' }],
  target: (config) => config.path,
  open,
  // A display sends nothing back: a known pattern a person can check is the test.
  probe: exchangeProbe(open, async (vfd) => {
    await vfd.selfTestWrite();
    return { check: 'self-test-write', answer: 'look at the display: POS DIAG 0123456789' };
  }),
};
