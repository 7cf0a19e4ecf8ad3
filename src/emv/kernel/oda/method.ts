/**
 * Which offline data authentication method a transaction uses, EMV 4.4
 * Book 3 §10.3: the first both the card (AIP, 82 byte 1, Annex C1) and the
 * terminal (Terminal Capabilities, 9F33 byte 3, Book 4 Annex A2) support,
 * in the order CDA, DDA, SDA; none when they share none.
 *
 *   method  AIP byte 1   9F33 byte 3
 *   CDA     b1 (01)      b4 (08)
 *   DDA     b6 (20)      b7 (40)
 *   SDA     b7 (40)      b8 (80)
 */
export type OdaMethod = 'cda' | 'dda' | 'sda' | 'none';

const SUPPORT_BITS = [
  { method: 'cda', aip: 0x01, terminal: 0x08 },
  { method: 'dda', aip: 0x20, terminal: 0x40 },
  { method: 'sda', aip: 0x40, terminal: 0x80 },
] as const satisfies readonly { method: OdaMethod; aip: number; terminal: number }[];

/** Book 3 §10.3: CDA if the card (AIP 82 byte 1 b1) and the terminal (9F33 byte 3 b4) both support it, else DDA (b6 / b7), else SDA (b7 / b8), else none. */
export function chooseOdaMethod(aip: Buffer, terminalCapabilities: Buffer): OdaMethod {
  const card = aip[0] ?? 0;
  const terminal = terminalCapabilities[2] ?? 0;
  const shared = SUPPORT_BITS.find((bits) => (card & bits.aip) !== 0 && (terminal & bits.terminal) !== 0);
  return shared?.method ?? 'none';
}
