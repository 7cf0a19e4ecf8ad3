/**
 * The bank-host simulator as its own process (`pos host-sim`), with its admin
 * port for the ledger: the host side of the crash test's comparison. It is
 * never killed during the run — only the terminal loses power.
 */
import { join } from 'node:path';
import { spawnLogged, waitForLine, type Child } from './child.js';

/** One financial request as the admin port reports it (`hw-mocks/host/admin-server.ts`). */
export interface LedgerEntry {
  readonly mti: string;
  readonly terminalId: string | null;
  readonly stan: string | null;
  readonly transmissionDateTime: string | null;
  readonly maskedPan: string | null;
  readonly amountMinor: number | null;
  readonly currency: string | null;
  readonly kind: string | null;
  readonly responseCode: string | null;
  readonly reversed: boolean;
}

export interface HostSimProcess {
  readonly child: Child;
  /** tcp port of the ISO 8583 listener. */
  readonly isoPort: number;
  /** http://127.0.0.1:N of the admin listener. */
  readonly adminUrl: string;
  ledger(): Promise<LedgerEntry[]>;
}

export interface HostSimOptions {
  readonly cli: string;
  readonly logDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** `--fault` rules, in order (the first matching rule with turns left wins). */
  readonly faults: readonly string[];
}

export async function startHostSim(options: HostSimOptions): Promise<HostSimProcess> {
  const child = spawnLogged({
    name: 'host-sim',
    args: [options.cli, 'host-sim', '--host', '127.0.0.1', '--port', '0', '--admin-port', '0', ...options.faults.flatMap((f) => ['--fault', f])],
    env: options.env,
    stdoutFile: join(options.logDir, 'host-sim.stdout'),
    stderrFile: join(options.logDir, 'host-sim.stderr'),
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
    ledger: async () => {
      const res = await fetch(`${adminUrl}/v1/ledger`, { signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) throw new Error(`GET /v1/ledger → ${res.status}`);
      const body = (await res.json()) as { entries?: LedgerEntry[] };
      if (!Array.isArray(body.entries)) throw new Error('GET /v1/ledger: no entries array');
      return body.entries;
    },
  };
}
