/**
 * MagTek HID reader commands over feature reports (MagTek 99875191 §4
 * "Commands"): the host sends SET_REPORT(feature) with a request and reads
 * the response with GET_REPORT(feature), both 24-byte feature reports:
 *
 *   request:  [command number][data length][data…][0x00 padding]
 *   response: [result code][data length][data…]
 *
 * One table of commands; another reader family's dialect is another table.
 */
import { PosError } from '../../src/util/errors.js';
import type { HidReportTransport } from '../transport/hid-report-transport.js';

export const MAGTEK_COMMANDS = {
  getProperty: 0x00, // GET_PROPERTY: data = [property ID]
  setProperty: 0x01, // SET_PROPERTY: data = [property ID][value…]
  resetDevice: 0x02, // RESET_DEVICE
} as const;

export const MAGTEK_PROPERTIES = {
  softwareId: 0x00, // SOFTWARE_ID: the firmware part number, ASCII
  serialNumber: 0x03, // SERIAL_NUM
} as const;

export const MAGTEK_RESULT_SUCCESS = 0x00; // result code: success
export const MAGTEK_FEATURE_BYTES = 24;

/** Sends one command and reads its response; rejects with `HID_REPORT_MALFORMED` on a failure result or a bad length. */
export async function magtekCommand(transport: HidReportTransport, command: number, data: readonly number[]): Promise<Buffer> {
  await transport.sendFeatureReport(0, Buffer.from([command, data.length, ...data]));
  const response = await transport.getFeatureReport(0, MAGTEK_FEATURE_BYTES);
  const result = response[0];
  const length = response[1] ?? 0;
  if (result !== MAGTEK_RESULT_SUCCESS || 2 + length > response.length) {
    throw new PosError('HID_REPORT_MALFORMED', `MagTek command 0x${command.toString(16)} failed (result ${result ?? 'none'})`, {
      field: 'resultCode',
      offset: 0,
      result: result ?? -1,
    });
  }
  return response.subarray(2, 2 + length);
}

/** The reader's firmware ID (GET_PROPERTY SOFTWARE_ID): what `pos diag devices` uses as a ping. */
export async function magtekSoftwareId(transport: HidReportTransport): Promise<string> {
  const data = await magtekCommand(transport, MAGTEK_COMMANDS.getProperty, [MAGTEK_PROPERTIES.softwareId]);
  return data.toString('latin1').replace(/[^ -~]/g, '');
}
