/**
 * The reader's side of ViVOpay protocol 2 framing, written from the NEO 2
 * Interface Developer's Guide (2.8.2 p42 samples; the frame tables of
 * chapter 8), apart from the driver's:
 *
 *   command  [ViVOtech2\0][cmd][sub   ][len MSB][len LSB][data…][CRC LSB][CRC MSB]
 *   response [ViVOtech2\0][cmd][status][len MSB][len LSB][data…][CRC MSB][CRC LSB]
 *
 * CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) over header to last data
 * byte. The CRC order goes with the frame's role: the terminal's commands
 * and the reader's own 61-xx commands low byte first, every response high
 * byte first. The reader receives both kinds: the terminal's commands and
 * its answers to the reader's 61-xx.
 */
export const HEADER = Buffer.from('ViVOtech2\0', 'latin1');
const PREAMBLE = 14;
const MAX_FRAME = 4096;
/** The reader's own commands (61-xx): what the terminal sends back to them are responses. */
const READER_COMMAND = 0x61;

export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function frame(command: number, second: number, data: Uint8Array, crcLowFirst: boolean): Buffer {
  const body = Buffer.concat([HEADER, Buffer.from([command, second, data.length >> 8, data.length & 0xff]), data]);
  const crc = Buffer.alloc(2);
  if (crcLowFirst) crc.writeUInt16LE(crc16(body));
  else crc.writeUInt16BE(crc16(body));
  return Buffer.concat([body, crc]);
}

/** A response from the reader (CRC high byte first). */
export function encodeResponse(command: number, status: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  return frame(command, status, data, false);
}

/** A command from the reader to the terminal, 61-xx (CRC low byte first, as every command frame). */
export function encodeReaderCommand(command: number, subCommand: number, data: Uint8Array = new Uint8Array(0)): Buffer {
  return frame(command, subCommand, data, true);
}

export type ReceivedFrame =
  | {
      readonly ok: true;
      /** A command from the terminal, or the terminal's response to one of the reader's 61-xx. */
      readonly role: 'command' | 'response';
      readonly command: number;
      /** The sub-command of a command, the status of a response. */
      readonly second: number;
      readonly data: Buffer;
      readonly raw: Buffer;
    }
  | { readonly ok: false; readonly command: number };

/** Accumulates received bytes; `push` returns the whole frames (and CRC failures) they completed. */
export class CommandFramer {
  #buf = Buffer.alloc(0);

  push(chunk: Uint8Array): ReceivedFrame[] {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    const out: ReceivedFrame[] = [];
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
      const raw = Buffer.from(this.#buf.subarray(0, total));
      const command = raw[10] as number;
      const crc = crc16(raw.subarray(0, total - 2));
      const lowFirst = crc === raw.readUInt16LE(total - 2);
      const highFirst = crc === raw.readUInt16BE(total - 2);
      if (!lowFirst && !highFirst) {
        out.push({ ok: false, command });
        this.#buf = this.#buf.subarray(1);
        continue;
      }
      this.#buf = this.#buf.subarray(total);
      const role = lowFirst && highFirst ? (command === READER_COMMAND ? 'response' : 'command') : lowFirst ? 'command' : 'response';
      out.push({ ok: true, role, command, second: raw[11] as number, data: raw.subarray(PREAMBLE, total - 2), raw });
    }
  }
}
