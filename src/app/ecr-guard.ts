/**
 * What the ECR API checks before any route runs, so that only the register
 * drives it — not a web page in a browser on the Pi, not a DNS-rebinding
 * site, not another machine on the LAN:
 *
 *   1. `Host` names the address the client reached (the bound one), `localhost`
 *      or an `ecr.allowedHosts` name, with the right port if any   → else 421
 *   2. no `Origin`, or one listed in `ecr.allowedOrigins`            → else 403
 *      (an allowed origin's CORS preflight is answered 204 here: it carries no token)
 *   3. `Authorization: Bearer <ecr.token>`, compared in constant time → else 401
 *   4. a body is `Content-Type: application/json`                    → else 415
 *
 * A refusal is a `PosError` whose code the server maps to the status.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PosError } from '../util/errors.js';

export interface EcrGuardOptions {
  /** The bearer token (`ecr.token`); the guard keeps only its SHA-256. */
  readonly token: string;
  readonly allowedOrigins?: readonly string[];
  readonly allowedHosts?: readonly string[];
}

/** The request headers a register sends besides the simple ones (answered in a CORS preflight). */
const CORS_ALLOW_HEADERS = 'authorization, content-type, idempotency-key';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** `::ffff:127.0.0.1` → `127.0.0.1`; IPv6 without brackets; lower case. */
function normalAddress(address: string): string {
  const a = address.toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice('::ffff:'.length) : a;
}

/** Splits a `Host` header into name and port (`[::1]:7711`, `localhost`, `127.0.0.1:7711`). */
export function parseHostHeader(value: string): { name: string; port: number | null } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(value.trim());
  if (!m) return null;
  const name = (m[1] ?? m[2] ?? '').toLowerCase();
  return { name: normalAddress(name), port: m[3] === undefined ? null : Number(m[3]) };
}

/** Whether the media type is `application/json` (a `charset` parameter, if any, must be UTF-8). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const [type, ...params] = value.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json') return false;
  return params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8' || p === 'charset="utf-8"');
}

export class EcrGuard {
  readonly #tokenDigest: Buffer;
  readonly #origins: ReadonlySet<string>;
  readonly #hosts: ReadonlySet<string>;

  constructor(options: EcrGuardOptions) {
    this.#tokenDigest = sha256(options.token);
    this.#origins = new Set(options.allowedOrigins ?? []);
    this.#hosts = new Set(['localhost', ...(options.allowedHosts ?? []).map((h) => normalAddress(h.replace(/^\[|\]$/g, '')))]);
  }

  /**
   * Runs the checks in order. Returns `true` when the guard answered the
   * request itself (an allowed origin's CORS preflight); throws the refusal.
   * An allowed origin's CORS headers are set on `res` for the route's answer.
   */
  admit(req: IncomingMessage, res: ServerResponse): boolean {
    this.#checkHost(req);
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!this.#origins.has(origin)) throw new PosError('ECR_ORIGIN_FORBIDDEN', 'This origin may not call the ECR API (ecr.allowedOrigins)');
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('vary', 'Origin');
      if (req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
        res.writeHead(204, {
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': CORS_ALLOW_HEADERS,
          'access-control-max-age': '600',
          'content-length': 0,
        });
        res.end();
        return true;
      }
    }
    this.#checkToken(req.headers.authorization);
    if (hasBody(req) && !isJsonContentType(req.headers['content-type'])) {
      throw new PosError('ECR_UNSUPPORTED_MEDIA_TYPE', 'A request body must be Content-Type: application/json');
    }
    return false;
  }

  #checkHost(req: IncomingMessage): void {
    const host = parseHostHeader(req.headers.host ?? '');
    const local = normalAddress(req.socket.localAddress ?? '');
    const named = host !== null && (host.name === local || this.#hosts.has(host.name));
    if (!named || (host.port !== null && host.port !== req.socket.localPort)) {
      throw new PosError('ECR_MISDIRECTED', 'The Host header does not name this terminal');
    }
  }

  #checkToken(header: string | undefined): void {
    const m = /^Bearer +(\S+) *$/i.exec(header ?? '');
    if (!m) throw new PosError('ECR_UNAUTHORIZED', 'Authorization: Bearer <token> required (ecr.token)', { reason: 'missing' });
    // Both sides hashed: equal lengths for timingSafeEqual, and no early exit on the first differing byte.
    if (!timingSafeEqual(sha256(m[1] ?? ''), this.#tokenDigest)) {
      throw new PosError('ECR_UNAUTHORIZED', 'The bearer token does not match ecr.token', { reason: 'invalid' });
    }
  }
}

/** Whether a request announces a body (a length above 0, or chunks). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}
