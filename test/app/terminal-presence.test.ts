/**
 * The running terminal's mark in its state folder: trusted only while it
 * names a live process that wrote it (same boot, same start time), so a mark
 * left by a kill -9 or a power cut never passes for a running terminal.
 */
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markPresence, PRESENCE_FILE, runningTerminalPresence } from '../../src/app/terminal-presence.js';

const folder = (): string => mkdtempSync(join(tmpdir(), 'pos-presence-'));
const hasProc = existsSync('/proc/self/stat');

describe('the terminal presence mark', () => {
  it('is this process while it runs: starting (no URL), then ready, then gone at a clean stop', () => {
    const dir = folder();
    expect(runningTerminalPresence(dir)).toBeUndefined();
    const mark = markPresence(dir);
    expect(runningTerminalPresence(dir)).toMatchObject({ pid: process.pid, ecrUrl: null });
    expect(statSync(join(dir, PRESENCE_FILE)).mode & 0o777).toBe(0o600);
    mark.ready('http://127.0.0.1:7711');
    expect(runningTerminalPresence(dir)).toMatchObject({ pid: process.pid, ecrUrl: 'http://127.0.0.1:7711' });
    mark.clear();
    expect(existsSync(join(dir, PRESENCE_FILE))).toBe(false);
    expect(runningTerminalPresence(dir)).toBeUndefined();
  });

  it.runIf(hasProc)('is stale when it names another boot or another start of the pid', () => {
    const dir = folder();
    markPresence(dir);
    const file = join(dir, PRESENCE_FILE);
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(written['bootId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(written['startTime']).toMatch(/^\d+$/);
    writeFileSync(file, JSON.stringify({ ...written, bootId: '00000000-0000-0000-0000-000000000000' }));
    expect(runningTerminalPresence(dir)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ ...written, startTime: String(Number(written['startTime']) + 1) }));
    expect(runningTerminalPresence(dir)).toBeUndefined();
    writeFileSync(file, JSON.stringify(written));
    expect(runningTerminalPresence(dir)).toMatchObject({ pid: process.pid });
  });

  it.each([
    ['a pid no process has', JSON.stringify({ pid: 2 ** 22 + 7, bootId: null, startTime: null, ecrUrl: null })],
    ['not JSON', '{"pid": 1'],
    ['another shape', JSON.stringify({ pid: process.pid })],
    ['a pid that is not a number', JSON.stringify({ pid: 'me', bootId: null, startTime: null, ecrUrl: null })],
  ])('is not a running terminal when the file holds %s', (_what, text) => {
    const dir = folder();
    writeFileSync(join(dir, PRESENCE_FILE), text);
    expect(runningTerminalPresence(dir)).toBeUndefined();
  });

  it('leaves a mark another process wrote when clearing its own', () => {
    const dir = folder();
    const mark = markPresence(dir);
    const other = JSON.stringify({ pid: 1, bootId: null, startTime: null, ecrUrl: null });
    writeFileSync(join(dir, PRESENCE_FILE), other);
    mark.clear();
    expect(readFileSync(join(dir, PRESENCE_FILE), 'utf8')).toBe(other);
  });
});
