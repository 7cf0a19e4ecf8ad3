/**
 * Reads another process's memory the way an attacker with root (or a core
 * dump) would: `/proc/<pid>/maps` for the mapped regions, `/proc/<pid>/mem`
 * for their bytes, and searches them for byte strings.
 *
 * Every readable region is read except mappings of files that the process
 * cannot write (its program, libraries and locale data exactly as on disk:
 * what a copy of the SD card already holds). Heap, stacks, V8's spaces,
 * anonymous and writable file mappings are all read. The process is stopped
 * (SIGSTOP) while it is read, so the dump is one moment, and continued after.
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';

export interface MemoryRegion {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  /** The mapped file, `[heap]`, `[stack]`…, or empty for anonymous memory. */
  readonly name: string;
}

export interface Needle {
  readonly what: string;
  readonly bytes: Buffer;
}

export interface Hit {
  readonly what: string;
  readonly region: string;
  readonly address: number;
}

export interface MemoryScan {
  readonly hits: readonly Hit[];
  readonly regions: number;
  readonly bytesRead: number;
}

/** Regions a scan reads: readable, not kernel-provided pages, and not a read-only view of a file. */
export function regionsToScan(pid: number): MemoryRegion[] {
  const regions: MemoryRegion[] = [];
  for (const line of readFileSync(`/proc/${pid}/maps`, 'latin1').split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, from = '', to = '', perms = '', inode = '0', name = ''] = m;
    if (perms[0] !== 'r' || name === '[vvar]' || name === '[vsyscall]' || name === '[vdso]') continue;
    const fileBacked = inode !== '0' && name.startsWith('/');
    if (fileBacked && perms[1] !== 'w') continue;
    regions.push({ start: parseInt(from, 16), end: parseInt(to, 16), perms, name });
  }
  return regions;
}

/** Bytes read from `/proc/<pid>/mem` at a time; needles overlap chunk edges so none is missed. */
const CHUNK_BYTES = 16 * 1024 * 1024;

/**
 * Stops `pid`, reads every region `regionsToScan` names and reports where
 * each needle occurs (every occurrence, by address), then continues it.
 * Throws when `/proc/<pid>/mem` cannot be opened (not root, no ptrace right).
 */
export function scanProcessMemory(pid: number, needles: readonly Needle[]): MemoryScan {
  const longest = Math.max(...needles.map((n) => n.bytes.length));
  const fd = openSync(`/proc/${pid}/mem`, 'r');
  process.kill(pid, 'SIGSTOP');
  const hits: Hit[] = [];
  let bytesRead = 0;
  let regions = 0;
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES + longest);
    for (const region of regionsToScan(pid)) {
      regions++;
      for (let at = region.start; at < region.end; at += CHUNK_BYTES) {
        const want = Math.min(CHUNK_BYTES + longest, region.end - at);
        let got: number;
        try {
          got = readSync(fd, chunk, 0, want, at);
        } catch {
          break; // a region unmapped while listed, or a guard page: nothing to read
        }
        bytesRead += Math.min(got, CHUNK_BYTES);
        const view = chunk.subarray(0, got);
        for (const needle of needles) {
          // Matches starting in the overlap belong to the next chunk.
          const limit = Math.min(got, CHUNK_BYTES);
          for (let i = view.indexOf(needle.bytes); i >= 0 && i < limit; i = view.indexOf(needle.bytes, i + 1)) {
            hits.push({ what: needle.what, region: region.name || `anonymous ${region.perms}`, address: at + i });
          }
        }
      }
    }
  } finally {
    process.kill(pid, 'SIGCONT');
    closeSync(fd);
  }
  return { hits, regions, bytesRead };
}

/** A text in the spellings a process holds it: ASCII (Buffers, V8 one-byte strings) and UTF-16LE (V8 two-byte strings). */
export function textNeedles(what: string, text: string): Needle[] {
  return [
    { what: `${what} (ASCII)`, bytes: Buffer.from(text, 'latin1') },
    { what: `${what} (UTF-16LE)`, bytes: Buffer.from(text, 'utf16le') },
  ];
}
