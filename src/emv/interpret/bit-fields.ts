/**
 * Bit-mapped EMV data elements as tables: each entry names one bit, counted
 * as the Books count them (byte 1 first, bit 8 the most significant).
 * TVR and TSI: EMV 4.4 Book 3 Annex C5, C6. AIP and AUC: Book 3 Annex C1, C2.
 * Terminal Capabilities and Additional Terminal Capabilities: Book 4 Annex
 * A2, A3. TTQ and CTQ: EMV Contactless Book C-3 (Visa) Annex A.
 */

export interface BitName {
  readonly byte: number;
  readonly bit: number;
  readonly name: string;
}

export interface BitField {
  readonly lengthBytes: number;
  readonly bits: readonly BitName[];
}

type BitRow = readonly [byte: number, bit: number, name: string];

function field(lengthBytes: number, rows: readonly BitRow[]): BitField {
  return { lengthBytes, bits: rows.map(([byte, bit, name]) => ({ byte, bit, name })) };
}

export const TVR = field(5, [
  [1, 8, 'Offline data authentication was not performed'],
  [1, 7, 'SDA failed'],
  [1, 6, 'ICC data missing'],
  [1, 5, 'Card appears on terminal exception file'],
  [1, 4, 'DDA failed'],
  [1, 3, 'CDA failed'],
  [1, 2, 'SDA selected'],
  [2, 8, 'ICC and terminal have different application versions'],
  [2, 7, 'Expired application'],
  [2, 6, 'Application not yet effective'],
  [2, 5, 'Requested service not allowed for card product'],
  [2, 4, 'New card'],
  [3, 8, 'Cardholder verification was not successful'],
  [3, 7, 'Unrecognised CVM'],
  [3, 6, 'PIN Try Limit exceeded'],
  [3, 5, 'PIN entry required and PIN pad not present or not working'],
  [3, 4, 'PIN entry required, PIN pad present, but PIN was not entered'],
  [3, 3, 'Online PIN entered'],
  [4, 8, 'Transaction exceeds floor limit'],
  [4, 7, 'Lower consecutive offline limit exceeded'],
  [4, 6, 'Upper consecutive offline limit exceeded'],
  [4, 5, 'Transaction selected randomly for online processing'],
  [4, 4, 'Merchant forced transaction online'],
  [5, 8, 'Default TDOL used'],
  [5, 7, 'Issuer authentication failed'],
  [5, 6, 'Script processing failed before final GENERATE AC'],
  [5, 5, 'Script processing failed after final GENERATE AC'],
  [5, 4, 'Relay resistance threshold exceeded'],
  [5, 3, 'Relay resistance time limits exceeded'],
]);

export const TSI = field(2, [
  [1, 8, 'Offline data authentication was performed'],
  [1, 7, 'Cardholder verification was performed'],
  [1, 6, 'Card risk management was performed'],
  [1, 5, 'Issuer authentication was performed'],
  [1, 4, 'Terminal risk management was performed'],
  [1, 3, 'Script processing was performed'],
]);

export const AIP = field(2, [
  [1, 7, 'SDA supported'],
  [1, 6, 'DDA supported'],
  [1, 5, 'Cardholder verification is supported'],
  [1, 4, 'Terminal risk management is to be performed'],
  [1, 3, 'Issuer authentication is supported'],
  [1, 2, 'On device cardholder verification is supported (contactless)'],
  [1, 1, 'CDA supported'],
  [2, 8, 'EMV mode is supported (contactless)'],
  [2, 1, 'Relay resistance protocol is supported (contactless)'],
]);

export const AUC = field(2, [
  [1, 8, 'Valid for domestic cash transactions'],
  [1, 7, 'Valid for international cash transactions'],
  [1, 6, 'Valid for domestic goods'],
  [1, 5, 'Valid for international goods'],
  [1, 4, 'Valid for domestic services'],
  [1, 3, 'Valid for international services'],
  [1, 2, 'Valid at ATMs'],
  [1, 1, 'Valid at terminals other than ATMs'],
  [2, 8, 'Domestic cashback allowed'],
  [2, 7, 'International cashback allowed'],
]);

