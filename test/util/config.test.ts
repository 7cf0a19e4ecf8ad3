import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from '../../src/config/json-syntax.js';
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
    expect(config.ecr).toMatchObject({ host: '127.0.0.1', port: 7711 });
  });

  it('reads the file named by POS_CONFIG', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pos-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ devices: { reader: { type: 'virtual' } }, host: { type: 'iso8583-tcp', address: '127.0.0.1', port: 5800 } }));
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

describe('a config file that is not JSON', () => {
  function notJson(text: string) {
    const file = join(mkdtempSync(join(tmpdir(), 'pos-config-')), 'config.json');
    writeFileSync(file, text);
    return { file, error: thrown(() => loadConfig({ path: file, env: {} })) };
  }

  it.each<[string, string, { line: number; column: number; offset: number }, string]>([
    ['an unclosed object', '{ "keys": { "dir": "/srv/secret-folder" ', { line: 1, column: 41, offset: 40 }, 'secret-folder'],
    ['a bare word where a value goes', '{\n  "keys": {\n    "dir": hunter2-secret\n  }\n}\n', { line: 3, column: 12, offset: 25 }, 'hunter2'],
    ['a word that is almost true', '{ "a": trux }', { line: 1, column: 11, offset: 10 }, 'trux'],
    ['a trailing comma', '{ "a": "secret-before-comma", }', { line: 1, column: 31, offset: 30 }, 'secret-before-comma'],
    ['a line break inside a string', '{ "tak": "0123456789ABCDEF\n" }', { line: 1, column: 27, offset: 26 }, '0123456789ABCDEF'],
    ['text after the value', '{} secret-after', { line: 1, column: 4, offset: 3 }, 'secret-after'],
    ['a multi-byte character before the fault', '{ "site": "Zürich", x }', { line: 1, column: 21, offset: 21 }, 'rich'],
  ])('%s: CONFIG_NOT_JSON says where (line, column, byte offset), never what', (_what, text, where, secret) => {
    const { file, error } = notJson(text);
    expect(error.code).toBe('CONFIG_NOT_JSON');
    expect(error.details).toEqual({ path: file, ...where });
    expect(error.message).toContain(`line ${where.line}, column ${where.column}`);
    expect(error.message).not.toContain(secret);
  });

  it('finds an error exactly where JSON.parse finds one (arbitrary text)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(findJsonSyntaxError(text) === null).toBe(parses(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds an error exactly where JSON.parse finds one (JSON with one character changed, inserted or removed)', () => {
    const edited = fc
      .tuple(fc.json({ maxDepth: 3 }), fc.nat(), fc.constantFrom('del', 'ins', 'set'), fc.constantFrom(...'{}[]:,"\\ \n\t0123456789-+.eEtrufalsn\u0000x'.split('')))
      .map(([json, at, op, ch]) => {
        const i = json.length === 0 ? 0 : at % json.length;
        if (op === 'del') return json.slice(0, i) + json.slice(i + 1);
        if (op === 'ins') return json.slice(0, i) + ch + json.slice(i);
        return json.slice(0, i) + ch + json.slice(i + 1);
      });
    fc.assert(
      fc.property(edited, (text) => {
        const found = findJsonSyntaxError(text);
        expect(found === null).toBe(parses(text));
        if (found !== null) expect(found.offset).toBeLessThanOrEqual(text.length);
      }),
      { numRuns: 3000 },
    );
  });
});

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
