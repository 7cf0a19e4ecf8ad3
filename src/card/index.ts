/** The card data model: pure functions over track bytes, no I/O, no clock. */
export type { CardBrand, Expiry, MagstripeCard } from './types.js';
export { luhnValid, luhnCheckDigit } from './luhn.js';
export { checkPan, PAN_MIN_DIGITS, PAN_MAX_DIGITS } from './pan.js';
export { brandOf, IIN_RANGES } from './brand.js';
export { parseExpiry, formatExpiry, isExpired, sameExpiry } from './expiry.js';
export {
  interpretServiceCode,
  allowsService,
  assertServiceAllowed,
  type ServiceCode,
  type ServiceKind,
  type Interchange,
  type AuthorizationProcessing,
  type ServiceRange,
  type PinRequirement,
} from './service-code.js';
export { parseTrack1, type Track1 } from './track1.js';
export { parseTrack2, type Track2 } from './track2.js';
export { encodeTrack1, encodeTrack2, type TrackFields } from './track-encode.js';
export { parseSwipeLine, splitSwipeLine, wipeCard } from './swipe-line.js';
export { type TrackNumber, type TrackRule } from './track-chars.js';
