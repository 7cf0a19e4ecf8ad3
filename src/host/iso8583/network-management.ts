/**
 * Network management over the host channel (ISO 8583:1987 0800/0810, DE 70):
 * sign-on (001) when the terminal starts, and an echo test (301) whenever
 * the connection has been idle for `echoIntervalMs`, which keeps NAT and
 * firewall state alive and finds a dead host before a customer does.
 * The 0800s go through `Iso8583HostClient.networkExchange`.
 */
import type { Logger } from '../../log/logger.js';
import { silentLogger } from '../../log/logger.js';
import { NETWORK_CODES } from '../messages/constants.js';

export type NetworkCodeUsed = typeof NETWORK_CODES.signOn | typeof NETWORK_CODES.echoTest;

/** Sends one 0800 and resolves when the 0810 accepts it; rejects (a `PosError`) otherwise. */
export type NetworkExchange = (code: NetworkCodeUsed, stan: string) => Promise<void>;

export interface NetworkManagerOptions {
  readonly exchange: NetworkExchange;
  /** The next STAN from the terminal's counter (shared with financial requests). */
  readonly nextStan: () => string;
  /** 0 turns the idle echo off. */
  readonly echoIntervalMs: number;
  /** When traffic last passed (the channel's `lastTrafficAt`), on the `now` clock. */
  readonly lastTrafficAt: () => number;
  readonly now?: () => number;
  readonly logger?: Logger;
}

export class NetworkManager {
  readonly #o: NetworkManagerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #echoing = false;

  constructor(options: NetworkManagerOptions) {
    this.#o = options;
    this.#log = options.logger ?? silentLogger;
    this.#now = options.now ?? (() => performance.now());
  }

  /** 0800 with 001; rejects when the host does not accept it. */
  async signOn(): Promise<void> {
    await this.#o.exchange(NETWORK_CODES.signOn, this.#o.nextStan());
    this.#log.info('signed on to the host');
  }

  /** 0800 with 301; resolves with the round-trip time in milliseconds. */
  async echo(): Promise<{ rttMs: number }> {
    const started = this.#now();
    await this.#o.exchange(NETWORK_CODES.echoTest, this.#o.nextStan());
    return { rttMs: this.#now() - started };
  }

  /** Echoes whenever the channel has been idle for `echoIntervalMs`. */
  start(): void {
    const interval = this.#o.echoIntervalMs;
    if (interval <= 0 || this.#timer !== undefined) return;
    const tick = (): void => {
      const idleMs = this.#now() - this.#o.lastTrafficAt();
      const wait = Math.max(0, interval - idleMs);
      if (wait > 0 || this.#echoing) {
        this.#timer = setTimeout(tick, Math.max(wait, 1));
        this.#timer.unref();
        return;
      }
      this.#echoing = true;
      this.echo()
        .then(
          ({ rttMs }) => this.#log.debug({ rttMs }, 'idle echo answered'),
          (err: unknown) => this.#log.warn({ code: (err as { code?: string }).code ?? 'unknown' }, 'idle echo failed'),
        )
        .finally(() => {
          this.#echoing = false;
          if (this.#timer !== undefined) {
            this.#timer = setTimeout(tick, interval);
            this.#timer.unref();
          }
        });
    };
    this.#timer = setTimeout(tick, interval);
    this.#timer.unref();
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
