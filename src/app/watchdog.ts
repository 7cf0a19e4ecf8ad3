/**
 * systemd `Type=notify` without a native addon. Node cannot open a Unix
 * datagram socket, but it can write to one it inherited: under the unit,
 * `systemd/notify-exec` connects one to NOTIFY_SOCKET and execs node in its
 * place, passing the descriptor in `POS_NOTIFY_FD`. Each write is then a
 * datagram from the main PID, which is what `NotifyAccess=main` accepts
 * (`NotifySocketFd`). Without that descriptor each notification runs the
 * `systemd-notify` binary (`SystemdNotifyBinary`): its messages carry the
 * child's PID, so they count only under `NotifyAccess=all` — unprivileged,
 * `--pid=` does not change the sender systemd sees.
 *
 * The watchdog ping is sent from a timer on the event loop at half of
 * WATCHDOG_USEC: if the loop hangs, the pings stop and systemd restarts the
 * service. With no NOTIFY_SOCKET (not under systemd, tests) everything is a
 * no-op.
 */
import { write } from 'node:fs';
import type { Logger } from 'pino';

/** Sends one notification (`READY=1`, `WATCHDOG=1`, `STOPPING=1`, `STATUS=…`). */
export interface Notifier {
  notify(assignments: readonly string[]): Promise<void>;
}

/** Runs `systemd-notify VAR=VALUE…` with the process environment (which carries NOTIFY_SOCKET). */
export class SystemdNotifyBinary implements Notifier {
  readonly #binary: string;

  constructor(binary = 'systemd-notify') {
    this.#binary = binary;
  }

  async notify(assignments: readonly string[]): Promise<void> {
    // Loaded here: the unit's notify-exec path never spawns, and node:child_process costs start-up time.
    const { execFile } = await import('node:child_process');
    return new Promise((resolve, reject) => {
      execFile(this.#binary, [...assignments], { timeout: 5_000 }, (err: Error | null) => (err === null ? resolve() : reject(err)));
    });
  }
}

/**
 * Writes each notification as one datagram on an inherited socket already
 * connected to NOTIFY_SOCKET (`POS_NOTIFY_FD`, from `systemd/notify-exec`):
 * sent by this process, so credited to the main PID.
 */
export class NotifySocketFd implements Notifier {
  constructor(readonly fd: number) {}

  /** The descriptor `systemd/notify-exec` passed, or null. */
  static fromEnv(env: NodeJS.ProcessEnv): NotifySocketFd | null {
    const text = env['POS_NOTIFY_FD'] ?? '';
    return /^\d+$/.test(text) ? new NotifySocketFd(Number(text)) : null;
  }

  notify(assignments: readonly string[]): Promise<void> {
    const datagram = Buffer.from(assignments.join('\n'), 'utf8');
    return new Promise((resolve, reject) => {
      write(this.fd, datagram, (err) => (err === null ? resolve() : reject(err)));
    });
  }
}

export interface Timers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export interface ServiceNotifierOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly notifier?: Notifier;
  readonly logger?: Logger;
  readonly pid?: number;
  readonly timers?: Timers;
}

/** The watchdog interval systemd asked for, halved, in ms; null when there is no watchdog for this process. */
export function watchdogPingMs(env: NodeJS.ProcessEnv, pid: number): number | null {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(usec) || usec <= 0) return null;
  const forPid = env['WATCHDOG_PID'];
  if (forPid !== undefined && forPid !== '' && Number(forPid) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2_000));
}

export class ServiceNotifier {
  /** Whether systemd is listening (NOTIFY_SOCKET set). */
  readonly enabled: boolean;
  /** How often the watchdog is pinged, when systemd asked for it. */
  readonly pingMs: number | null;
  readonly #notifier: Notifier;
  readonly #logger: Logger | undefined;
  readonly #timers: Timers;
  #timer: unknown = null;

  constructor(options: ServiceNotifierOptions = {}) {
    const env = options.env ?? process.env;
    this.enabled = (env['NOTIFY_SOCKET'] ?? '') !== '';
    this.pingMs = this.enabled ? watchdogPingMs(env, options.pid ?? process.pid) : null;
    this.#notifier = options.notifier ?? NotifySocketFd.fromEnv(env) ?? new SystemdNotifyBinary();
    this.#logger = options.logger;
    this.#timers = options.timers ?? { setInterval: (fn, ms) => setInterval(fn, ms).unref(), clearInterval: (h) => clearInterval(h as NodeJS.Timeout) };
  }

  /** Start-up is complete: `READY=1`, then the watchdog pings begin. */
  async ready(status = 'ready'): Promise<void> {
    if (!this.enabled) return;
    await this.#send(['READY=1', `STATUS=${status}`]);
    if (this.pingMs !== null && this.#timer === null) {
      this.#timer = this.#timers.setInterval(() => void this.#send(['WATCHDOG=1']), this.pingMs);
    }
  }

  /** Shutdown has begun: the pings stop and systemd is told `STOPPING=1`. */
  async stopping(): Promise<void> {
    this.#stopTimer();
    if (!this.enabled) return;
    await this.#send(['STOPPING=1']);
  }

  /** Stops the pings without telling systemd anything (tests, a failed start). */
  close(): void {
    this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer !== null) this.#timers.clearInterval(this.#timer);
    this.#timer = null;
  }

  async #send(assignments: readonly string[]): Promise<void> {
    try {
      await this.#notifier.notify(assignments);
    } catch (err) {
      // A lost notification must not stop the terminal; systemd's own timeouts handle the rest.
      const code = (err as NodeJS.ErrnoException).code;
      this.#logger?.warn({ notify: assignments[0], errorCode: typeof code === 'string' ? code : 'unknown' }, 'systemd notification failed');
    }
  }
}
