/**
 * Puts an `ApduCard` into the real pcscd through vsmartcard's vpcd reader
 * driver, as vsmartcard's `vicc` does (framing: `vpcd-framing.ts`): inserting
 * the card is connecting to vpcd's port, pulling it is closing the socket.
 * pcscd then shows it in "Virtual PCD 00 00" (port 35963) or "… 00 01"
 * (35964), and any PC/SC program — the terminal's PC/SC driver among them —
 * talks to it as to a card in a USB reader.
 *
 * vpcd powers the card on and off, resets it, asks its ATR (also every time
 * pcscd polls the slot, about every 400 ms) and sends command APDUs, one at a
 * time, each answered by the card's response APDU. A card whose `transmit`
 * throws answers 6F 00 (ISO/IEC 7816-4: no precise diagnosis). Nothing here
 * logs APDU bytes: a virtual card's answers hold its card data.
 *
 * vpcd listens on every interface (development and CI machines only, never a
 * terminal: docs/protocols/pcsc-vpcd.md); this side connects to loopback by
 * default.
 */
import { connect, type Socket } from 'node:net';
import type { ApduCard } from '../chip-card/apdu-card.js';
import type { Logger } from '../../src/log/logger.js';
import { PosError } from '../../src/util/errors.js';
import { encodeVpcdMessage, VPCD_CTRL, VPCD_CTRL_LEN, VPCD_PORT, VpcdFramer } from './vpcd-framing.js';

/** SW1 SW2 6F 00: what the card answers when it failed on a command. */
const SW_NO_PRECISE_DIAGNOSIS = Buffer.from([0x6f, 0x00]);

export interface VpcdInsertOptions {
  readonly host?: string;
  /** vpcd's port: 35963 for "Virtual PCD 00 00", 35964 for "… 00 01". */
  readonly port?: number;
  readonly logger?: Logger;
  /** How long to wait for vpcd to accept. Default 2000 ms. */
  readonly connectTimeoutMs?: number;
}

/** A card in vpcd's slot. */
export interface VpcdInsertion {
  /** Pulls the card: closes the connection. Resolves once it is closed. */
  remove(): Promise<void>;
  /** Resolves when the connection ends, pulled here or closed by vpcd (pcscd stopped). */
  readonly closed: Promise<void>;
  /** Command APDUs received so far (a count only: never their bytes). */
  readonly commands: () => number;
}

/**
 * Connects `card` to vpcd. Rejects with `PCSC_VPCD_UNREACHABLE` (details:
 * host, port) when nothing accepts on the port — no pcscd running, or
 * vsmartcard-vpcd not installed.
 */
export function insertIntoVpcd(card: ApduCard, options: VpcdInsertOptions = {}): Promise<VpcdInsertion> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? VPCD_PORT;
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => fail(new Error('connect timed out')), options.connectTimeoutMs ?? 2000);
    const fail = (cause: unknown): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new PosError('PCSC_VPCD_UNREACHABLE', `vpcd does not answer on ${host}:${port}: is pcscd running with vsmartcard-vpcd installed?`, { host, port }, { cause }));
    };
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(serve(card, socket, options.logger));
    });
  });
}

function serve(card: ApduCard, socket: Socket, logger: Logger | undefined): VpcdInsertion {
  const framer = new VpcdFramer();
  let commands = 0;
  // vpcd waits for each answer before it sends again; a chain keeps answers in order all the same.
  let queue: Promise<void> = Promise.resolve();
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', (err) => logger?.debug({ err }, 'vpcd connection error'));
  socket.on('data', (chunk: Buffer) => {
    for (const message of framer.push(chunk)) {
      queue = queue.then(() => answer(message)).catch((err: unknown) => logger?.warn({ err }, 'virtual card failed on a vpcd control'));
    }
  });

  const reply = (payload: Buffer): void => {
    if (!socket.destroyed) socket.write(encodeVpcdMessage(payload));
  };

  const answer = async (message: Buffer): Promise<void> => {
    if (message.length === 0) return; // no payload: nothing to do (vicc logs and goes on)
    if (message.length === VPCD_CTRL_LEN) {
      control(message[0] ?? -1);
      return;
    }
    commands++;
    let response: Buffer;
    try {
      response = await card.transmit(message);
    } catch (err) {
      logger?.warn({ err }, 'virtual card failed on a command: answering 6F00');
      response = SW_NO_PRECISE_DIAGNOSIS;
    }
    reply(response);
  };

  const control = (code: number): void => {
    switch (code) {
      case VPCD_CTRL.OFF:
        card.powerOff();
        return;
      case VPCD_CTRL.ON:
        card.powerOn();
        return;
      case VPCD_CTRL.RESET:
        card.reset();
        return;
      case VPCD_CTRL.ATR:
        reply(card.atr);
        return;
      default:
        logger?.debug({ code }, 'vpcd sent an unknown control: ignored');
    }
  };

  return {
    remove: () => {
      socket.destroy();
      return closed;
    },
    closed,
    commands: () => commands,
  };
}
