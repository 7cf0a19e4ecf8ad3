/**
 * CRC-16/CCITT-FALSE as ID TECH's NEO 2 Interface Developer's Guide (protocol
 * 2, section 2.8 "Frame format") prescribes over every ViVOpay frame:
 * polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR.
 * Check value (CRC of ASCII "123456789"): 0x29B1.
 */
export const CRC16_POLY = 0x1021;
export const CRC16_INIT = 0xffff;

/** One table entry a byte value: the CRC register's update for that top byte. */
const TABLE: Uint16Array = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ CRC16_POLY) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC over `bytes[start, end)`. */
export function crc16CcittFalse(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = CRC16_INIT;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ (TABLE[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number);
  return crc;
}