export const TERMINAL_CAPABILITIES = field(3, [
  [1, 8, 'Manual key entry'],
  [1, 7, 'Magnetic stripe'],
  [1, 6, 'IC with contacts'],
  [2, 8, 'Plaintext PIN for ICC verification'],
  [2, 7, 'Enciphered PIN for online verification'],
  [2, 6, 'Signature (paper)'],
  [2, 5, 'Enciphered PIN for offline verification'],
  [2, 4, 'No CVM required'],
  [3, 8, 'SDA'],
  [3, 7, 'DDA'],
  [3, 6, 'Card capture'],
  [3, 4, 'CDA'],
]);

export const ADDITIONAL_TERMINAL_CAPABILITIES = field(5, [
  [1, 8, 'Cash'],
  [1, 7, 'Goods'],
  [1, 6, 'Services'],
  [1, 5, 'Cashback'],
  [1, 4, 'Inquiry'],
  [1, 3, 'Transfer'],
  [1, 2, 'Payment'],
  [1, 1, 'Administrative'],
  [2, 8, 'Cash deposit'],
  [3, 8, 'Numeric keys'],
  [3, 7, 'Alphabetic and special characters keys'],
  [3, 6, 'Command keys'],
  [3, 5, 'Function keys'],
  [4, 8, 'Print, attendant'],
  [4, 7, 'Print, cardholder'],
  [4, 6, 'Display, attendant'],
  [4, 5, 'Display, cardholder'],
  [4, 2, 'Code table 10'],
  [4, 1, 'Code table 9'],
  [5, 8, 'Code table 8'],
  [5, 7, 'Code table 7'],
  [5, 6, 'Code table 6'],
  [5, 5, 'Code table 5'],
  [5, 4, 'Code table 4'],
  [5, 3, 'Code table 3'],
  [5, 2, 'Code table 2'],
  [5, 1, 'Code table 1'],
]);

export const TTQ = field(4, [
  [1, 8, 'Mag-stripe mode supported'],
  [1, 6, 'EMV mode supported'],
  [1, 5, 'EMV contact chip supported'],
  [1, 4, 'Offline-only reader'],
  [1, 3, 'Online PIN supported'],
  [1, 2, 'Signature supported'],
  [1, 1, 'Offline data authentication for online authorizations supported'],
  [2, 8, 'Online cryptogram required'],
  [2, 7, 'CVM required'],
  [2, 6, '(Contact chip) Offline PIN supported'],
  [3, 8, 'Issuer update processing supported'],
  [3, 7, 'Consumer device CVM supported'],
]);

export const CTQ = field(2, [
  [1, 8, 'Online PIN required'],
  [1, 7, 'Signature required'],
  [1, 6, 'Go online if offline data authentication fails and reader is online capable'],
  [1, 5, 'Switch interface if offline data authentication fails and reader supports contact chip'],
  [1, 4, 'Go online if application expired'],
  [1, 3, 'Switch interface for cash transactions'],
  [1, 2, 'Switch interface for cashback transactions'],
  [2, 8, 'Consumer device CVM performed'],
  [2, 7, 'Card supports issuer update processing at the POS'],
]);

/** Names of the set bits; a set bit the table does not name is reported as RFU. */
export function setBits(table: BitField, value: Uint8Array): string[] {
  const out: string[] = [];
  for (let byte = 1; byte <= value.length; byte++) {
    const b = value[byte - 1] as number;
    for (let bit = 8; bit >= 1; bit--) {
      if ((b & (1 << (bit - 1))) === 0) continue;
      const named = table.bits.find((n) => n.byte === byte && n.bit === bit);
      out.push(named?.name ?? `RFU (byte ${byte} bit ${bit})`);
    }
  }
  return out;
}
