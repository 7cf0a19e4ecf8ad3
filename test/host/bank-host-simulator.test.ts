import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { BankHostSimulator, responseMti } from '../../hw-mocks/host/bank-host-simulator.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { LengthPrefixFramer } from '../../src/host/channels/length-prefix-framer.js';
import { createLogger } from '../../src/log/logger.js';
import { PosError } from '../../src/util/errors.js';
import { cardOf, closeIsoClients, frameMessage, isoClient, purchase } from './helpers.js';

const started: BankHostSimulator[] = [];

async function startSim(options: ConstructorParameters<typeof BankHostSimulator>[0] = {}): Promise<BankHostSimulator> {
  const sim = new BankHostSimulator(options);
  await sim.start();
  started.push(sim);
  return sim;
}

afterEach(async () => {
  await closeIsoClients();
  for (const sim of started.splice(0)) await sim.stop();
});

/** Sends raw bytes on a fresh connection; resolves with the frames received and whether the simulator closed it. */
async function rawExchange(port: number, bytes: Buffer, waitFrames: number): Promise<{ frames: Iso8583Message[]; closed: boolean }> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  const framer = new LengthPrefixFramer();
  const frames: Iso8583Message[] = [];
  return new Promise((resolve, reject) => {
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      for (const f of framer.push(chunk)) frames.push(decodeMessage(iso87ascii, f));
      if (frames.length >= waitFrames) {
        socket.destroy();
        resolve({ frames, closed: false });
      }
    });
    socket.on('close', () => resolve({ frames, closed: true }));
    socket.write(bytes);
  });
}

describe('BankHostSimulator', () => {
  it('listens on an ephemeral loopback port and reports it', async () => {
    const sim = await startSim();
    expect(sim.port).toBeGreaterThan(0);
    expect(sim.address).toBe(`tcp://127.0.0.1:${sim.port}`);
  });

  it('refuses a port already in use with HOST_SIM_LISTEN_FAILED', async () => {
    const first = await startSim();
    const second = new BankHostSimulator({ port: first.port });
    await expect(second.start()).rejects.toSatisfy((e: unknown) => e instanceof PosError && e.code === 'HOST_SIM_LISTEN_FAILED' && e.details['errno'] === 'EADDRINUSE');
  });

  it.each<[string, Date, string]>([
    ['the last minute of the expiry month', new Date(2030, 11, 31, 23, 59, 59), '00'],
    ['the first day after it', new Date(2031, 0, 1, 0, 0, 0), '54'],
  ])('judges expiry against its injected clock: %s', async (_when, now, code) => {
    const sim = await startSim({ clock: () => now });
    const client = isoClient(sim.port);
    expect((await client.authorize(purchase(cardOf('visa-ok'), 1))).responseCode).toBe(code);
  });

  it('answers several requests on one connection', async () => {
    const sim = await startSim({ clock: () => new Date(2026, 0, 1) });
    const req = (stan: string): Buffer =>
      frameMessage(encodeMessage(iso87ascii, { mti: '0200', fields: { 2: '4111111111111111', 4: '000000000100', 11: stan, 41: 'T0000001' } }));
    const { frames } = await rawExchange(sim.port, Buffer.concat([req('000001'), req('000002')]), 2);
    expect(frames.map((f) => [f.mti, f.get(11), f.get(39)])).toEqual([
      ['0210', '000001', '00'],
      ['0210', '000002', '00'],
    ]);
  });

  it('takes the PAN from track 2 when DE 2 is absent', async () => {
    const sim = await startSim({ clock: () => new Date(2026, 0, 1) });
    const bytes = frameMessage(encodeMessage(iso87ascii, { mti: '0200', fields: { 4: '000000000100', 11: '000003', 35: '6011111111111117=30121030000000000', 41: 'T0000001' } }));
    const { frames } = await rawExchange(sim.port, bytes, 1);
    expect(frames[0]?.get(39)).toBe('62');
    expect(sim.ledger[0]?.maskedPan).toBe('601111******1117');
  });

  it('answers a 0200 without a PAN with 30 (format error)', async () => {
    const sim = await startSim();
    const bytes = frameMessage(encodeMessage(iso87ascii, { mti: '0200', fields: { 4: '000000000100', 11: '000004', 41: 'T0000001' } }));
    const { frames } = await rawExchange(sim.port, bytes, 1);
    expect([frames[0]?.mti, frames[0]?.get(11), frames[0]?.get(39)]).toEqual(['0210', '000004', '30']);
  });

  it('answers another MTI with its response MTI and 12 (invalid transaction)', async () => {
    const sim = await startSim();
    const bytes = frameMessage(encodeMessage(iso87ascii, { mti: '0600', fields: { 7: '0615143000', 11: '000005' } }));
    const { frames } = await rawExchange(sim.port, bytes, 1);
    expect([frames[0]?.mti, frames[0]?.get(11), frames[0]?.get(39)]).toEqual(['0610', '000005', '12']);
  });

  it.each<[string, Buffer]>([
    ['a frame that does not decode', frameMessage(Buffer.from('junk', 'latin1'))],
    ['a decodable message without a STAN', frameMessage(encodeMessage(iso87ascii, { mti: '0200', fields: { 4: '000000000100' } }))],
    ['a frame header beyond the limit', Buffer.from([0xff, 0xff, 0x30, 0x32])],
  ])('closes the connection on %s, and keeps serving others', async (_what, bytes) => {
    const sim = await startSim();
    expect(await rawExchange(sim.port, bytes, 1)).toEqual({ frames: [], closed: true });
    const client = isoClient(sim.port);
    expect((await client.authorize(purchase(cardOf('visa-ok'), 1))).responseCode).toBe('00');
  });

  it('keeps a ledger with masked PANs and never logs a clear one', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const at = new Date(2026, 5, 15, 12, 0, 0);
    const sim = await startSim({ clock: () => at, logger: createLogger({ level: 'debug', destination }) });
    const client = isoClient(sim.port);
    const request = purchase(cardOf('mc-low-funds'), 600, { stan: '000777' });
    await client.authorize(request);
    expect(sim.ledger).toEqual([
      {
        time: at,
        mti: '0200',
        terminalId: 'T0000001',
        stan: '000777',
        transmissionDateTime: '0615143000',
        maskedPan: '555555******4444',
        amountMinor: 600,
        currency: '978',
        kind: 'purchase',
        responseCode: '51',
        authCode: null,
        rrn: '000000000001',
        tipMinor: null,
        cashbackMinor: null,
        heldMinor: null,
        capturedMinor: null,
        completed: false,
        originalStan: null,
        reversed: false,
      },
    ]);
    const text = lines.join('') + JSON.stringify(sim.ledger);
    expect(text).toContain('555555******4444');
    expect(text).not.toContain('5555555555554444');
  });

  it.each([
    ['0200', '0210'],
    ['0100', '0110'],
    ['0400', '0410'],
    ['0800', '0810'],
  ])('answers MTI %s with %s', (request, response) => {
    expect(responseMti(request)).toBe(response);
  });

  it('stops idempotently and releases its port', async () => {
    const sim = await startSim();
    const port = sim.port;
    await sim.stop();
    await sim.stop();
    const again = await startSim({ port });
    expect(again.port).toBe(port);
  });
});
