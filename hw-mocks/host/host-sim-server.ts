/**
 * The whole bank-host simulator as `pos host-sim` runs it, and as tests and
 * the bench start it in process: one issuer core (`IssuerHost`) behind
 *
 *   iso8583  FrameListener (TCP, or mutual TLS) ─ withFaults ─ answerWith(core)
 *            (or ThreadedFrameListener: the same, its sockets on their own thread)
 *   https    HttpsGateway (JSON over mutual TLS), same faults mapped to HTTP   (optional)
 *   admin    AdminServer (plain HTTP: /v1/health, /v1/ledger, /v1/summary)    (optional)
 *
 * TLS material is throwaway (`makeThrowawayPki`), made when the ISO 8583
 * listener is TLS or the HTTPS gateway is on; `pki.dir` holds `ca.crt`,
 * `client.crt` and `client.key` for the terminal's configuration, and is
 * removed by `stop()`.
 */
import type { LevelWithSilent } from 'pino';
import type { LengthHeader } from '../../src/host/channels/length-prefix-framer.js';
import { DIALECT_NAMES, DIALECTS } from '../../src/iso8583/dialects/index.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import type { Dialect } from '../../src/iso8583/types.js';
import type { Logger } from '../../src/log/logger.js';
import { silentLogger } from '../../src/log/logger.js';
import type { Deck } from '../cards/deck.js';
import { AdminServer } from './admin-server.js';
import { withFaults, type FaultRule } from './faults.js';
import { HttpsGateway, httpFaultFromRule, type HttpFault } from './https-gateway.js';
import { IssuerHost } from './issuer-host.js';
import { answerWith, FrameListener } from './listeners.js';
import { ThreadedFrameListener } from './threaded-listener.js';
import { makeThrowawayPki, type ThrowawayPki } from './tls-certs.js';

export interface HostSimServerOptions {
  /** Default 127.0.0.1, for every listener. */
  readonly host?: string;
  /** ISO 8583 port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Mutual TLS on the ISO 8583 listener. */
  readonly tls?: boolean;
  readonly lengthHeader?: LengthHeader;
  readonly dialect?: Dialect;
  readonly deck?: Deck;
  /** Admin HTTP port; absent: no admin listener. */
  readonly adminPort?: number;
  /** HTTPS JSON gateway port; absent: no gateway. */
  readonly httpsPort?: number;
  readonly faults?: readonly FaultRule[];
  readonly clock?: () => Date;
  readonly requireMac?: boolean;
  readonly logger?: Logger;
  /** Use this PKI instead of making one (the caller cleans it up). */
  readonly pki?: ThrowawayPki;
  /**
   * Run the ISO 8583 sockets on a thread of their own (`threaded-listener.ts`),
   * leaving this thread to the issuer. Needs the compiled simulator (`dist/`).
   */
  readonly ioThread?: boolean;
}

export type EndpointName = 'iso8583' | 'https' | 'admin';

export interface Endpoint {
  readonly name: EndpointName;
  /** With the bound port: `tcp://127.0.0.1:40123`, `https://…`, `http://…`. */
  readonly url: string;
  readonly port: number;
}

export interface HostSimServer {
  readonly issuer: IssuerHost;
  readonly endpoints: readonly Endpoint[];
  /** The throwaway PKI, when TLS is on anywhere. */
  readonly pki: ThrowawayPki | null;
  endpoint(name: EndpointName): Endpoint | undefined;
  /** Stops every listener and removes a PKI it made. Idempotent. */
  stop(): Promise<void>;
}

interface Stoppable {
  stop(): Promise<void>;
}

/** Starts every listener asked for; on a failure stops those already started and rejects (`HOST_SIM_LISTEN_FAILED`). */
export async function startHostSimServer(options: HostSimServerOptions = {}): Promise<HostSimServer> {
  const log = options.logger ?? silentLogger;
  const host = options.host ?? '127.0.0.1';
  const dialect = options.dialect ?? iso87ascii;
  const lengthHeader = options.lengthHeader ?? 'binary2';
  const issuer = new IssuerHost({
    dialect,
    logger: log,
    ...(options.deck === undefined ? {} : { deck: options.deck }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.requireMac === undefined ? {} : { requireMac: options.requireMac }),
  });
  const needsPki = options.tls === true || options.httpsPort !== undefined;
  const ownPki = needsPki && options.pki === undefined;
  const pki = needsPki ? (options.pki ?? makeThrowawayPki('pos-sim')) : null;
  const faults = options.faults ?? [];
  const started: Stoppable[] = [];
  const endpoints: Endpoint[] = [];
  const stopAll = async (): Promise<void> => {
    for (const s of started.splice(0).reverse()) await s.stop();
    if (ownPki) pki?.cleanup();
  };

  try {
    const handler = withFaults(
      answerWith((frame) => issuer.handleFrame(frame)),
      faults,
      { dialect, lengthHeader, onFault: (e) => log.info(e, 'fault applied') },
    );
    const wire = {
      host,
      port: options.port ?? 0,
      lengthHeader,
      ...(options.tls === true && pki !== null ? { tls: { ca: pki.ca, cert: pki.server.cert, key: pki.server.key } } : {}),
    };
    // A shipped dialect can be named to the I/O thread, which then derives each request's PIN key ahead.
    const dialectName = DIALECT_NAMES.find((n) => DIALECTS[n] === dialect);
    const iso =
      options.ioThread === true
        ? new ThreadedFrameListener({
            handler,
            listener: wire,
            logLevel: log.level as LevelWithSilent,
            logger: log,
            ...(dialectName === undefined ? {} : { pinKeys: { dialect: dialectName }, pinKeySink: issuer.pinKeySink }),
          })
        : new FrameListener({ handler, ...wire, logger: log });
    await iso.start();
    started.push(iso);
    endpoints.push({ name: 'iso8583', url: iso.address, port: iso.port });

    if (options.httpsPort !== undefined && pki !== null) {
      const httpFaults = faults.map(httpFaultFromRule).filter((f): f is HttpFault => f !== null);
      const gateway = new HttpsGateway({ issuer, tls: { ca: pki.ca, cert: pki.server.cert, key: pki.server.key }, host, port: options.httpsPort, faults: httpFaults, logger: log });
      await gateway.start();
      started.push(gateway);
      endpoints.push({ name: 'https', url: gateway.address, port: gateway.port });
    }

    if (options.adminPort !== undefined) {
      const admin = new AdminServer({ issuer, host, port: options.adminPort });
      await admin.start();
      started.push(admin);
      endpoints.push({ name: 'admin', url: admin.address, port: admin.port });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  let stopping: Promise<void> | null = null;
  return {
    issuer,
    endpoints,
    pki,
    endpoint: (name) => endpoints.find((e) => e.name === name),
    stop: () => (stopping ??= stopAll()),
  };
}
