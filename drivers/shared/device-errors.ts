/**
 * The errors a driver gives for the state of its device, built in one place
 * so that every driver says the same code, message and details: the engine
 * and `drivers/reconnect/resilient-devices.ts` branch on the code, and the
 * details name the device, never what it read.
 */
import type { DeviceState } from '../../src/devices/card-reader.js';
import { PosError } from '../../src/util/errors.js';

export function deviceClosed(device: string): PosError {
  return new PosError('DEVICE_CLOSED', `${device} is closed`, { device });
}

export function deviceDisconnected(device: string): PosError {
  return new PosError('DEVICE_DISCONNECTED', `${device} went away`, { device });
}

/** A second read while one is armed: one read at a time. */
export function readBusy(device: string): PosError {
  return new PosError('DEVICE_BUSY', `${device} already has a read armed`, { device });
}

/** A read ended by the caller's abort signal or by closing the driver. */
export function readCancelled(device: string, reason: 'aborted' | 'closed'): PosError {
  return new PosError('DEVICE_READ_CANCELLED', `Read on ${device} cancelled (${reason})`, { device, reason });
}

/** Why nothing can be asked of a device in `state`; `undefined` while it is connected. */
export function notConnected(device: string, state: DeviceState): PosError | undefined {
  switch (state) {
    case 'closed':
      return deviceClosed(device);
    case 'disconnected':
      return deviceDisconnected(device);
    case 'connected':
      return undefined;
  }
}
