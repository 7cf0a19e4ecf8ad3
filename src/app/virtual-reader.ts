/**
 * The simulated card reader: the serial MSR driver on one end of a real serial
 * line (a pty pair made by socat), the virtual MSR on the other, and a
 * cardholder who swipes deck cards on request. Without socat the two meet over
 * an in-memory pair instead, and the log says so: the driver code is the same.
 */
import type { Logger } from 'pino';
import type { ByteTransport } from '../devices/byte-transport.js';
import { PosError } from '../util/errors.js';
import { createMemoryTransportPair } from '../../drivers/transport/memory-transport.js';
import { openSerialMsrReader, createSerialMsrReader, type SerialMsrReader } from '../../drivers/msr-serial/index.js';
import { findCard, type Deck } from '../../hw-mocks/cards/deck.js';
import { VirtualSerialMsr } from '../../hw-mocks/msr/virtual-serial-msr.js';
import { openPtyEnd } from '../../hw-mocks/pty-end.js';
import { createPtyPair, type PtyPair } from '../../hw-mocks/pty.js';
import type { CardholderSimulator } from './ecr-server.js';

export interface VirtualReader extends CardholderSimulator {
  readonly reader: SerialMsrReader;
  /** `pty` when the bytes cross a real serial line, `memory` otherwise. */
  readonly wire: 'pty' | 'memory';
  close(): Promise<void>;
}

export async function startVirtualReader(options: { deck: Deck; logger: Logger }): Promise<VirtualReader> {
  const { deck, logger } = options;
  let pty: PtyPair | null = null;
  let reader: SerialMsrReader;
  let deviceEnd: ByteTransport;
  try {
    pty = await createPtyPair();
    reader = await openSerialMsrReader({ path: pty.hostPath }, { name: 'virtual-msr', logger });
    deviceEnd = openPtyEnd(pty.devicePath);
  } catch (err) {
    if (!(err instanceof PosError) || err.code !== 'DEVICE_PTY_UNAVAILABLE') {
      await pty?.close();
      throw err;
    }
    logger.warn('socat not installed: the virtual reader uses an in-memory line instead of a pty (apt-get install socat)');
    pty = null;
    const [hostEnd, memoryDeviceEnd] = createMemoryTransportPair();
    reader = createSerialMsrReader(hostEnd, { name: 'virtual-msr', logger });
    deviceEnd = memoryDeviceEnd;
  }
  const device = new VirtualSerialMsr(deviceEnd);
  const ptyPair = pty;

  return {
    reader,
    wire: ptyPair ? 'pty' : 'memory',
    async present(cardId: string, entry: 'swipe'): Promise<void> {
      const card = findCard(deck, cardId);
      if (!card) throw new PosError('ECR_BAD_REQUEST', `card: no deck card "${cardId}"`, { fields: ['card'], problems: ['no such deck card'] });
      logger.debug({ card: cardId, entry }, 'virtual cardholder presents a card');
      await device.swipe(card);
    },
    async close(): Promise<void> {
      await reader.close();
      await device.close();
      await ptyPair?.close();
    },
  };
}
