/**
 * What `pos diag [--json]` does: the one screen a technician reads on site —
 * devices found and their state, the host's echo round trip, keys present
 * with their check values (never the keys), journal health, pending
 * reversals and advices, disk space, and whether the clock is sane. Each
 * part is checked on its own, so one failure does not hide the others.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { stateDirFor } from '../../app/state-dir.js';
import { echoHost } from '../../app/host-echo.js';
import { KBPK_KEY_FILE, TAK_KEY_BLOCK_FILE } from '../../app/host-setup.js';
import { checkKeyFile, loadKeyFile } from '../../app/key-files.js';
import { loadConfig } from '../../config/load.js';
import { TerminalMacKey } from '../../host/keys.js';
import { JournalReader, JOURNAL_FILE } from '../../txn/journal/index.js';
import { asPosError } from '../../util/errors.js';
import { EXIT_FAILURE, printJson } from '../errors.js';
import { collectDeviceReport } from './diag-devices.js';

type Check<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string; readonly message: string };

async function check<T>(fn: () => Promise<T> | T): Promise<Check<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const e = asPosError(err, 'pos diag');
    return { ok: false, error: e.code, message: e.message };
  }
}

function keysReport(dir: string): { dir: string; files: { name: string; ok: boolean; problem?: string; kcv?: string }[] } {
  const files = existsSync(dir) ? readdirSync(dir).sort() : [];
  return {
    dir,
    files: files.map((name) => {
      const path = join(dir, name);
      try {
        checkKeyFile(path);
        if (name !== TAK_KEY_BLOCK_FILE) return { name, ok: true };
        const kbpk = loadKeyFile(join(dir, KBPK_KEY_FILE));
        try {
          const tak = TerminalMacKey.fromKeyBlock(kbpk.reveal(), readFileSync(path, 'latin1').trim());
          const kcv = tak.kcv();
          tak.wipe();
          return { name, ok: true, kcv };
        } finally {
          kbpk.wipe();
        }
      } catch (err) {
        return { name, ok: false, problem: asPosError(err, 'key check').code };
      }
    }),
  };
}

function journalReport(dir: string): { file: string; entries: number; byState: Record<string, number>; pendingReversals: number; pendingAdvices: number } {
  const reader = JournalReader.open(dir);
  try {
    const entries = reader.list();
    const byState: Record<string, number> = {};
    for (const e of entries) byState[e.state] = (byState[e.state] ?? 0) + 1;
    return {
      file: join(dir, JOURNAL_FILE),
      entries: entries.length,
      byState,
      pendingReversals: byState['reversal-pending'] ?? 0,
      pendingAdvices: byState['advice-pending'] ?? 0,
    };
  } finally {
    reader.close();
  }
}

function diskReport(dir: string): { dir: string; freeBytes: number; totalBytes: number; freePercent: number } {
  const s = statfsSync(existsSync(dir) ? dir : '/');
  const free = s.bavail * s.bsize;
  const total = s.blocks * s.bsize;
  return { dir, freeBytes: free, totalBytes: total, freePercent: Math.round((free / total) * 1000) / 10 };
}

function clockReport(): { now: string; timeZone: string; sane: boolean; ntpSynchronized: boolean | null } {
  const now = new Date();
  let ntp: boolean | null = null;
  try {
    ntp = execFileSync('timedatectl', ['show', '-p', 'NTPSynchronized', '--value'], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'yes';
  } catch {
    ntp = null; // no timedatectl, or no systemd running: unknown, not false
  }
  // A Pi without an RTC boots in 1970 until NTP answers: expiry checks and DE 7 would be wrong.
  const year = now.getUTCFullYear();
  return { now: now.toISOString(), timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, sane: year >= 2025 && year < 2100, ntpSynchronized: ntp };
}

export interface DiagOptions {
  readonly json?: boolean;
}

export async function runDiagSummary(opts: DiagOptions, configPath: string | undefined): Promise<void> {
  const { config, path } = loadConfig({ path: configPath });
  const stateDir = stateDirFor(config, path);
  const keyDir = config.host.type === 'simulator' ? join(stateDir, 'keys') : config.keys.dir;
  const summary = {
    terminal: { id: config.terminal.id, config: path ?? '(built-in simulation)' },
    devices: await check(() => collectDeviceReport(config)),
    host: await check(() => echoHost(config)),
    keys: await check(() => keysReport(keyDir)),
    journal: await check(() => journalReport(stateDir)),
    disk: await check(() => diskReport(stateDir)),
    clock: await check(() => clockReport()),
  };
  const healthy = summary.host.ok && summary.journal.ok && summary.clock.ok && summary.clock.value.sane && (!summary.disk.ok || summary.disk.value.freePercent > 5);
  if (opts.json === true) printJson({ healthy, ...summary });
  else process.stdout.write(formatSummary(summary, healthy));
  if (!healthy) process.exitCode = EXIT_FAILURE;
}

function formatSummary(s: Record<string, unknown>, healthy: boolean): string {
  const lines = [`pos-terminal diagnostics — ${healthy ? 'OK' : 'ATTENTION'}`];
  for (const [name, value] of Object.entries(s)) {
    if (isCheck(value)) {
      lines.push(value.ok ? `  ${name.padEnd(9)} ${JSON.stringify(value.value)}` : `  ${name.padEnd(9)} FAIL ${value.error}: ${value.message}`);
    } else {
      lines.push(`  ${name.padEnd(9)} ${JSON.stringify(value)}`);
    }
  }
  return lines.join('\n') + '\n';
}

function isCheck(value: unknown): value is Check<unknown> {
  return typeof value === 'object' && value !== null && 'ok' in value;
}
