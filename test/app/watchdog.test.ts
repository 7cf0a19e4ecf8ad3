/** systemd notifications: READY, watchdog pings at half WATCHDOG_USEC, STOPPING; nothing without NOTIFY_SOCKET. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { watch } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServiceNotifier, SystemdNotifyBinary, watchdogPingMs, type Notifier } from '../../src/app/watchdog.js';

class FakeNotifier implements Notifier {
  readonly sent: string[][] = [];
  fail = false;
  notify(assignments: readonly string[]): Promise<void> {
    this.sent.push([...assignments]);
    return this.fail ? Promise.reject(Object.assign(new Error('x'), { code: 'ENOENT' })) : Promise.resolve();
  }
}

const SYSTEMD = { NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '20000000' };

afterEach(() => {
  vi.useRealTimers();
});

describe('watchdog interval', () => {
  it.each([
    [{ WATCHDOG_USEC: '20000000' }, 10_000],
    [{ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '42' }, 10_000],
    [{ WATCHDOG_USEC: '20000000', WATCHDOG_PID: '43' }, null],
    [{ WATCHDOG_USEC: 'x' }, null],
    [{}, null],
  ])('%j → %s ms', (env, expected) => {
    expect(watchdogPingMs(env, 42)).toBe(expected);
  });
});

describe('service notifier', () => {
  it('sends READY=1, then WATCHDOG=1 every half interval from the event loop, then STOPPING=1 and no more pings', async () => {
    vi.useFakeTimers();
    const fake = new FakeNotifier();
    const notifier = new ServiceNotifier({ env: SYSTEMD, notifier: fake });
    expect(notifier.pingMs).toBe(10_000);
    await notifier.ready();
    expect(fake.sent).toEqual([['READY=1', 'STATUS=ready']]);
    vi.advanceTimersByTime(9_999);
    expect(fake.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    vi.advanceTimersByTime(10_000);
    expect(fake.sent.slice(1)).toEqual([['WATCHDOG=1'], ['WATCHDOG=1']]);
    await notifier.stopping();
    vi.advanceTimersByTime(60_000);
    expect(fake.sent.slice(3)).toEqual([['STOPPING=1']]);
  });

  it('does nothing without NOTIFY_SOCKET', async () => {
    vi.useFakeTimers();
    const fake = new FakeNotifier();
    const notifier = new ServiceNotifier({ env: { WATCHDOG_USEC: '2000000' }, notifier: fake });
    await notifier.ready();
    vi.advanceTimersByTime(10_000);
    await notifier.stopping();
    expect(notifier.enabled).toBe(false);
    expect(fake.sent).toEqual([]);
  });

  it('sends READY without pings when systemd asked for no watchdog, and survives a failing notifier', async () => {
    vi.useFakeTimers();
    const fake = new FakeNotifier();
    fake.fail = true;
    const warnings: unknown[] = [];
    const logger = { warn: (o: unknown) => warnings.push(o) } as never;
    const notifier = new ServiceNotifier({ env: { NOTIFY_SOCKET: '@x' }, notifier: fake, logger });
    await notifier.ready();
    vi.advanceTimersByTime(60_000);
    expect(fake.sent).toEqual([['READY=1', 'STATUS=ready']]);
    expect(warnings).toEqual([{ notify: 'READY=1', errorCode: 'ENOENT' }]);
  });
});

describe('systemd-notify binary', () => {
  // CI installs both (scripts/install-system-deps.sh): there they must be present.
  const haveTools = spawnSync('sh', ['-c', 'command -v systemd-notify && command -v socat']).status === 0 || process.env['CI'] === 'true';

  it.skipIf(!haveTools)('delivers the assignments to NOTIFY_SOCKET as one datagram', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'pos-notify-')), 'notify');
    // socat stands in for systemd: it prints each datagram it receives.
    const bound = created(socket);
    const listener = spawn('socat', ['-u', `UNIX-RECV:${socket}`, 'STDOUT'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const received = new Promise<string>((resolve) => listener.stdout.once('data', (c: Buffer) => resolve(c.toString())));
    // socat has bound its socket when the file appears: a datagram sent now is queued for it.
    await bound;
    const previous = process.env['NOTIFY_SOCKET'];
    process.env['NOTIFY_SOCKET'] = socket;
    try {
      // --no-block: socat does not answer systemd's barrier the way PID 1 does.
      await new SystemdNotifyBinary().notify(['--no-block', 'READY=1', 'STATUS=ready']);
    } finally {
      if (previous === undefined) delete process.env['NOTIFY_SOCKET'];
      else process.env['NOTIFY_SOCKET'] = previous;
    }
    try {
      expect(await received).toBe('READY=1\nSTATUS=ready');
    } finally {
      listener.kill();
    }
  });
});

/** Resolves when `path` exists, watching its folder (fs.watch is set up before the check, so no creation is missed). */
async function created(path: string): Promise<void> {
  const stop = new AbortController();
  const changes = watch(dirname(path), { signal: stop.signal });
  try {
    if (existsSync(path)) return;
    for await (const { filename } of changes) if (filename === basename(path) || existsSync(path)) return;
  } finally {
    stop.abort();
  }
}
