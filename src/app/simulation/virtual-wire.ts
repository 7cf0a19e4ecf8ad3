/**
 * A wire between a driver and its virtual twin: a pty pair made by socat,
 * the driver's end opened through `serialport` like a real port, the twin's
 * through the pty device end. Without socat, an in-memory pair instead (the
 * log says so): the driver code is the same either way.
 *
 * `unplug()` pulls the virtual cable. On a memory pair both ends end with
 * `DEVICE_DISCONNECTED`. On a pty the wire tells the driver's end itself:
 * when socat goes away the pty hang-up reads as 0 bytes, and
 * @serialport/bindings-cpp 13 retries that read forever without reporting it
 * (test/drivers/msr-serial-pty.integration.test.ts), whereas a real USB unplug
 * reads as ENXIO, which it does report. So the host end is wrapped, announces
 * `DEVICE_DISCONNECTED` to the driver as a real unplug would, and only then
 * releases the port and ends socat.
 */
import type { Logger } from 'pino';
import type { ByteTransport } from '../../devices/byte-transport.js';
import { PosError } from '../../util/errors.js';
import { TransportEnd } from '../../../drivers/transport/transport-end.js';
import { createMemoryTransportPair } from '../../../drivers/transport/memory-transport.js';
import { openSerialTransport, type SerialTransportOptions } from '../../../drivers/transport/serial-transport.js';
import { openPtyEnd } from '../../../hw-mocks/pty-end.js';
import { createPtyPair } from '../../../hw-mocks/pty.js';

export interface VirtualWire {
  /** The driver's end. */
  readonly host: ByteTransport;
  /** The virtual device's end. */
  readonly device: ByteTransport;
  readonly kind: 'pty' | 'memory';
  /** Ends socat (close the driver and the twin first). */
  close(): Promise<void>;
  /** Pulls the cable: the driver's end ends with `DEVICE_DISCONNECTED`, the twin's end too; the wire is done for. */
  unplug(): Promise<void>;
}

/** A fresh wire named `name` (for logs); the driver's end is opened at `line`, the device kind's. */
export async function openVirtualWire(name: string, logger: Logger, line: Omit<SerialTransportOptions, 'path'>): Promise<VirtualWire> {
  let pty;
  try {
    pty = await createPtyPair();
  } catch (err) {
    if (!(err instanceof PosError) || err.code !== 'DEVICE_PTY_UNAVAILABLE') throw err;
    logger.warn({ device: name }, 'socat not installed: the virtual device uses an in-memory line instead of a pty (apt-get install socat)');
    const [host, device] = createMemoryTransportPair({ host: `memory:${name}`, device: `memory:${name}-device` });
    return { host, device, kind: 'memory', close: () => Promise.resolve(), unplug: () => Promise.resolve(host.unplug()) };
  }
  const pair = pty;
  try {
    const host = new HangUpEnd(await openSerialTransport({ path: pair.hostPath, ...line }));
    const device = openPtyEnd(pair.devicePath);
    const unplug = async (): Promise<void> => {
      await host.hangUp();
      await device.close();
      await pair.close();
    };
    return { host, device, kind: 'pty', close: () => pair.close(), unplug };
  } catch (err) {
    await pair.close();
    throw err;
  }
}

/** The driver's end of a pty wire, able to hang up the way an unplugged USB-serial adapter does (see the header). */
class HangUpEnd implements ByteTransport {
  readonly #port: ByteTransport;
  readonly #end = new TransportEnd();

  constructor(port: ByteTransport) {
    this.#port = port;
    port.onClose((error) => this.#finish(error));
  }

  get description(): string {
    return this.#port.description;
  }

  write(bytes: Uint8Array): Promise<void> {
    if (this.#end.ended) return Promise.reject(new PosError('DEVICE_DISCONNECTED', `Device ${this.description} went away`, { path: this.description }));
    return this.#port.write(bytes);
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    return this.#port.onData(listener);
  }

  onClose(listener: (error?: PosError) => void): () => void {
    return this.#end.onClose(listener);
  }

  close(): Promise<void> {
    return this.#port.close();
  }

  /** The cable is out: listeners hear `DEVICE_DISCONNECTED` first, then the port handle is released. */
  async hangUp(): Promise<void> {
    this.#finish(new PosError('DEVICE_DISCONNECTED', `Device ${this.description} went away`, { path: this.description, reason: 'unplugged' }));
    await this.#port.close();
  }

  #finish(error: PosError | undefined): void {
    this.#end.finish(error);
  }
}
