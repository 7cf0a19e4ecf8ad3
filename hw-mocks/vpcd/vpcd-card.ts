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
 * The connection lives on its own thread (`vpcd-relay.ts`), which answers
 * pcscd's ATR polls itself and hands commands and power controls to the card
 * here, in order. A card is a separate device: pcscd holds the reader while
 * it waits for a poll's answer, so a terminal in this same process making a
 * blocking PC/SC call (SCardDisconnect, SCardReleaseContext) would otherwise
 * wait on pcscd while pcscd waits on this thread's card — a deadlock.
 *
 * vpcd listens on every interface (development and CI machines only, never a
 * terminal: docs/protocols/pcsc-vpcd.md); this side connects to loopback by
 * default.
 */
import type { ApduCard } from '../chip-card/apdu-card.js';
import type { Logger } from '../../src/log/logger.js';
import { PosError } from '../../src/util/errors.js';
import { VPCD_CTRL, VPCD_PORT } from './vpcd-framing.js';
import { startVpcdRelay, type RelayEvent } from './vpcd-relay.js';

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
  const relay = startVpcdRelay({ host, port, atr: card.atr, connectTimeoutMs: options.connectTimeoutMs ?? 2000 });
  const logger = options.logger;
  let commands = 0;
  // vpcd waits for each answer before it sends again; a chain keeps answers in order all the same.
  let queue: Promise<void> = Promise.resolve();
  let closedNow: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (closedNow = resolve));

  const command = async (apdu: Buffer): Promise<void> => {
    commands++;
    let response: Buffer;
    try {
      response = await card.transmit(apdu);
    } catch (err) {
      logger?.warn({ err }, 'virtual card failed on a command: answering 6F00');
      response = SW_NO_PRECISE_DIAGNOSIS;
    }
    relay.respond(response);
  };
  const control = (code: number): void => {
    if (code === VPCD_CTRL.OFF) card.powerOff();
    else if (code === VPCD_CTRL.ON) card.powerOn();
    else if (code === VPCD_CTRL.RESET) card.reset();
    else logger?.debug({ code }, 'vpcd sent an unknown control: ignored');
  };

  return new Promise((resolve, reject) => {
    relay.onEvent((event: RelayEvent) => {
      switch (event.type) {
        case 'connected':
          resolve({ remove: () => relay.close().then(() => closed), closed, commands: () => commands });
          return;
        case 'connect-failed':
          void relay.close();
          reject(new PosError('PCSC_VPCD_UNREACHABLE', `vpcd does not answer on ${host}:${port}: is pcscd running with vsmartcard-vpcd installed?`, { host, port }, { cause: new Error(event.reason) }));
          return;
        case 'command':
          queue = queue.then(() => command(event.apdu));
          return;
        case 'control':
          queue = queue.then(() => control(event.code)).catch((err: unknown) => logger?.warn({ err }, 'virtual card failed on a vpcd control'));
          return;
        case 'closed':
          closedNow();
          return;
      }
    });
  });
}
