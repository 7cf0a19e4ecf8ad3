/**
 * The running terminal's mark in its state folder (`terminal.pid`, JSON):
 * which process holds the journal and where its ECR API answers. A tool that
 * must not act on the journal beside a running terminal (`pos batch close`)
 * reads it instead of guessing from a port.
 *
 * A mark outlives a kill -9 or a power cut, so it is trusted only while it
 * names a live process that is the one that wrote it: the same boot
 * (`/proc/sys/kernel/random/boot_id`) and the same process start time
 * (field 22 of `/proc/<pid>/stat`), so a pid reused after a reboot, or by
 * another program, is not taken for the terminal. Where there is no /proc,
 * a live pid is all there is to go by.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { processAlive } from '../util/process-alive.js';

export const PRESENCE_FILE = 'terminal.pid';

export interface Presence {
  readonly pid: number;
  readonly bootId: string | null;
  readonly startTime: string | null;
  /** Where the ECR API answers; null while the terminal is still starting. */
  readonly ecrUrl: string | null;
}

const presenceSchema = z.strictObject({
  pid: z.number().int().positive(),
  bootId: z.string().max(64).nullable(),
  startTime: z.string().regex(/^\d{1,20}$/).nullable(),
  ecrUrl: z.string().max(300).nullable(),
});

export interface PresenceMark {
  /** Says where the ECR API answers, once it does. */
  ready(ecrUrl: string): void;
  /** Removes the mark (at a clean stop). */
  clear(): void;
}

/** Marks `stateDir` as this process's, from before the journal opens until `clear()`. */
export function markPresence(stateDir: string): PresenceMark {
  const file = join(stateDir, PRESENCE_FILE);
  const self: Omit<Presence, 'ecrUrl'> = { pid: process.pid, bootId: bootId(), startTime: startTimeOf(process.pid) };
  const write = (ecrUrl: string | null): void => {
    // Written whole, then renamed: a reader never sees half a mark.
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify({ ...self, ecrUrl }), { mode: 0o600 });
    renameSync(temp, file);
  };
  write(null);
  return {
    ready: (ecrUrl) => write(ecrUrl),
    clear: () => {
      if (readPresence(file)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}

/** The terminal running on `stateDir`, if its mark names a live process that wrote it; undefined otherwise (none, stale, unreadable). */
export function runningTerminalPresence(stateDir: string): Presence | undefined {
  const presence = readPresence(join(stateDir, PRESENCE_FILE));
  if (presence === undefined || !processAlive(presence.pid)) return undefined;
  const boot = bootId();
  if (presence.bootId !== null && boot !== null && presence.bootId !== boot) return undefined;
  const started = startTimeOf(presence.pid);
  if (presence.startTime !== null && started !== null && presence.startTime !== started) return undefined;
  return presence;
}

function readPresence(file: string): Presence | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = presenceSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat (clock ticks after boot); the command name before it may hold spaces and parentheses. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "comm", field 3 (state) is index 0: field 22 is index 19.
    const value = fields[19];
    return value !== undefined && /^\d+$/.test(value) ? value : null;
  } catch {
    return null;
  }
}
