import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { thrown } from '../pos-error.js';

describe('config', () => {
  it('defaults to the simulated terminal when no file exists', () => {
    const { config, path } = loadConfig({ env: {} , path: undefined });
    expect(path).toBeNull();
    expect(config.devices.reader).toEqual({ type: 'virtual', model: 'msr' });
    expect(config.devices.pinpad).toEqual({ type: 'none' });
    expect(config.host.type).toBe('simulator');
    expect(config.terminal).toEqual({ id: 'T0000001', merchantId: 'M00000000000001', currency: '978', country: '276' });
    expect(config.ecr).toEqual({ host: '127.0.0.1', port: 7711 });
  });

  it('reads the file named by POS_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pos-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 5800 } }));
    const { config } = loadConfig({ env: { POS_CONFIG: file } });
    expect(config.host).toMatchObject({ type: 'iso8583-tcp', address: '127.0.0.1', port: 5800, timeoutMs: 15000, dialect: 'iso87ascii', lengthHeader: 'binary2' });
  });

  it.each([
    [{ terminal: { id: 'T1' } }, 'terminal.id'],
    [{ terminal: { currency: '97' } }, 'terminal.currency'],
    [{ ecr: { port: 70000 } }, 'ecr.port'],
    [{ devices: { reader: { type: 'msr-serial' } } }, 'devices.reader.path'],
    [{ devices: { reader: { type: 'teleport' } } }, 'devices.reader.type'],
    [{ devices: { reader: { type: 'vivopay', transport: 'serial' } } }, 'devices.reader.path'],
    [{ devices: { reader: { type: 'vivopay', transport: 'usb' } } }, 'devices.reader.transport'],
    [{ devices: { pinpad: { type: 'verifone-serial', path: '/dev/x', parity: 'sideways' } } }, 'devices.pinpad.parity'],
    [{ devices: { display: { type: 'vfd-serial', path: '/dev/x', emulation: 'other' } } }, 'devices.display.emulation'],
    [{ host: { type: 'https-json', url: 'not a url' } }, 'host.url'],
    [{ host: { type: 'iso8583-tcp', address: '10.0.0.1', port: 5800, timeoutMs: -1 } }, 'host.timeoutMs'],
    [{ surprise: true }, '(root)'],
  ])('names the bad field of %j', (raw, field) => {
    const err = thrown(() => parseConfig(raw));
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.kind).toBe('config');
    expect(err.details['fields']).toContain(field);
  });

  it('says when a named file is missing or not JSON', () => {
    expect(thrown(() => loadConfig({ path: '/nonexistent/pos.json', env: {} })).code).toBe('CONFIG_UNREADABLE');
    const dir = mkdtempSync(join(tmpdir(), 'pos-config-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{ "terminal": ');
    expect(thrown(() => loadConfig({ path: file, env: {} })).code).toBe('CONFIG_NOT_JSON');
  });
});
