/** Customer displays (20×2 VFD) on a serial line: CD5220 and Epson ESC/POS command sets. */
import { openSerialTransport, type SerialBinding } from '../transport/serial-transport.js';
import { createVfdDisplay, type VfdDisplay, type VfdDisplayOptions } from './vfd-display.js';

export { VfdDisplay, createVfdDisplay, type VfdDisplayOptions } from './vfd-display.js';
export { screenLines, centre, encodeLine, renderLines, renderScreen, initSequence } from './vfd-render.js';
export * from './command-sets.js';

/** Pole displays ship at 9600 8N1. */
export const VFD_DEFAULT_SERIAL = { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 } as const;

/**
 * Opens the port, initialises the display and returns it: what `src/app/`
 * calls for `display.type = vfd-serial` ({ path, baudRate, emulation }).
 */
export async function openVfdDisplay(
  config: { readonly path: string; readonly baudRate?: number; readonly emulation: VfdDisplayOptions['emulation'] },
  options: Omit<VfdDisplayOptions, 'emulation'> = {},
  binding?: SerialBinding,
): Promise<VfdDisplay> {
  const transport = await openSerialTransport({ ...VFD_DEFAULT_SERIAL, path: config.path, ...(config.baudRate === undefined ? {} : { baudRate: config.baudRate }) }, binding);
  const display = createVfdDisplay(transport, { ...options, emulation: config.emulation });
  try {
    await display.initialize();
  } catch (err) {
    await display.close().catch(() => undefined);
    throw err;
  }
  return display;
}
