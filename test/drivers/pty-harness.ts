/**
 * What the socat pty tests share: whether socat is here to make a pair
 * (`createPtyPair`), whether a pair's socat is still running, so that each
 * test can check that closing the pair ended it, and which ptys a process
 * holds open, so that a test of virtual devices can prove their wires are
 * ptys and not the in-memory line the terminal falls back to without socat.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';

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
