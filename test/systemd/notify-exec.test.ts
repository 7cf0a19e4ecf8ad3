/**
 * NotifyAccess=main: systemd believes a notification only if the kernel says
 * the main PID sent it. A stand-in for systemd (a Unix datagram socket with
 * SO_PASSCRED, in python3) records each datagram's sender PID: through
 * `systemd/notify-exec`, READY/WATCHDOG/STOPPING come from the PID systemd
 * started; from a `systemd-notify` child they do not, `--pid=` or not.
 * Both run unprivileged, as the service does (the kernel lets a privileged
 * sender claim another PID).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const NOTIFY_EXEC = resolve('systemd/notify-exec');
const WATCHDOG_JS = resolve('dist/src/app/watchdog.js');
// CI installs python3, perl and systemd (scripts/install-system-deps.sh): there these tests must run.
const haveTools = spawnSync('sh', ['-c', 'command -v python3 && command -v perl && command -v systemd-notify']).status === 0 || process.env['CI'] === 'true';
const asRoot = process.getuid?.() === 0;

/**
 * Prints "bound" once listening, then "<sender pid> <message, newlines as |>"
 * for each datagram on the socket at argv[1]; when its stdin ends it prints
 * the datagrams still queued, then "end", and exits.
 */
const RECEIVER = `
import os, select, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print('bound', flush=True)
while True:
    readable, _, _ = select.select([s, sys.stdin], [], [])
    if s in readable:
        msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
        pid = [struct.unpack('iII', d[:12])[0] for l, t, d in anc if l == socket.SOL_SOCKET and t == socket.SCM_CREDENTIALS][0]
        print(pid, msg.decode().replace('\\n', '|'), flush=True)
    else:
        break
print('end', flush=True)
`;

interface Datagram {
  readonly pid: number;
  readonly message: string;
}

/** Runs `command` (unprivileged when we are root) with NOTIFY_SOCKET pointing at a recording receiver. */
async function notificationsFrom(command: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ mainPid: number; received: Datagram[]; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pos-notify-'));
  chmodSync(dir, 0o755);
  const socket = join(dir, 'notify');
  const receiver = spawn('python3', ['-c', RECEIVER, socket], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const outputs = (line: string) => new Promise<void>((resolve) => receiver.stdout.on('data', () => out.split('\n').includes(line) && resolve()));
  receiver.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const bound = outputs('bound');
  const ended = outputs('end');
  try {
    await bound;
    const argv = asRoot ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...command] : [...command];
    const child = spawn(argv[0]!, argv.slice(1), { env: { PATH: process.env['PATH'], ...env, NOTIFY_SOCKET: socket }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((done) => child.once('exit', done));
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // Every datagram the child sent is queued by now: the receiver prints them, then "end".
    receiver.stdin.end();
    await ended;
    const received = out
      .trim()
      .split('\n')
      .filter((line) => line !== '' && line !== 'bound' && line !== 'end')
      .map((line) => ({ pid: Number(line.slice(0, line.indexOf(' '))), message: line.slice(line.indexOf(' ') + 1) }));
    return { mainPid: child.pid ?? -1, received, stderr };
  } finally {
    receiver.kill();
  }
}

describe.skipIf(!haveTools)('notify-exec', () => {
  it('lets node itself send READY, WATCHDOG and STOPPING: every datagram is from the PID systemd started', async () => {
    // The terminal's own ServiceNotifier (compiled; `npm run build` first), as `pos run` uses it.
    const script = `import { ServiceNotifier } from ${JSON.stringify(WATCHDOG_JS)};
const n = new ServiceNotifier();
await n.ready('ready');
await new Promise((r) => setTimeout(r, 130));
await n.stopping();
n.close();`;
    const { mainPid, received } = await notificationsFrom([NOTIFY_EXEC, process.execPath, '--input-type=module', '-e', script], { WATCHDOG_USEC: '100000' });
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(received[0]).toEqual({ pid: mainPid, message: 'READY=1|STATUS=ready' });
    expect(received.slice(1, -1).every((d) => d.message === 'WATCHDOG=1')).toBe(true);
    expect(received.at(-1)?.message).toBe('STOPPING=1');
    expect(new Set(received.map((d) => d.pid))).toEqual(new Set([mainPid]));
  });

  it('(a systemd-notify child is not the main PID, even with --pid=: why the unit needs notify-exec)', async () => {
    const script = `import { execFileSync } from 'node:child_process';
execFileSync('systemd-notify', ['--no-block', 'WATCHDOG=1']);
execFileSync('systemd-notify', ['--no-block', '--pid=' + process.pid, 'WATCHDOG=1']);`;
    const { mainPid, received } = await notificationsFrom([process.execPath, '--input-type=module', '-e', script]);
    expect(received.map((d) => d.message)).toEqual(['WATCHDOG=1', `MAINPID=${mainPid}|WATCHDOG=1`]);
    expect(received.every((d) => d.pid !== mainPid)).toBe(true);
  });

  it('only execs the command when not under systemd', () => {
    const result = spawnSync(NOTIFY_EXEC, [process.execPath, '-p', "process.env.POS_NOTIFY_FD ?? 'none'"], { env: { PATH: process.env['PATH'] }, encoding: 'utf8' });
    expect(result.stdout.trim()).toBe('none');
    expect(result.status).toBe(0);
  });
});
