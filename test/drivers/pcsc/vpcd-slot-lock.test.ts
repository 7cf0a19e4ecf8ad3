import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claimVpcdSlot, VPCD_SLOTS, type VpcdSlot } from '../../../hw-mocks/vpcd/vpcd-slot-lock.js';
import { rejection } from '../../pos-error.js';

const dir = mkdtempSync(join(tmpdir(), 'pos-vpcd-lock-'));
const held: VpcdSlot[] = [];
afterEach(() => {
  for (const slot of held.splice(0)) slot.release();
});
const claim = async (timeoutMs = 1000): Promise<VpcdSlot> => {
  const slot = await claimVpcdSlot({ lockDir: dir, timeoutMs });
  held.push(slot);
  return slot;
};
const lockFile = (port: number): string => join(dir, `pos-terminal-vpcd-${port}.lock`);

describe('vpcd slot claims', () => {
  it('hands out each slot once, with its port and reader, writing the claimant pid', async () => {
    const first = await claim();
    const second = await claim();
    expect([first, second].map((s) => [s.port, s.readerName])).toEqual(VPCD_SLOTS.map((s) => [s.port, s.readerName]));
    expect(readFileSync(lockFile(first.port), 'utf8')).toBe(String(process.pid));
  });

  it('with both taken, waits, then refuses with PCSC_VPCD_BUSY', async () => {
    await claim();
    await claim();
    const started = Date.now();
    await expect(rejection(claimVpcdSlot({ lockDir: dir, timeoutMs: 250 }))).resolves.toMatchObject({ code: 'PCSC_VPCD_BUSY', details: { ports: [35963, 35964] } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('a released slot is claimed again by a waiting claimant', async () => {
    const first = await claim();
    await claim();
    const waiting = claimVpcdSlot({ lockDir: dir, timeoutMs: 2000 });
    setTimeout(() => first.release(), 150);
    const next = await waiting;
    held.push(next);
    expect(next.port).toBe(first.port);
  });

  it("a lock left by a process that died is taken over; a live process's is not", async () => {
    writeFileSync(lockFile(VPCD_SLOTS[0].port), '2147483646');
    writeFileSync(lockFile(VPCD_SLOTS[1].port), String(process.ppid));
    const slot = await claim();
    expect(slot.port).toBe(VPCD_SLOTS[0].port);
    await expect(rejection(claimVpcdSlot({ lockDir: dir, timeoutMs: 150 }))).resolves.toMatchObject({ code: 'PCSC_VPCD_BUSY' });
    rmSync(lockFile(VPCD_SLOTS[1].port));
  });
});
