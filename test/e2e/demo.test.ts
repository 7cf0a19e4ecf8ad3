/**
 * The whole stack as a user runs it: the built `pos demo` in its own process,
 * virtual reader on a socat pty, host simulator over TCP, ECR API over HTTP.
 * Then every byte it wrote is searched for card data.
 */
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { hasSocat, ptysOpenIn } from '../drivers/pty-harness.js';
import { scanForSecrets } from '../hygiene/card-secrets.js';

function runDemo(args: string[]) {
  const result = spawnSync(process.execPath, ['dist/src/cli/main.js', 'demo', ...args], {
    encoding: 'buffer',
    env: { ...process.env, POS_LOG_LEVEL: 'debug', POS_LOG_PRETTY: '0' },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `pos demo --show-display …`, noting the ptys it holds when its display first shows a screen (its devices are open by then). */
async function runDemoWatchingWires(args: string[]) {
  const child = spawn(process.execPath, ['dist/src/cli/main.js', 'demo', '--show-display', ...args], {
    env: { ...process.env, POS_LOG_LEVEL: 'debug', POS_LOG_PRETTY: '0' },
    timeout: 120_000,
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let ptys: string[] | undefined;
  child.stdout.on('data', (c: Buffer) => stdout.push(c));
  child.stderr.on('data', (c: Buffer) => {
    stderr.push(c);
    if (ptys === undefined && Buffer.concat(stderr).includes('[display]')) ptys = ptysOpenIn(child.pid);
  });
  const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
  return { status, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr), ptys: ptys ?? [] };
}

describe('pos demo (built, in its own process)', () => {
  it('ends every scripted case as scripted and prints the table', () => {
    const { status, stdout, stderr } = runDemo([]);
    expect(stderr.toString()).not.toMatch(/did not end as scripted/);
    expect(status).toBe(0);
    const table = stdout.toString();
    for (const name of ['approved', 'declined for funds', 'expired card', 'unreadable swipe', 'unknown card', 'host not answering']) {
      expect(table).toContain(name);
    }
    expect(table).toMatch(/approved\s+purchase\s+411111\*{6}1111\s+12\.34 EUR\s+approved\s+00\s+\w{6}/);
    expect(table).toMatch(/pre-authorization completed for less\s+completion\s+411111\*{6}1111\s+82\.50 EUR\s+approved\s+00/);
    expect(table).toMatch(/purchase voided\s+purchase\s+411111\*{6}1111\s+15\.00 EUR\s+voided/);
    // Each row's "yes" includes the printer twin's read-back: the customer copy cut once, paper out or not.
    expect(table).toMatch(/receipt printed: the customer copy read back\s+purchase\s+411111\*{6}1111\s+31\.50 EUR\s+approved\s+00\s+\w{6}\s+-\s+\d+\s+yes/);
    expect(table).toMatch(/paper out: the receipt prints once the paper is back\s+purchase\s+.*\s+yes/);
    // The PC/SC set runs wherever pcscd does (always in CI); elsewhere it is skipped with the reason.
    if (inject('pcscd').available || process.env['CI'] === 'true') {
      expect(table).toMatch(/approved offline by the card\s+purchase\s+411111\*{6}1111\s+8\.00 EUR\s+approved\s+Y1/);
      expect(table).toMatch(/PC\/SC pre-authorization: forced online\s+preauth\s+411111\*{6}1111\s+5\.00 EUR\s+approved\s+00/);
      expect(table).toMatch(/card pulled while completing\s+.*failed\s+-\s+-\s+EMV_CARD_REMOVED/);
    } else {
      expect(stderr.toString()).toMatch(/The PC\/SC cases are skipped: PCSC_/);
    }
    expect(scanForSecrets({ stdout, stderr })).toEqual([]);
  }, 120_000);

  it('--json prints the ECR result shape with the case name, and no card data at debug level; its virtual devices are on socat ptys', async () => {
    const { status, stdout, stderr, ptys } = await runDemoWatchingWires(['--json']);
    expect(status).toBe(0);
    // Without socat the demo falls back to in-memory lines; CI installs socat, so there its wires must be ptys.
    if (hasSocat) expect(ptys.length).toBeGreaterThanOrEqual(2);
    const rows = JSON.parse(stdout.toString()) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['case', 'id', 'status', 'responseCode', 'authCode', 'rrn', 'stan', 'maskedPan', 'brand', 'entryMode', 'amount', 'currency', 'startedAt', 'endedAt']),
      );
    }
    expect(rows.find((r) => r['case'] === 'approved')).toMatchObject({ status: 'approved', responseCode: '00', maskedPan: '411111******1111', brand: 'visa', entryMode: 'swipe', amount: 1234, currency: '978' });
    expect(rows.find((r) => r['case'] === 'host not answering')).toMatchObject({ status: 'failed', errorCode: 'HOST_TIMEOUT' });
    expect(rows.find((r) => r['case'] === 'tap, online approved')).toMatchObject({ status: 'approved', responseCode: '00', brand: 'visa', entryMode: 'contactless' });
    expect(rows.find((r) => r['case'] === 'purchase with cashback')).toMatchObject({ type: 'purchase', status: 'approved', amount: 2500, cashback: 2000, total: 4500 });
    expect(rows.find((r) => r['case'] === 'tip adjusted before the batch closes')).toMatchObject({ type: 'purchase', status: 'approved', amount: 1800, tip: 400, total: 2200 });
    const refunded = rows.find((r) => r['case'] === 'purchase with cashback');
    expect(rows.find((r) => r['case'] === 'refund of part of that purchase')).toMatchObject({ type: 'refund', status: 'approved', originalId: refunded?.['id'] });
    expect(rows.find((r) => r['case'] === 'pre-authorization released')).toMatchObject({ type: 'preauth', status: 'voided', reason: 'RELEASED' });
    // The debug log really was written (so the scan below means something).
    expect(stderr.toString()).toMatch(/"level":20/);
    expect(stderr.toString()).toContain('[display] APPROVED');
    expect(scanForSecrets({ stdout, stderr })).toEqual([]);
  }, 120_000);
});
