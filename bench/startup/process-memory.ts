/**
 * A process's resident memory as Linux reports it in `/proc/<pid>/status`:
 * `VmRSS` (resident now) and `VmHWM` (the high-water mark: the most it has
 * been resident at once). Read from outside, so the measured process runs
 * nothing extra for it.
 */
import { readProcFile } from './proc-file.js';

export interface MemorySample {
  readonly rssBytes: number;
  readonly peakBytes: number;
}

const KIB = 1024;

/** The sample, or `undefined` once the process has gone (or has released its memory on the way out). */
export function readProcessMemory(pid: number): MemorySample | undefined {
  const status = readProcFile(pid, 'status');
  if (status === undefined) return undefined;
  const rss = kibField(status, 'VmRSS');
  const peak = kibField(status, 'VmHWM');
  return rss === undefined || peak === undefined ? undefined : { rssBytes: rss * KIB, peakBytes: peak * KIB };
}

function kibField(status: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}
