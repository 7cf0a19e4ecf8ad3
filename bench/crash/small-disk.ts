/**
 * A small real filesystem for the terminal's state folder, so that the
 * disk-full phase fills a disk for real: a tmpfs mounted on the folder with
 * `mount -t tmpfs -o size=…` (root only), a filler file written until the
 * kernel answers ENOSPC, then removed. SQLite sees the same SQLITE_FULL it
 * would on an SD card.
 *
 * At the end the folder's files are copied off the tmpfs, the tmpfs is
 * unmounted and the files put back in the (now plain) folder, so a kept run
 * can still be read and the run's folder removed like any other.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

const FILLER = 'filler.bin';
const MiB = 1024 * 1024;
/** tmpfs allocates whole pages: the last writes are one page each, so nothing is left. */
const PAGE = 4096;

export interface SmallDisk {
  readonly dir: string;
  readonly sizeMb: number;
  /** Writes the filler until ENOSPC; returns its size in bytes. */
  fill(): number;
  /** Removes the filler. */
  free(): void;
  /** Unmounts, keeping the folder's files (the caller has stopped every process using them). */
  release(): void;
}

/** Why a small disk cannot be had here, or null when it can be tried. */
export function smallDiskUnavailable(): string | null {
  if (process.platform !== 'linux') return `mount -t tmpfs needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'mount -t tmpfs needs root';
  return null;
}

/** Mounts a tmpfs of `sizeMb` on `dir` (created if missing, must be empty). Throws with the mount error. */
export function mountSmallDisk(dir: string, sizeMb: number): SmallDisk {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m,mode=0700`, 'tmpfs', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let mounted = true;
  const filler = join(dir, FILLER);
  return {
    dir,
    sizeMb,
    fill: () => {
      const fd = openSync(filler, 'a', 0o600);
      let written = 0;
      try {
        for (const chunk of [Buffer.alloc(MiB), Buffer.alloc(PAGE)]) {
          for (;;) {
            try {
              written += writeSync(fd, chunk);
            } catch (err) {
              if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
              throw err;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return written;
    },
    free: () => rmSync(filler, { force: true }),
    release: () => {
      if (!mounted) return;
      rmSync(filler, { force: true });
      const keep = mkdtempSync(join(dirname(dir), 'small-disk-copy-'));
      for (const name of readdirSync(dir)) {
        if (statSync(join(dir, name)).isFile()) copyFileSync(join(dir, name), join(keep, name));
      }
      try {
        execFileSync('umount', [dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch {
        // Something still holds a file open (a process that outlived the run): detach now, freed when it lets go.
        execFileSync('umount', ['-l', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
      }
      mounted = false;
      for (const name of readdirSync(keep)) copyFileSync(join(keep, name), join(dir, name));
      rmSync(keep, { recursive: true, force: true });
    },
  };
}
