/**
 * The reader's side of ViVOpay protocol 2 framing (ID TECH NEO 2 Interface
 * Developer's Guide, section 2.8), written apart from the driver's:
 *
 *   command  [ViVOtech2\0][cmd][sub][len MSB][len LSB][data…][CRC LSB][CRC MSB]   (received)
 *   response [ViVOtech2\0][cmd][status][len MSB][len LSB][data…][CRC MSB][CRC LSB] (sent)
 *
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over header to last data byte.
 */
export const HEADER = Buffer.from('ViVOtech2\0', 'latin1');
const PREAMBLE = 14;
const MAX_FRAME = 4096;

export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

export function encodeResponse(command: number, status: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  const body = Buffer.concat([HEADER, Buffer.from([command, status, data.length >> 8, data.length & 0xff]), data]);
  const crc = Buffer.alloc(2);
  crc.writeUInt16BE(crc16(body));
  return Buffer.concat([body, crc]);
}

export type ReceivedCommand =
  | { readonly ok: true; readonly command: number; readonly subCommand: number; readonly data: Buffer; readonly raw: Buffer }
  | { readonly ok: false; readonly command: number };

/** Accumulates received bytes; `push` returns the whole commands (and CRC failures) they completed. */
export class CommandFramer {
  #buf = Buffer.alloc(0);

  push(chunk: Uint8Array): ReceivedCommand[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: ReceivedCommand[] = [];
    for (;;) {
      const at = this.#buf.indexOf(HEADER);
      if (at < 0) {
        this.#buf = this.#buf.subarray(Math.max(0, this.#buf.length - (HEADER.length - 1)));
        return out;
      }
      this.#buf = this.#buf.subarray(at);
      if (this.#buf.length < PREAMBLE) return out;
      const total = PREAMBLE + this.#buf.readUInt16BE(12) + 2;
      if (total > MAX_FRAME) {
        this.#buf = this.#buf.subarray(1);
        continue;
      }
      if (this.#buf.length < total) return out;
      const frame = Buffer.from(this.#buf.subarray(0, total));
      const command = frame[10] as number;
      if (crc16(frame.subarray(0, total - 2)) !== frame.readUInt16LE(total - 2)) {
        out.push({ ok: false, command });
        this.#buf = this.#buf.subarray(1);
        continue;
      }
      this.#buf = this.#buf.subarray(total);
      out.push({ ok: true, command, subCommand: frame[11] as number, data: frame.subarray(PREAMBLE, total - 2), raw: frame });
    }
  }
}
