import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { insertIntoVpcd } from '../../../hw-mocks/vpcd/vpcd-card.js';
import { VPCD_CTRL, VpcdFramer } from '../../../hw-mocks/vpcd/vpcd-framing.js';
import { RecordingCard } from '../chip-card/recording-card.js';

const ATR = Buffer.from('3B600000', 'hex');

/** A recording card that fails on INS FF. */
class FaultOnFfCard extends RecordingCard {
  protected override answer(command: Buffer): Buffer | Promise<Buffer> {
    if (command[1] === 0xff) throw new Error('card fault');
    return super.answer(command);
  }
}

/**
 * vpcd's side, as vsmartcard 3.3 (Debian bookworm) behaves: the length prefix
 * and the payload in two writes; answers read back with the same framing.
 */
class FakeVpcd {
  readonly server: Server;
  #socket: Socket | undefined;
  readonly #framer = new VpcdFramer();
  readonly #answers: Buffer[] = [];
  #waiting: ((b: Buffer) => void) | undefined;
  #connected: Promise<Socket>;
  closedByPeer: Promise<void> = new Promise(() => undefined);

  constructor() {
    let accept!: (s: Socket) => void;
    this.#connected = new Promise((r) => (accept = r));
    this.server = createServer((socket) => {
      socket.setNoDelay(true);
      this.#socket = socket;
      this.closedByPeer = new Promise((r) => socket.once('close', () => r()));
      socket.on('data', (chunk: Buffer) => {
        for (const answer of this.#framer.push(chunk)) {
          const waiting = this.#waiting;
          this.#waiting = undefined;
          if (waiting !== undefined) waiting(answer);
          else this.#answers.push(answer);
        }
      });
      accept(socket);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  connected(): Promise<Socket> {
    return this.#connected;
  }

  /** Sends one message the way vpcd 3.3 does: prefix, then payload. */
  async send(payload: Buffer): Promise<void> {
    const socket = await this.#connected;
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16BE(payload.length);
    socket.write(prefix);
    await new Promise((r) => setTimeout(r, 2));
    socket.write(payload);
  }

  /** The next answer from the card side, or undefined if none comes within `ms`. */
  next(ms = 500): Promise<Buffer | undefined> {
    const queued = this.#answers.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting = undefined;
        resolve(undefined);
      }, ms);
      this.#waiting = (b) => {
        clearTimeout(timer);
        resolve(b);
      };
    });
  }

  async exchange(payload: Buffer): Promise<Buffer | undefined> {
    await this.send(payload);
    return this.next();
  }

  close(): Promise<void> {
    this.#socket?.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

let vpcds: FakeVpcd[] = [];
afterEach(async () => {
  await Promise.all(vpcds.map((v) => v.close()));
  vpcds = [];
});

async function rig(): Promise<{ vpcd: FakeVpcd; card: FaultOnFfCard; port: number }> {
  const vpcd = new FakeVpcd();
  vpcds.push(vpcd);
  return { vpcd, card: new FaultOnFfCard(ATR), port: await vpcd.listen() };
}

describe('the vpcd bridge (a card in vpcd, as vsmartcard vicc)', () => {
  it('inserting is connecting; vpcd powers the card on and reads its ATR, then exchanges APDUs', async () => {
    const { vpcd, card, port } = await rig();
    const inserted = await insertIntoVpcd(card, { port });
    await vpcd.connected();
    await vpcd.send(Buffer.of(VPCD_CTRL.ON));
    expect(await vpcd.exchange(Buffer.of(VPCD_CTRL.ATR))).toEqual(ATR);
    expect(await vpcd.exchange(Buffer.from('00B2010C00', 'hex'))).toEqual(Buffer.from('9000', 'hex'));
    await vpcd.send(Buffer.of(VPCD_CTRL.RESET));
    await vpcd.send(Buffer.of(VPCD_CTRL.OFF));
    expect(await vpcd.exchange(Buffer.of(VPCD_CTRL.ATR))).toEqual(ATR);
    expect(card.events).toEqual(['on', 'apdu 00B2010C00', 'reset', 'off']);
    expect(inserted.commands()).toBe(1);
  });

  it('power on, off and reset are not answered; an unknown control neither', async () => {
    const { vpcd, card, port } = await rig();
    await insertIntoVpcd(card, { port });
    for (const control of [VPCD_CTRL.ON, VPCD_CTRL.RESET, VPCD_CTRL.OFF, 0x07]) await vpcd.send(Buffer.of(control));
    expect(await vpcd.next(100)).toBeUndefined();
    expect(await vpcd.exchange(Buffer.of(VPCD_CTRL.ATR))).toEqual(ATR);
  });

  it('a card that fails on a command answers 6F 00 and keeps serving', async () => {
    const { vpcd, card, port } = await rig();
    await insertIntoVpcd(card, { port });
    expect(await vpcd.exchange(Buffer.from('80FF000000', 'hex'))).toEqual(Buffer.from('6F00', 'hex'));
    expect(await vpcd.exchange(Buffer.from('00B2010C00', 'hex'))).toEqual(Buffer.from('9000', 'hex'));
  });

  it('removing is closing the connection', async () => {
    const { vpcd, card, port } = await rig();
    const inserted = await insertIntoVpcd(card, { port });
    await vpcd.connected();
    await inserted.remove();
    await vpcd.closedByPeer;
    await expect(inserted.closed).resolves.toBeUndefined();
  });

  it('vpcd closing the connection (pcscd stopped) ends the insertion', async () => {
    const { vpcd, card, port } = await rig();
    const inserted = await insertIntoVpcd(card, { port });
    (await vpcd.connected()).destroy();
    await expect(inserted.closed).resolves.toBeUndefined();
  });

  it('nothing listening: PCSC_VPCD_UNREACHABLE naming host and port', async () => {
    const { vpcd, card, port } = await rig();
    await vpcd.close();
    await expect(insertIntoVpcd(card, { port })).rejects.toMatchObject({ code: 'PCSC_VPCD_UNREACHABLE', details: { host: '127.0.0.1', port } });
  });
});
