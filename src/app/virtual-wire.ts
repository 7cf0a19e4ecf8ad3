/**
 * A wire between a driver and its virtual twin: a pty pair made by socat,
 * the driver's end opened through `serialport` like a real port, the twin's
 * through the pty device end. Without socat, an in-memory pair instead (the
 * log says so): the driver code is the same either way.
 */
import type { Logger } from 'pino';
import type { ByteTransport } from '../devices/byte-transport.js';
import { PosError } from '../util/errors.js';
import { createMemoryTransportPair } from '../../drivers/transport/memory-transport.js';
import { openSerialTransport } from '../../drivers/transport/serial-transport.js';
import { openPtyEnd } from '../../hw-mocks/pty-end.js';
import { createPtyPair } from '../../hw-mocks/pty.js';

export interface VirtualWire {
  /** The driver's end. */
  readonly host: ByteTransport;
  /** The virtual device's end. */
  readonly device: ByteTransport;
  readonly kind: 'pty' | 'memory';
  /** Ends socat (close the driver and the twin first). */
  close(): Promise<void>;
}

export async function openVirtualWire(name: string, logger: Logger, line: { baudRate: number; dataBits?: 7 | 8; parity?: 'none' | 'even' | 'odd' } = { baudRate: 9600 }): Promise<VirtualWire> {
  let pty;
  try {
    pty = await createPtyPair();
  } catch (err) {
    if (!(err instanceof PosError) || err.code !== 'DEVICE_PTY_UNAVAILABLE') throw err;
    logger.warn({ device: name }, 'socat not installed: the virtual device uses an in-memory line instead of a pty (apt-get install socat)');
    const [host, device] = createMemoryTransportPair({ host: `memory:${name}`, device: `memory:${name}-device` });
    return { host, device, kind: 'memory', close: () => Promise.resolve() };
  }
  const pair = pty;
  try {
    const host = await openSerialTransport({ path: pair.hostPath, ...line });
    const device = openPtyEnd(pair.devicePath);
    return { host, device, kind: 'pty', close: () => pair.close() };
  } catch (err) {
    await pair.close();
    throw err;
  }
}
