/**
 * How the configuration commands reach the reader: one command, one answer.
 * `ConfigurationLink` is all the configuration code asks of a driver, so any
 * driver that can exchange a protocol 2 frame can serve it.
 *
 * `openConfigurationLink` is such a link on a bare transport, for the moment
 * a reader is opened (before the card-reading driver takes the transport) and
 * for `pos diag devices`. It frames commands with the driver's codec
 * (`encodeCommandFrame`, CRC low byte first) and reads answers with its
 * framer (CRC high byte first), the guide's §3.4 (p60). Faults, as the
 * driver's own link treats them:
 *
 *   no answer in time        → resend, up to `retries`, then DEVICE_NO_ANSWER
 *   status 04 (CRC error),
 *   or an answer failing CRC → resend, three attempts in all, then DEVICE_LINK_FAILED
 *   the transport ends       → DEVICE_DISCONNECTED
 *
 * Exchanges run one at a time, in the order asked. `close()` detaches from
 * the transport without closing it.
 */
import type { ByteTransport } from '../../../src/devices/byte-transport.js';
import { PosError, asPosError } from '../../../src/util/errors.js';
import { deviceClosed, deviceDisconnected } from '../../shared/device-errors.js';
import { VivopayFramer, VIVOPAY_DEFAULT_INTER_BYTE_TIMEOUT_MS, VIVOPAY_DEFAULT_MAX_FRAME_BYTES, type VivopayFrame } from '../framer.js';
import { encodeCommandFrame } from '../protocol.js';
import { CONFIGURATION_STATUS } from './commands.js';

export interface ConfigurationRequest {
  readonly command: number;
  readonly subCommand: number;
  readonly data?: Uint8Array;
}

export interface ConfigurationLink {
  /** Sends one command and resolves with the reader's answer to it, whatever its status (a CRC-error status is the link's to handle). */
  exchange(request: ConfigurationRequest): Promise<VivopayFrame>;
}

export interface ConfigurationLinkOptions {
  /** For errors and logs; default `vivopay`. */
  readonly name?: string;
  /** How long an answer may take; default 3 s (a flash write). */
  readonly answerTimeoutMs?: number;
  /** Resends after silence; default 1. */
  readonly retries?: number;
}

export const CONFIGURATION_ANSWER_TIMEOUT_MS = 3000;
/** First send and two resends, as the driver's link. */
const CORRUPT_ATTEMPTS = 3;

export interface ClosableConfigurationLink extends ConfigurationLink {
  /** Detaches from the transport (which stays open); a pending exchange fails with DEVICE_CLOSED. */
  close(): void;
}

interface Pending {
  readonly command: number;
  readonly frame: Buffer;
  sends: number;
  corrupt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  resolve(frame: VivopayFrame): void;
  reject(error: PosError): void;
}

export function openConfigurationLink(transport: ByteTransport, options: ConfigurationLinkOptions = {}): ClosableConfigurationLink {
  const name = options.name ?? 'vivopay';
  const timeoutMs = options.answerTimeoutMs ?? CONFIGURATION_ANSWER_TIMEOUT_MS;
  const retries = options.retries ?? 1;
  let pending: Pending | undefined;
  let ended: PosError | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const framer = new VivopayFramer({ maxFrameBytes: VIVOPAY_DEFAULT_MAX_FRAME_BYTES, interByteTimeoutMs: VIVOPAY_DEFAULT_INTER_BYTE_TIMEOUT_MS, onTimeout: () => undefined });

  const settle = (): Pending | undefined => {
    const p = pending;
    pending = undefined;
    if (p?.timer !== undefined) clearTimeout(p.timer);
    return p;
  };
  const send = (p: Pending): void => {
    p.sends++;
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = setTimeout(() => onSilence(p), timeoutMs);
    transport.write(p.frame).catch((err: unknown) => {
      if (pending === p) settle()?.reject(asPosError(err, 'vivopay configuration write'));
    });
  };
  const onSilence = (p: Pending): void => {
    p.timer = undefined;
    if (pending !== p) return;
    if (p.sends <= retries) send(p);
    else settle()?.reject(new PosError('DEVICE_NO_ANSWER', `${name} did not answer command ${hexByte(p.command)}`, { device: name, command: hexByte(p.command), attempts: p.sends, timeoutMs }));
  };
  const corrupt = (why: 'crc-status' | 'corrupt-answer'): void => {
    const p = pending;
    if (p === undefined) return;
    p.corrupt++;
    if (p.corrupt >= CORRUPT_ATTEMPTS) {
      settle()?.reject(new PosError('DEVICE_LINK_FAILED', `${name}: command ${hexByte(p.command)} failed ${CORRUPT_ATTEMPTS} times on the link`, { device: name, command: hexByte(p.command), attempts: p.corrupt, why }));
    } else send(p);
  };
  const end = (error: PosError): void => {
    ended ??= error;
    framer.dispose();
    settle()?.reject(error);
  };

  const detachData = transport.onData((chunk) => {
    for (const event of framer.push(chunk)) {
      if (event.type === 'error') {
        if (event.error.code === 'DEVICE_FRAME_CRC' && event.error.details['command'] === pending?.command) corrupt('corrupt-answer');
        continue;
      }
      const { frame } = event;
      if (pending === undefined || frame.command !== pending.command) continue;
      if (frame.status === CONFIGURATION_STATUS.CRC_ERROR) corrupt('crc-status');
      else settle()?.resolve(frame);
    }
  });
  const detachClose = transport.onClose((error) => end(error ?? deviceDisconnected(name)));

  const exchangeNow = (request: ConfigurationRequest): Promise<VivopayFrame> => {
    if (ended !== undefined) return Promise.reject(ended);
    return new Promise<VivopayFrame>((resolve, reject) => {
      pending = { command: request.command, frame: encodeCommandFrame(request.command, request.subCommand, request.data), sends: 0, corrupt: 0, timer: undefined, resolve, reject };
      send(pending);
    });
  };

  return {
    exchange(request) {
      const result = queue.then(() => exchangeNow(request));
      queue = result.catch(() => undefined);
      return result;
    },
    close() {
      detachData();
      detachClose();
      end(deviceClosed(name));
    },
  };
}

function hexByte(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}
