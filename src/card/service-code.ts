/**
 * The three-digit service code of ISO/IEC 7813 (track 1 and track 2, after
 * the expiry date), as defined there and in ISO/IEC 7811-6:
 * - position 1, interchange and technology: 1 international, 2 international
 *   with IC (chip), 5 national, 6 national with IC, 7 private (no
 *   interchange except by bilateral agreement), 9 test;
 * - position 2, authorization processing: 0 normal, 2 by issuer online,
 *   4 by issuer online except under bilateral agreement;
 * - position 3, range of services and PIN requirements: 0 no restrictions,
 *   PIN required; 1 no restrictions; 2 goods and services only; 3 ATM only,
 *   PIN required; 4 cash only; 5 goods and services only, PIN required;
 *   6 no restrictions, PIN where feasible; 7 goods and services only, PIN
 *   where feasible.
 * Other values are reserved (RFU) and reported as such, not rejected: a
 * reserved digit is the issuer's business, the engine decides what to allow.
 */
import { PosError } from '../util/errors.js';

export type Interchange = 'international' | 'national' | 'private' | 'test' | 'reserved';
export type AuthorizationProcessing = 'normal' | 'online' | 'online-unless-bilateral' | 'reserved';
export type ServiceRange = 'unrestricted' | 'goods-and-services' | 'atm-only' | 'cash-only' | 'reserved';
export type PinRequirement = 'required' | 'if-feasible' | 'none';

export interface ServiceCode {
  /** The three digits as read. */
  readonly code: string;
  readonly interchange: Interchange;
  /** Position 1 is 2 or 6: the card has a chip, so a swipe at a chip-capable terminal is a fallback. */
  readonly chip: boolean;
  readonly authorization: AuthorizationProcessing;
  readonly services: ServiceRange;
  readonly pin: PinRequirement;
}

const INTERCHANGE: Readonly<Record<string, Interchange>> = { '1': 'international', '2': 'international', '5': 'national', '6': 'national', '7': 'private', '9': 'test' };
const CHIP_DIGITS: ReadonlySet<string> = new Set(['2', '6']);
const AUTHORIZATION: Readonly<Record<string, AuthorizationProcessing>> = { '0': 'normal', '2': 'online', '4': 'online-unless-bilateral' };
const SERVICES: Readonly<Record<string, readonly [ServiceRange, PinRequirement]>> = {
  '0': ['unrestricted', 'required'],
  '1': ['unrestricted', 'none'],
  '2': ['goods-and-services', 'none'],
  '3': ['atm-only', 'required'],
  '4': ['cash-only', 'none'],
  '5': ['goods-and-services', 'required'],
  '6': ['unrestricted', 'if-feasible'],
  '7': ['goods-and-services', 'if-feasible'],
};

/** Interprets a service code; throws `CARD_SERVICE_CODE_INVALID` unless it is exactly three digits. */
export function interpretServiceCode(code: string): ServiceCode {
  if (!/^[0-9]{3}$/.test(code)) {
    throw new PosError('CARD_SERVICE_CODE_INVALID', 'Service code must be three digits', { length: code.length });
  }
  const [d1, d2, d3] = [code.charAt(0), code.charAt(1), code.charAt(2)];
  const [services, pin] = SERVICES[d3] ?? ['reserved', 'none'];
  return {
    code,
    interchange: INTERCHANGE[d1] ?? 'reserved',
    chip: CHIP_DIGITS.has(d1),
    authorization: AUTHORIZATION[d2] ?? 'reserved',
    services,
    pin,
  };
}

export type ServiceKind = 'purchase' | 'cash';

/** Whether the card's range of services allows this kind of transaction at a point of sale. */
export function allowsService(serviceCode: ServiceCode, kind: ServiceKind): boolean {
  switch (serviceCode.services) {
    case 'unrestricted':
      return true;
    case 'goods-and-services':
      return kind === 'purchase';
    case 'cash-only':
      return kind === 'cash';
    case 'atm-only':
    case 'reserved':
      return false;
  }
}

/** Throws `CARD_SERVICE_RESTRICTED` (details: the service range and the kind asked) when `allowsService` says no. */
export function assertServiceAllowed(serviceCode: ServiceCode, kind: ServiceKind): void {
  if (!allowsService(serviceCode, kind)) {
    throw new PosError('CARD_SERVICE_RESTRICTED', `The card's service code does not allow ${kind}`, { services: serviceCode.services, kind });
  }
}
