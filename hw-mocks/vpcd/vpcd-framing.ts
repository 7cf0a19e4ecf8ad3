/**
 * The vpcd protocol (vsmartcard's virtual reader driver for pcscd,
 * `virtualsmartcard/src/vpcd/vpcd.c` and the card side `vicc`,
 * `virtualsmartcard/src/vpicc/virtualsmartcard/VirtualSmartcard.py`;
 * docs/protocols/pcsc-vpcd.md): one TCP connection per card slot, the card
 * connecting to vpcd. Both ways, every message is
 *
 *   [length: 2 bytes, big-endian][payload: length bytes]
 *
 * vpcd → card: a 1-byte payload is a control (`VPCD_CTRL`); anything longer
 * is a command APDU. card → vpcd: the ATR (answer to `ATR`) or the response
 * APDU to a command, nothing else; the other controls are not answered.
 *
 * A length of 0 carries nothing (vicc logs it as a protocol error and goes
 * on); the framer hands it on as an empty payload for the caller to ignore.
 */
import { PosError } from '../../src/util/errors.js';

/** vpcd's port for its first slot ("Virtual PCD 00 00"); the second is the next one (Debian's /etc/reader.conf.d/vpcd: CHANNELID 0x8C7B). */
export const VPCD_PORT = 35963;

/** The control bytes (vpcd.h `VPCD_CTRL_*`). */
export const VPCD_CTRL = {
  /** Power the card off. */
  OFF: 0x00,
  /** Power the card on (cold reset). */
  ON: 0x01,
  /** Warm reset. */
  RESET: 0x02,
  /** Send the ATR back (vpcd also asks this to see whether the card is still there). */
  ATR: 0x04,
} as const;

/** The payload length of a control (vpcd.h `VPCD_CTRL_LEN`). */
export const VPCD_CTRL_LEN = 1;
/** The length prefix: an unsigned 16-bit big-endian count of payload bytes. */
export const LENGTH_BYTES = 2;
/** The most one message can carry. */
export const MAX_PAYLOAD_BYTES = 0xffff;

/** One message with its length prefix. Throws `INTERNAL` for a payload no length prefix can count. */
export function encodeVpcdMessage(payload: Uint8Array): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new PosError('INTERNAL', 'A vpcd message holds at most 65535 bytes', { where: 'vpcd-framing', length: payload.length });
  const message = Buffer.allocUnsafe(LENGTH_BYTES + payload.length);
  message.writeUInt16BE(payload.length, 0);
  message.set(payload, LENGTH_BYTES);
  return message;
}

/**
 * Cuts a TCP byte stream into vpcd messages: `push(chunk)` returns every
 * message the chunk completes, keeping a partial one (prefix or payload)
 * across chunks. vpcd writes the prefix and the payload with separate
 * send() calls in some versions, so a message often arrives in two chunks.
 */
export class VpcdFramer {
  #pending: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Buffer[] {
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    const messages: Buffer[] = [];
    let offset = 0;
    while (this.#pending.length - offset >= LENGTH_BYTES) {
      const length = this.#pending.readUInt16BE(offset);
      const end = offset + LENGTH_BYTES + length;
      if (this.#pending.length < end) break;
      messages.push(Buffer.from(this.#pending.subarray(offset + LENGTH_BYTES, end)));
      offset = end;
    }
    this.#pending = this.#pending.subarray(offset);
    return messages;
  }

  /** Bytes held of a message not yet complete. */
  get buffered(): number {
    return this.#pending.length;
  }
}
