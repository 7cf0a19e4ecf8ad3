/**
 * What the socat pty tests share: whether socat is here to make a pair
 * (`createPtyPair`), whether a pair's socat is still running, so that each
 * test can check that closing the pair ended it, and which ptys a process
 * holds open, so that a test of virtual devices can prove their wires are
 * ptys and not the in-memory line the terminal falls back to without socat.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, beforeEach, expect } from 'vitest';
import { openPtyEnd } from '../../hw-mocks/pty-end.js';
import { createPtyPair, type PtyPair } from '../../hw-mocks/pty.js';
import type { ByteTransport } from '../../src/devices/byte-transport.js';
import type { Logger } from '../../src/log/logger.js';
import { captureLog } from './reader-harness.js';

/** socat on PATH; the pty tests are skipped without it (apt-get install socat). */
/** Whether the socat tests run: always in CI, which installs socat (a missing socat there fails them, not skips them). */
export const hasSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0 || process.env['CI'] === 'true';

/** Whether a process runs (signal 0 checks without sending anything). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pty devices (`/dev/pts/N`) process `pid` holds open, one entry per descriptor (Linux /proc). */
export function ptysOpenIn(pid: number | 'self' = 'self'): string[] {
  const fds = `/proc/${pid}/fd`;
  return readdirSync(fds).flatMap((fd) => {
    try {
      const target = readlinkSync(`${fds}/${fd}`);
      return /^\/dev\/pts\/\d+$/.test(target) ? [target] : [];
    } catch {
      return []; // closed while listed
    }
  });
}

/** The ptys in `now` that were not open in `before`. */
export function ptysOpenedSince(before: readonly string[], now: readonly string[] = ptysOpenIn()): string[] {
  const left = [...before];
  return now.filter((pty) => {
    const i = left.indexOf(pty);
    if (i === -1) return true;
    left.splice(i, 1);
    return false;
  });
}

interface Closable {
  close(): Promise<void>;
}

/** How a pty test makes its two sides: the virtual device on the device end, the driver on the host path. */
export interface PtyRigSides<Twin extends Closable, Driver extends Closable> {
  readonly twin: (deviceEnd: ByteTransport) => Twin;
  readonly driver: (hostPath: string, logger: Logger) => Promise<Driver>;
}

/** What each test of a pty rig gets, made fresh before it. `twin` may be replaced; the rig closes whichever is there. */
export interface PtyRig<Twin extends Closable, Driver extends Closable> {
  pair: PtyPair;
  twin: Twin;
  driver: Driver;
  log: ReturnType<typeof captureLog>;
}

/**
 * Before each test of the calling `describe`: a socat pty pair, the twin on
 * its device end, a captured debug log and the driver on its host end. After
 * each: driver, twin and pair closed, and socat checked to have ended.
 */
export function ptyRig<Twin extends Closable, Driver extends Closable>(sides: PtyRigSides<Twin, Driver>): PtyRig<Twin, Driver> {
  const rig = {} as PtyRig<Twin, Driver>;
  beforeEach(async () => {
    rig.pair = await createPtyPair();
    rig.twin = sides.twin(openPtyEnd(rig.pair.devicePath));
    rig.log = captureLog();
    rig.driver = await sides.driver(rig.pair.hostPath, rig.log.logger);
  });
  afterEach(async () => {
    await rig.driver.close();
    await rig.twin.close();
    await rig.pair.close();
    expect(alive(rig.pair.pid)).toBe(false);
  });
  return rig;
}
