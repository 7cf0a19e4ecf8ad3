/**
 * The printer twin on a wire: on any `ByteTransport` (the device end of a
 * pty pair made by socat, for the serial and usb-lp transports; a virtual
 * wire in simulation), or listening on a real TCP port as a network printer
 * does on 9100.
 */
import { createServer, type Socket } from 'node:net';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import { openPtyEnd } from '../pty-end.js';
import { createPtyPair } from '../pty.js';
import { VirtualEscposPrinter, type VirtualEscposPrinterOptions } from './virtual-escpos-printer.js';

export interface AttachedTwin {
  readonly printer: VirtualEscposPrinter;
  /** Detaches from the transport and closes it. */
  close(): Promise<void>;
}

/** The twin reading `transport` and answering on it. */
export function attachEscposTwin(transport: ByteTransport, printer: VirtualEscposPrinter = new VirtualEscposPrinter()): AttachedTwin {
  const offData = transport.onData((chunk) => printer.receive(chunk));
  const offTransmit = printer.onTransmit((bytes) => {
    transport.write(bytes).catch(() => undefined); // a wire that went away answers nobody
  });
  return {
    printer,
    close: async () => {
      offData();
      offTransmit();
      await transport.close();
    },
  };
}

export interface TcpTwin {
  readonly printer: VirtualEscposPrinter;
  readonly host: string;
  readonly port: number;
  /** Drops every connection (the printer switched off): the driver sees its socket end. */
  dropConnections(): void;
  close(): Promise<void>;
}

/** A network printer: the twin listening on `host:port` (port 0: any free port), each connection reading and answering like the raw port 9100. */
export async function listenEscposTwin(options: VirtualEscposPrinterOptions & { readonly host?: string; readonly port?: number } = {}): Promise<TcpTwin> {
  const printer = new VirtualEscposPrinter(options);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const off = printer.onTransmit((bytes) => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => printer.receive(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      off();
      sockets.delete(socket);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const dropConnections = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    printer,
    host,
    port,
    dropConnections,
    close: () =>
      new Promise<void>((resolve) => {
        dropConnections();
        server.close(() => resolve());
      }),
  };
}

export interface PtyTwin {
  readonly printer: VirtualEscposPrinter;
  /** Where the driver opens the printer, as a serial port or a usb-lp device file. */
  readonly hostPath: string;
  /** Detaches the twin and ends socat. */
  close(): Promise<void>;
}

/** The twin on the device end of a fresh socat pty pair (`DEVICE_PTY_UNAVAILABLE` without socat). */
export async function escposTwinOnPty(options: VirtualEscposPrinterOptions = {}): Promise<PtyTwin> {
  const pair = await createPtyPair();
  const attached = attachEscposTwin(openPtyEnd(pair.devicePath), new VirtualEscposPrinter(options));
  return {
    printer: attached.printer,
    hostPath: pair.hostPath,
    close: async () => {
      await attached.close();
      await pair.close();
    },
  };
}
