/**
 * Cardholder Verification Method codes: the CVM List (8E) and CVM Results
 * (9F34), EMV 4.4 Book 3 section 10.5 and Annex C3 (CV Rule format).
 *
 *   CVM List: [amount X: 4][amount Y: 4]{[CVM code: 1][CVM condition: 1]}…
 *   CVM Results: [CVM code][CVM condition][result]
 */

/** b7 of the CVM code: on failure, apply the next rule instead of failing CVM processing. */
export const CVM_APPLY_NEXT_IF_UNSUCCESSFUL = 0x40;
export const CVM_METHOD_MASK = 0x3f;
export const CVM_LIST_AMOUNTS_BYTES = 8;

const METHODS: ReadonlyMap<number, string> = new Map([
  [0x00, 'Fail CVM processing'],
  [0x01, 'Plaintext PIN verification performed by ICC'],
  [0x02, 'Enciphered PIN verified online'],
  [0x03, 'Plaintext PIN verification performed by ICC and signature (paper)'],
  [0x04, 'Enciphered PIN verification performed by ICC'],
  [0x05, 'Enciphered PIN verification performed by ICC and signature (paper)'],
  [0x1e, 'Signature (paper)'],
  [0x1f, 'No CVM required'],
  [0x3f, 'No CVM performed'],
]);

const CONDITIONS: ReadonlyMap<number, string> = new Map([
  [0x00, 'Always'],
  [0x01, 'If unattended cash'],
  [0x02, 'If not unattended cash and not manual cash and not purchase with cashback'],
  [0x03, 'If terminal supports the CVM'],
  [0x04, 'If manual cash'],
  [0x05, 'If purchase with cashback'],
  [0x06, 'If transaction is in the application currency and is under X value'],
  [0x07, 'If transaction is in the application currency and is over X value'],
  [0x08, 'If transaction is in the application currency and is under Y value'],
  [0x09, 'If transaction is in the application currency and is over Y value'],
]);

const RESULTS: ReadonlyMap<number, string> = new Map([
  [0x00, 'Unknown'],
  [0x01, 'Failed'],
  [0x02, 'Successful'],
]);

export interface CvRule {
  readonly method: string;
  readonly condition: string;
  readonly ifUnsuccessful: 'apply next rule' | 'fail cardholder verification';
}

export interface CvmList {
  readonly amountX: number;
  readonly amountY: number;
  readonly rules: readonly CvRule[];
}

export function cvmMethodName(code: number): string {
  const method = code & CVM_METHOD_MASK;
  return METHODS.get(method) ?? (method >= 0x20 && method <= 0x2f ? `Payment system method (${hex(method)})` : method >= 0x30 && method <= 0x3e ? `Issuer method (${hex(method)})` : `RFU (${hex(method)})`);
}

export function cvmConditionName(code: number): string {
  return CONDITIONS.get(code) ?? (code >= 0x80 ? `Payment system condition (${hex(code)})` : `RFU (${hex(code)})`);
}

/** One CV Rule as the card codes it: the CVM code byte (b7 "apply succeeding rule", b6–b1 the method) and the condition code. */
export interface CvRuleCodes {
  readonly code: number;
  readonly condition: number;
}

/** The CVM List as codes, for the kernel to act on (the same bytes `parseCvmList` names). */
export interface CvmListCodes {
  readonly amountX: number;
  readonly amountY: number;
  readonly rules: readonly CvRuleCodes[];
}

/** Undefined when the list is not 8 bytes of amounts followed by whole 2-byte rules. */
export function parseCvmListCodes(value: Uint8Array): CvmListCodes | undefined {
  if (value.length < CVM_LIST_AMOUNTS_BYTES || (value.length - CVM_LIST_AMOUNTS_BYTES) % 2 !== 0) return undefined;
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const rules: CvRuleCodes[] = [];
  for (let i = CVM_LIST_AMOUNTS_BYTES; i < value.length; i += 2) rules.push({ code: value[i] as number, condition: value[i + 1] as number });
  return { amountX: view.getUint32(0), amountY: view.getUint32(4), rules };
}

/** Undefined when the list is not 8 bytes of amounts followed by whole 2-byte rules. */
export function parseCvmList(value: Uint8Array): CvmList | undefined {
  const list = parseCvmListCodes(value);
  if (list === undefined) return undefined;
  const rules = list.rules.map(({ code, condition }): CvRule => ({
    method: cvmMethodName(code),
    condition: cvmConditionName(condition),
    ifUnsuccessful: (code & CVM_APPLY_NEXT_IF_UNSUCCESSFUL) !== 0 ? 'apply next rule' : 'fail cardholder verification',
  }));
  return { amountX: list.amountX, amountY: list.amountY, rules };
}

export interface CvmResults {
  readonly method: string;
  readonly condition: string;
  readonly result: string;
}

export function parseCvmResults(value: Uint8Array): CvmResults | undefined {
  if (value.length !== 3) return undefined;
  const result = value[2] as number;
  return {
    method: cvmMethodName(value[0] as number),
    condition: cvmConditionName(value[1] as number),
    result: RESULTS.get(result) ?? `RFU (${hex(result)})`,
  };
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
