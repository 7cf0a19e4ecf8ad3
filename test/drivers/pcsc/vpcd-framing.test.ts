import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeVpcdMessage, LENGTH_BYTES, MAX_PAYLOAD_BYTES, VPCD_CTRL, VpcdFramer } from '../../../hw-mocks/vpcd/vpcd-framing.js';

/** A message as docs/protocols/pcsc-vpcd.md draws it: [length, 2 bytes big-endian][payload]. */
function message(payload: readonly number[]): Buffer {
  return Buffer.from([(payload.length >> 8) & 0xff, payload.length & 0xff, ...payload]);
}

// SELECT of the PSE: 00 A4 04 00, Lc 0E, "1PAY.SYS.DDF01", Le 00 — 20 bytes, so the prefix is 00 14.
const SELECT_PSE = [0x00, 0xa4, 0x04, 0x00, 0x0e, ...Buffer.from('1PAY.SYS.DDF01', 'ascii'), 0x00];

const EXAMPLES = [
  { name: 'power off: a 1-byte control 00', payload: [VPCD_CTRL.OFF], wire: '000100' },
  { name: 'power on: a 1-byte control 01', payload: [VPCD_CTRL.ON], wire: '000101' },
  { name: 'reset: a 1-byte control 02', payload: [VPCD_CTRL.RESET], wire: '000102' },
  { name: 'get ATR: a 1-byte control 04', payload: [VPCD_CTRL.ATR], wire: '000104' },
  { name: 'the answer to get ATR: the ATR itself', payload: [0x3b, 0x60, 0x00, 0x00], wire: '00043B600000' },
  { name: 'a command APDU: anything longer than one byte', payload: SELECT_PSE, wire: `0014${Buffer.from(SELECT_PSE).toString('hex')}` },
  { name: 'a response APDU', payload: [0x90, 0x00], wire: '00029000' },
] as const;

describe('vpcd messages (vsmartcard vpcd.c sendToVICC/recvFromVICC)', () => {
  it.each(EXAMPLES)('$name', ({ payload, wire }) => {
    const bytes = Buffer.from(wire, 'hex');
    expect(encodeVpcdMessage(Buffer.from(payload))).toEqual(bytes);
    expect(message(payload)).toEqual(bytes);
    expect(new VpcdFramer().push(bytes)).toEqual([Buffer.from(payload)]);
  });

  it('the length prefix is big-endian: 256 bytes are 01 00', () => {
    const payload = Buffer.alloc(256, 0xab);
    expect(encodeVpcdMessage(payload).subarray(0, LENGTH_BYTES)).toEqual(Buffer.from([0x01, 0x00]));
  });

  it('a length of 0 gives an empty payload (vicc logs it and goes on)', () => {
    expect(new VpcdFramer().push(Buffer.from('0000000104', 'hex'))).toEqual([Buffer.alloc(0), Buffer.from([VPCD_CTRL.ATR])]);
  });

  it('more than 65535 bytes cannot be counted by the prefix', () => {
    expect(() => encodeVpcdMessage(Buffer.alloc(MAX_PAYLOAD_BYTES + 1))).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(encodeVpcdMessage(Buffer.alloc(MAX_PAYLOAD_BYTES)).readUInt16BE(0)).toBe(MAX_PAYLOAD_BYTES);
  });

  const stream = Buffer.concat(EXAMPLES.map((e) => message(e.payload)));
  const payloads = EXAMPLES.map((e) => Buffer.from(e.payload));

  it('the examples in one stream, split at every offset', () => {
    for (let at = 0; at <= stream.length; at++) {
      const framer = new VpcdFramer();
      expect([...framer.push(stream.subarray(0, at)), ...framer.push(stream.subarray(at))], `split at ${at}`).toEqual(payloads);
      expect(framer.buffered).toBe(0);
    }
  });

  it('the examples fed one byte at a time (as vpcd 3.3 sends prefix and payload in separate writes, and more)', () => {
    const framer = new VpcdFramer();
    const got: Buffer[] = [];
    for (const byte of stream) got.push(...framer.push(Buffer.of(byte)));
    expect(got).toEqual(payloads);
  });

  it('any payloads, cut into any chunks, come out whole and in order', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }), (sent, cuts) => {
        const bytes = Buffer.concat(sent.map((p) => encodeVpcdMessage(p)));
        const framer = new VpcdFramer();
        const got: Buffer[] = [];
        let offset = 0;
        for (let i = 0; offset < bytes.length; i++) {
          const size = cuts[i % cuts.length] ?? 1;
          got.push(...framer.push(bytes.subarray(offset, offset + size)));
          offset += size;
        }
        expect(got).toEqual(sent.map((p) => Buffer.from(p)));
        expect(framer.buffered).toBe(0);
      }),
    );
  });
});
