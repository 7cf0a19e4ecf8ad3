/** A file of `/proc/<pid>/` as text, or `undefined` once the process has gone (or the kernel does not keep it). */
import { readFileSync } from 'node:fs';

export function readProcFile(pid: number, name: 'status' | 'schedstat'): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'latin1');
  } catch {
    return undefined;
  }
}
