/**
 * Small real filesystems for tests: a read-only mount, a disk that is full.
 * Mounting needs root (CI runs as root). Elsewhere the tests that need one
 * are skipped — except in CI, where a mount that fails fails the test.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Mount {
  readonly dir: string;
  unmount(): void;
}

/** Mounts a tmpfs on `dir` with `options` (`ro`, `size=64k`…). */
export function mountTmpfs(dir: string, options: string): Mount {
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'pos-test', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  return { dir, unmount: () => execFileSync('umount', [dir], { stdio: ['ignore', 'ignore', 'pipe'] }) };
}

function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = mkdtempSync(join(tmpdir(), 'pos-mount-probe-'));
  try {
    mountTmpfs(dir, 'size=16k').unmount();
    return true;
  } catch {
    return false;
  } finally {
    rmdirSync(dir);
  }
}

/** Whether the mount tests run: where a tmpfs can be mounted, and always in CI (which runs as root). */
export const canMountTmpfs = process.env['CI'] === 'true' || canMount();
