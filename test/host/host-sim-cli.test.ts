/**
 * `pos host-sim` as a process (the built CLI, as `npm test` builds it): the
 * printed listener addresses, a purchase from the terminal's clients, the
 * ledger read from the admin port, and a clean exit on SIGTERM.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Iso8583HostClient } from '../../src/host/iso8583-host-client.js';
import { gatewayTlsFromFiles, JsonGatewayClient } from '../../src/host/json-gateway/index.js';
import { cardOf, purchase } from './helpers.js';

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
  it('prints its bound ports, answers a purchase, shows it on /v1/ledger, and exits 0 on SIGTERM', async () => {
    const { child, lines, stdout } = await startCli(['--port', '0', '--admin-port', '0']);
    const iso = lines.get('iso8583') ?? '';
    const admin = lines.get('admin') ?? '';
    expect(iso).toMatch(/^tcp:\/\/127\.0\.0\.1:\d+$/);
    expect(admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(iso.endsWith(':0')).toBe(false);
    const client = Iso8583HostClient.overTcp({ host: '127.0.0.1', port: Number(iso.split(':').at(-1)), timeoutMs: 5000 });
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
