/**
 * What the socat pty tests share: whether socat is here to make a pair
 * (`createPtyPair`), and whether a pair's socat is still running, so that each
 * test can check that closing the pair ended it.
 */
import { spawnSync } from 'node:child_process';

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
