/**
 * The whole stack as a user runs it: the built `pos demo` in its own process,
 * virtual reader on a socat pty, host simulator over TCP, ECR API over HTTP.
 * Then every byte it wrote is searched for card data.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadDeck } from '../../hw-mocks/cards/deck.js';

const deck = loadDeck();

function runDemo(args: string[]) {
  const result = spawnSync(process.execPath, ['dist/src/cli/main.js', 'demo', ...args], {
    encoding: 'buffer',
    env: { ...process.env, POS_LOG_LEVEL: 'debug', POS_LOG_PRETTY: '0' },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Each deck card's secrets as they could appear on the wire or in a log: PAN, track 2, PIN, in ASCII and hex. */
function secretsOf(card: (typeof deck.cards)[number]): { what: string; bytes: Buffer }[] {
  const track2 = `${card.pan}=${card.expiry}${card.serviceCode}${card.discretionary}`;
  const out: { what: string; bytes: Buffer }[] = [];
  for (const [what, text] of [
    ['PAN', card.pan],
    ['track 2', track2],
  ] as const) {
    out.push({ what: `${card.id} ${what} (ASCII)`, bytes: Buffer.from(text, 'latin1') });
    out.push({ what: `${card.id} ${what} (hex)`, bytes: Buffer.from(Buffer.from(text, 'latin1').toString('hex'), 'latin1') });
    out.push({ what: `${card.id} ${what} (HEX)`, bytes: Buffer.from(Buffer.from(text, 'latin1').toString('hex').toUpperCase(), 'latin1') });
  }
  return out;
}

function findSecrets(streams: Record<string, Buffer>): string[] {
  const hits: string[] = [];
  for (const card of deck.cards) {
    for (const secret of secretsOf(card)) {
      for (const [name, bytes] of Object.entries(streams)) {
        const at = bytes.indexOf(secret.bytes);
        if (at >= 0) hits.push(`${secret.what} in ${name} at offset ${at}`);
      }
    }
  }
  return hits;
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
    expect(table).toMatch(/approved\s+411111\*{6}1111\s+12\.34 EUR\s+approved\s+00\s+\w{6}/);
    expect(findSecrets({ stdout, stderr })).toEqual([]);
  });

  it('--json prints the ECR result shape with the case name, and no card data at debug level', () => {
    const { status, stdout, stderr } = runDemo(['--json', '--show-display']);
    expect(status).toBe(0);
    const rows = JSON.parse(stdout.toString()) as Record<string, unknown>[];
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(
        expect.arrayContaining(['case', 'id', 'status', 'responseCode', 'authCode', 'rrn', 'stan', 'maskedPan', 'brand', 'entryMode', 'amount', 'currency', 'startedAt', 'endedAt']),
      );
    }
    expect(rows.find((r) => r['case'] === 'approved')).toMatchObject({ status: 'approved', responseCode: '00', maskedPan: '411111******1111', brand: 'visa', entryMode: 'swipe', amount: 1234, currency: '978' });
    expect(rows.find((r) => r['case'] === 'host not answering')).toMatchObject({ status: 'failed', errorCode: 'HOST_TIMEOUT' });
    // The debug log really was written (so the scan below means something).
    expect(stderr.toString()).toMatch(/"level":20/);
    expect(stderr.toString()).toContain('[display] APPROVED');
    expect(findSecrets({ stdout, stderr })).toEqual([]);
  });
});
