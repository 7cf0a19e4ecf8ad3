/**
 * The bank-host simulator as its own process (`pos host-sim`), with its admin
 * port for the ledger: the host side of the crash test's comparison. The
 * terminal loses power throughout the run; the host is restarted, and once
 * killed, only in the phases of `phases.ts` (`host-bank.ts` keeps its book).
 */
import { join } from 'node:path';
import type { LedgerEntry as SimLedgerEntry } from '../../hw-mocks/host/ledger.js';
import { spawnLogged, waitForLine, type Child } from './child.js';

/** One financial request as the admin port reports it (`hw-mocks/host/admin-server.ts`): the fields the book reads. */
export type LedgerEntry = Pick<
  SimLedgerEntry,
  | 'mti'
  | 'terminalId'
  | 'stan'
  | 'transmissionDateTime'
  | 'maskedPan'
  | 'amountMinor'
  | 'currency'
  | 'kind'
  | 'responseCode'
  | 'reversed'
  | 'heldMinor'
  | 'capturedMinor'
  | 'completed'
  | 'originalStan'
>;

export interface HostSimProcess {
  readonly child: Child;
  /** tcp port of the ISO 8583 listener. */
  readonly isoPort: number;
  /** http://127.0.0.1:N of the admin listener. */
  readonly adminUrl: string;
  /** Financial requests; with `all` every request (reversals, network, reconciliation too). */
  ledger(all?: boolean): Promise<LedgerEntry[]>;
}

export interface HostSimOptions {
  readonly cli: string;
  readonly logDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** `--fault` rules, in order (the first matching rule with turns left wins). */
  readonly faults: readonly string[];
  /** The ISO 8583 port; default 0 (a free one). A restarted simulator takes its predecessor's. */
  readonly port?: number;
  /** 1, 2, …: the log files of a later life get the number (the first keeps `host-sim.*`). */
  readonly life?: number;
}

export async function startHostSim(options: HostSimOptions): Promise<HostSimProcess> {
  const suffix = (options.life ?? 1) > 1 ? `-${options.life ?? 1}` : '';
  const child = spawnLogged({
    name: `host-sim${suffix}`,
    args: [options.cli, 'host-sim', '--host', '127.0.0.1', '--port', String(options.port ?? 0), '--admin-port', '0', ...options.faults.flatMap((f) => ['--fault', f])],
    env: options.env,
    stdoutFile: join(options.logDir, `host-sim${suffix}.stdout`),
    stderrFile: join(options.logDir, `host-sim${suffix}.stderr`),
  });
  await waitForLine(child, /^ready\b/m, 15_000);
  const text = child.stdout();
  const iso = /^iso8583 tcp:\/\/127\.0\.0\.1:(\d+)$/m.exec(text);
  const admin = /^admin (http:\/\/127\.0\.0\.1:\d+)$/m.exec(text);
  if (!iso?.[1] || !admin?.[1]) throw new Error(`host-sim printed no iso8583/admin address:\n${text}`);
  const adminUrl = admin[1];
  return {
    child,
    isoPort: Number(iso[1]),
    adminUrl,
    ledger: async (all = false) => {
      const res = await fetch(`${adminUrl}/v1/ledger${all ? '?all=1' : ''}`, { signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) throw new Error(`GET /v1/ledger → ${res.status}`);
      const body = (await res.json()) as { entries?: LedgerEntry[] };
      if (!Array.isArray(body.entries)) throw new Error('GET /v1/ledger: no entries array');
      return body.entries;
    },
  };
}
