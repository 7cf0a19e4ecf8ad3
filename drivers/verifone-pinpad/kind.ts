/** `pinpad: { type: 'verifone-serial', path, baudRate, dataBits, parity, tipPrompt }`: a VeriFone PINpad 1000SE / IPP on a serial line. */
import type { PinPad } from '../../src/devices/pin-pad.js';
import { exchangeProbe, type DeviceContext, type DeviceKind } from '../shared/device-kind.js';
import { createVerifonePinPad } from './verifone-pinpad.js';

/** The pad's factory line settings: 1200 baud, 7 data bits, even parity, 1 stop bit. */
export const VERIFONE_DEFAULT_SERIAL = { baudRate: 1200, dataBits: 7, parity: 'even', stopBits: 1 } as const;

export interface VerifoneConfig {
  readonly path: string;
  readonly baudRate: number;
  readonly dataBits: 7 | 8;
  readonly parity: 'none' | 'even' | 'odd';
  /** The pad's fixed prompt ID that asks for a tip; absent: the pad takes no amounts. */
  readonly tipPrompt?: number | undefined;
}

async function open(config: VerifoneConfig, { openSerial, logger }: DeviceContext) {
  const transport = await openSerial({ ...VERIFONE_DEFAULT_SERIAL, path: config.path, baudRate: config.baudRate, dataBits: config.dataBits, parity: config.parity });
  return { device: createVerifonePinPad(transport, { logger, ...(config.tipPrompt !== undefined && { tipPrompt: config.tipPrompt }) }), transport };
}

export const VERIFONE_PINPAD_KIND: DeviceKind<VerifoneConfig, PinPad> = {
  role: 'pinpad',
  usbIds: [{ vendorId: 0x11ca, name: 'VeriFone device' }],
  target: (config) => config.path,
  open,
  // A display message (Z2) the pad must acknowledge at the link level: nothing a cardholder could mistake for a PIN prompt.
  probe: exchangeProbe(open, async (pad) => {
    await pad.showMessage(['POS DIAG']);
    return { check: 'status' };
  }),
};
