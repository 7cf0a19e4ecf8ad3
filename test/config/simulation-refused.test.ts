/**
 * Only what the config writes out runs: a config file that forgets its host or
 * reader is refused instead of falling back to the simulator, production
 * refuses simulation altogether, and an ISO 8583 host without the terminal MAC
 * key does not start (an unauthenticated answer must never approve).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTerminal } from '../../src/app/terminal.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { SIMULATED_DEFAULT } from '../../src/config/schema.js';
import { silentLogger } from '../../src/log/logger.js';
import { RecordingDisplay } from '../../src/display/console-display.js';
import { rejection, thrown } from '../pos-error.js';

const root = mkdtempSync(join(tmpdir(), 'pos-sim-guard-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function configFile(name: string, content: unknown): string {
  const file = join(root, `${name}.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const PRODUCTION = { NODE_ENV: 'production' };

describe('a config file names its host and reader', () => {
  it.each([
    ['no host section', { devices: { reader: { type: 'virtual' } } }, 'host'],
    ['no devices section', { host: { type: 'simulator' } }, 'devices'],
    ['devices without a reader', { devices: { display: { type: 'console' } }, host: { type: 'simulator' } }, 'devices.reader'],
  ])('refuses a file with %s (CONFIG_INVALID naming %s)', (_what, content, field) => {
    const err = thrown(() => loadConfig({ path: configFile(field, content), env: {} }));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.details['fields']).toContain(field);
  });

  it('the built-in default, used only with no config file at all, is written-out simulation', () => {
    expect(parseConfig(SIMULATED_DEFAULT)).toMatchObject({ host: { type: 'simulator' }, devices: { reader: { type: 'virtual', model: 'msr' }, printer: { type: 'virtual', columns: 42 } } });
  });
});

describe('production refuses simulation', () => {
  const start = (raw: unknown, env: NodeJS.ProcessEnv) =>
    startTerminal(parseConfig(raw), { logger: silentLogger, displayOut: process.stderr, display: new RecordingDisplay(), stateDir: join(root, 'state'), env });

  it.each([
    ['the simulated default (no config file)', SIMULATED_DEFAULT, ['devices.reader', 'devices.printer', 'host']],
    ['a virtual reader', { devices: { reader: { type: 'virtual' } }, host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 5800 } }, ['devices.reader']],
    ['a virtual PIN pad and display', { devices: { reader: { type: 'msr-serial', path: '/dev/pos-reader' }, pinpad: { type: 'virtual' }, display: { type: 'virtual' } }, host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 5800 } }, ['devices.pinpad', 'devices.display']],
    ['the bank-host simulator', { devices: { reader: { type: 'msr-serial', path: '/dev/pos-reader' } }, host: { type: 'simulator' } }, ['host']],
    [
      'the published test CA keys',
      { devices: { reader: { type: 'pcsc', readerName: 'CCID' } }, host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 5800 }, emv: { capkSets: ['emv-test'] } },
      ['emv.capkSets'],
    ],
  ])('refuses %s with CONFIG_SIMULATION_REFUSED (exit 2)', async (_what, raw, fields) => {
    const err = await rejection(start(raw, PRODUCTION));
    expect(err.code).toBe('CONFIG_SIMULATION_REFUSED');
    expect(err.kind).toBe('config');
    expect(err.details['fields']).toEqual(fields);
  });

  it('refuses an ISO 8583 host without the terminal MAC key (KEY_FILE_MISSING), in development too', async () => {
    const keys = join(root, 'keys-without-tak');
    mkdirSync(keys, { mode: 0o700 });
    const raw = { devices: { reader: { type: 'virtual' } }, host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 5800, echoIntervalMs: 0 }, keys: { dir: keys }, ecr: { port: 0 } };
    const err = await rejection(start(raw, {}));
    expect(err.code).toBe('KEY_FILE_MISSING');
    expect(String(err.details['path'])).toMatch(/tak\.tr31$/);
  });
});
