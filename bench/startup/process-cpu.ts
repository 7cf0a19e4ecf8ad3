/**
 * CPU time a process's main thread has run, from `/proc/<pid>/schedstat`
 * (nanoseconds on a CPU; the kernel's scheduler statistics). Unlike wall
 * time it hardly moves when other processes share the machine's cores, so it
 * compares runs taken while the machine was busy.
 */
import { readProcFile } from './proc-file.js';

/** Milliseconds, or `undefined` once the process has gone or the kernel keeps no scheduler statistics. */
export function readMainThreadCpuMs(pid: number): number | undefined {
  const text = readProcFile(pid, 'schedstat');
  if (text === undefined) return undefined;
  const ns = Number(text.split(' ')[0]);
  return Number.isFinite(ns) && ns > 0 ? ns / 1e6 : undefined;
}
