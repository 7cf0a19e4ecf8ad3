import type { ErrorSpec } from './kind.js';

/** Card data errors: what was wrong with a swipe or a card field. Details carry track numbers, offsets and rules, never the data. */
export const CARD_ERRORS = {
  CARD_TRACK_MISSING: { kind: 'input', summary: 'The reader line holds no track 2 (or no track at all); details list the tracks present.' },
  CARD_TRACK_MALFORMED: { kind: 'input', summary: 'A track breaks ISO/IEC 7813 format; details give the track, the offset and the rule that failed.' },
  CARD_SWIPE_UNREADABLE: { kind: 'input', summary: 'The reader line is noise or the reader marked a needed track unreadable; details give the offset or the track.' },
  CARD_PAN_INVALID: { kind: 'input', summary: 'The PAN is not 12 to 19 digits; details give its length.' },
  CARD_PAN_LUHN: { kind: 'input', summary: 'The PAN fails the ISO/IEC 7812-1 Luhn check digit.' },
  CARD_EXPIRY_INVALID: { kind: 'input', summary: 'The expiry date is not YYMM with a month from 01 to 12; details give the rule.' },
  CARD_SERVICE_CODE_INVALID: { kind: 'input', summary: 'The service code is not three digits.' },
  CARD_TRACKS_DISAGREE: { kind: 'input', summary: 'Track 1 and track 2 hold different values; details name the fields.' },
  CARD_EXPIRED: { kind: 'input', summary: 'The card is past the last day of its expiry month.' },
  CARD_SERVICE_RESTRICTED: { kind: 'input', summary: 'The service code does not allow this kind of transaction (e.g. ATM only, cash only).' },
} as const satisfies Record<string, ErrorSpec>;
