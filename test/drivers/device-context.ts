/** The context a device kind opens with in `pos run` (`realDeviceContext`), with serial ports on another binding (binding-mock) when given one. */
import type { DeviceContext } from '../../drivers/shared/device-kind.js';
import { openSerialTransport, type SerialBinding } from '../../drivers/transport/serial-transport.js';
import { openReaderOf, realDeviceContext } from '../../src/app/device-kinds.js';
import { silentLogger, type Logger } from '../../src/log/logger.js';

export function deviceContext(logger: Logger = silentLogger, binding?: SerialBinding): DeviceContext {
  const real = realDeviceContext(logger, () => {
    throw new Error('no EMV kernel in this test');
  });
  if (binding === undefined) return real;
  // A paired reader opens through the same context, so on the same binding.
  const context: DeviceContext = { ...real, openSerial: (options) => openSerialTransport(options, binding), openReader: (config) => openReaderOf(config, context) };
  return context;
}
