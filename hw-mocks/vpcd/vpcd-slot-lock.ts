/**
 * vpcd has two slots ("Virtual PCD 00 00" on 35963, "… 00 01" on 35964), and
 * a slot serves one card connection at a time: a second program connecting
 * to a busy port waits unanswered. Every user of the virtual cards — the
 * simulation's PC/SC reader, `pos demo`, the tests, in however many
 * processes — claims a slot here first, by creating its lock file
 * exclusively (`O_EXCL`). A lock left by a process that died is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PosError } from '../../src/util/errors.js';
import { processAlive } from '../../src/util/process-alive.js';
import { VPCD_PORT } from './vpcd-framing.js';

export interface VpcdSlot {
  /** vpcd's port for the slot: cards are inserted here. */
  readonly port: number;
  /** The reader pcscd shows for the slot. */
  readonly readerName: string;
  /** Gives the slot back. Idempotent. */
  release(): void;
}

/** The two slots vsmartcard's vpcd driver gives pcscd (its reader.conf entry). */
export const VPCD_SLOTS = [
  { port: VPCD_PORT, readerName: 'Virtual PCD 00 00' },
  { port: VPCD_PORT + 1, readerName: 'Virtual PCD 00 01' },
] as const;

const RETRY_MS = 100;

function lockPath(dir: string, port: number): string {
  return join(dir, `pos-terminal-vpcd-${port}.lock`);
}

/** Takes the slot's lock file, or a stale one; false when a live process holds it. */
function tryLock(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(path, 'utf8'));
      } catch {
        continue; // released meanwhile
      }
      // A lock file still being written has no pid yet: its owner is alive.
      if (!Number.isInteger(owner) || owner <= 0 || processAlive(owner)) return false;
      rmSync(path, { force: true });
    }
  }
  return false;
}

/**
 * Claims a free vpcd slot, waiting up to `timeoutMs` (default 60 s) for one.
 * Rejects with `PCSC_VPCD_BUSY` when both stay taken. `lockDir` (default the
 * temp folder) is where every claimant looks.
 */
export async function claimVpcdSlot(options: { readonly timeoutMs?: number; readonly lockDir?: string } = {}): Promise<VpcdSlot> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  const dir = options.lockDir ?? tmpdir();
  for (;;) {
    for (const slot of VPCD_SLOTS) {
      const path = lockPath(dir, slot.port);
      if (!tryLock(path)) continue;
      let held = true;
      const release = (): void => {
        if (!held) return;
        held = false;
        rmSync(path, { force: true });
      };
      process.once('exit', release);
      return {
        ...slot,
        release: () => {
          process.off('exit', release);
          release();
        },
      };
    }
    if (Date.now() > deadline) {
      throw new PosError('PCSC_VPCD_BUSY', 'Both vpcd slots stay claimed by other programs (lock files in the temp folder name their pids)', { ports: VPCD_SLOTS.map((s) => s.port) });
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}
