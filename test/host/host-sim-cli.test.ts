/**
 * `pos host-sim` as a process (the built CLI, as `npm test` builds it): the
 * printed listener addresses, a purchase from the terminal's clients, the
 * ledger read from the admin port, and a clean exit on SIGTERM.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LengthPrefixFramer } from '../../src/host/channels/length-prefix-framer.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import { gatewayTlsFromFiles } from '../../src/host/json-gateway/from-config.js';
import { JsonGatewayClient } from '../../src/host/json-gateway/json-gateway-client.js';
import { cardOf, frameMessage, isoClient, purchase } from './helpers.js';
import { pinPad } from './issuer-fixtures.js';

const CLI = 'dist/src/cli/main.js';
const AT = new Date(Date.UTC(2026, 5, 15, 14, 30, 0));

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly lines: Map<string, string>;
  stdout(): string;
}

/** Starts `pos host-sim …` and waits for its `ready` line; the other lines are `name value`. */
async function startCli(args: readonly string[]): Promise<Started> {
  const child = spawn(process.execPath, [CLI, 'host-sim', ...args], { env: { ...process.env, POS_LOG_LEVEL: 'warn', POS_LOG_PRETTY: '0' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready: ${stdout} ${stderr}`)), 15_000);
    const check = (): void => {
      if (/^ready /m.test(stdout)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited ${String(code)}: ${stderr}`)));
  });
  const lines = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const [name, value] = line.split(' ');
    if (name !== undefined && value !== undefined) lines.set(name, value);
  }
  return { child, lines, stdout: () => stdout };
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('pos host-sim', () => {
  it.each([
    ['sockets on their own thread (the default)', []],
    ['one thread (--no-io-thread)', ['--no-io-thread']],
  ])('prints its bound ports, answers a purchase, shows it on /v1/ledger, and exits 0 on SIGTERM: %s', async (_mode, extra) => {
    const { child, lines, stdout } = await startCli(['--port', '0', '--admin-port', '0', ...extra]);
    const iso = lines.get('iso8583') ?? '';
    const admin = lines.get('admin') ?? '';
    expect(iso).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(iso.endsWith(':0')).toBe(false);
    const client = isoClient(Number(iso.split(':').at(-1)));
    try {
      expect((await client.authorize(purchase(cardOf('visa-ok'), 2500, { stan: '000031', at: AT }))).responseCode).toBe('00');
    } finally {
      await client.close();
    }
    const ledger = (await (await fetch(`${admin}/v1/ledger`)).json()) as { entries: unknown[] };
    expect(ledger.entries).toEqual([expect.objectContaining({ terminalId: 'T0000001', stan: '000031', amountMinor: 2500, responseCode: '00', reversed: false })]);
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stdout()).toContain('host-sim stopped after 1 request(s)');
  });

  it('with --tls and --https-port prints the PKI folder a terminal config can point at; the JSON gateway answers; the folder goes on SIGINT', async () => {
    const { child, lines } = await startCli(['--port', '0', '--tls', '--header', 'ascii4', '--https-port', '0', '--admin-port', '0']);
    expect(lines.get('iso8583')).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
    const dir = lines.get('pki') ?? '';
    expect(existsSync(join(dir, 'ca.crt'))).toBe(true);
    const tls = gatewayTlsFromFiles({ caFile: join(dir, 'ca.crt'), certFile: join(dir, 'client.crt'), keyFile: join(dir, 'client.key') });
    const client = new JsonGatewayClient({ url: lines.get('https') ?? '', timeoutMs: 5000, tls });
    try {
      expect((await client.authorize(purchase(cardOf('visa-ok'), 100, { stan: '000032', at: AT }))).responseCode).toBe('00');
    } finally {
      await client.close();
    }
    const health = (await (await fetch(`${lines.get('admin') ?? ''}/v1/health`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', financial: 1 });
    const exited = exitOf(child);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(dir)).toBe(false);
  });

  it('checks online PINs with keys derived on the I/O thread: right PIN 00, wrong 55, the third wrong 75, then refuses the right one', async () => {
    const { child, lines } = await startCli(['--port', '0']);
    const client = isoClient(Number((lines.get('iso8583') ?? '').split(':').at(-1)));
    const pad = pinPad();
    let stan = 50;
    const send = async (pin: string): Promise<string> =>
      (await client.authorize({ ...purchase(cardOf('visa-ok'), 100, { stan: String(++stan).padStart(6, '0'), at: AT }), pin: pad(pin, '4111111111111111') })).responseCode;
    try {
      expect([await send('1234'), await send('0000'), await send('0000'), await send('0000'), await send('1234')]).toEqual(['00', '55', '55', '75', '75']);
    } finally {
      await client.close();
    }
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('carries faults and refusals across the I/O thread: a garbage answer, then real ones, answers in any order on one connection, a broken frame closes it', async () => {
    const { child, lines } = await startCli(['--port', '0', '--fault', 'garbage,mti=0800,times=1', '--fault', 'delay:300,mti=0800,times=1']);
    const socket = connect({ host: '127.0.0.1', port: Number((lines.get('iso8583') ?? '').split(':').at(-1)) });
    const framer = new LengthPrefixFramer();
    const frames: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => frames.push(...framer.push(chunk)));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const echo = (stan: string): Buffer => frameMessage(encodeMessage(iso87ascii, { mti: '0800', fields: { 7: '0615143000', 11: stan, 41: 'T0000001', 70: '301' } }));
    const until = (count: number) => expect.poll(() => frames.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(count);
    try {
      socket.write(echo('000041')); // garbage
      await until(1);
      socket.write(echo('000042')); // held back 300 ms
      socket.write(echo('000043')); // answered at once: overtakes the delayed one
      await until(3);
      expect(frames[0]?.subarray(0, 8).toString('latin1')).toBe('GARBAGE!');
      const answers = frames.slice(1).map((f) => decodeMessage(iso87ascii, f));
      expect(answers.map((a) => [a.mti, a.get(11), a.get(39)])).toEqual([
        ['0810', '000043', '00'],
        ['0810', '000042', '00'],
      ]);
      socket.write(Buffer.from([0x00, 0x04, 0x47, 0x41, 0x52, 0x42])); // a frame that is not ISO 8583
      await closed;
    } finally {
      socket.destroy();
    }
    const exited = exitOf(child);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('says HOST_SIM_LISTEN_FAILED, from the I/O thread, when its port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (busy.address() as AddressInfo).port;
      const result = spawnSync(process.execPath, [CLI, 'host-sim', '--port', String(port)], { encoding: 'utf8', env: { ...process.env, POS_LOG_PRETTY: '0' } });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/HOST_SIM_LISTEN_FAILED/);
      expect(result.stderr).toMatch(/EADDRINUSE/);
    } finally {
      busy.close();
    }
  });

  it.each([
    [['--fault', 'explode'], /CHANNEL_FAULT_INVALID/],
    [['--header', 'ascii3'], /binary2, ascii4/],
    [['--dialect', 'iso93'], /iso87ascii/],
  ])('refuses %j with exit 2 and one line', (args, message) => {
    const result = spawnSync(process.execPath, [CLI, 'host-sim', '--port', '0', ...args], { encoding: 'utf8' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
