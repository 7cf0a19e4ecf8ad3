import { describe, expect, it } from 'vitest';
import { allowsService, assertServiceAllowed, interpretServiceCode } from '../../src/card/service-code.js';
import { thrown } from '../pos-error.js';

describe('service code (ISO/IEC 7813)', () => {
  it.each([
    ['101: international, normal, no restrictions', '101', { interchange: 'international', chip: false, authorization: 'normal', services: 'unrestricted', pin: 'none' }],
    ['201: international, IC (chip) card', '201', { interchange: 'international', chip: true, authorization: 'normal', services: 'unrestricted', pin: 'none' }],
    ['601: national, IC card', '601', { interchange: 'national', chip: true, authorization: 'normal', services: 'unrestricted', pin: 'none' }],
    ['501: national only', '501', { interchange: 'national', chip: false, authorization: 'normal', services: 'unrestricted', pin: 'none' }],
    ['702: private, goods and services only', '702', { interchange: 'private', chip: false, authorization: 'normal', services: 'goods-and-services', pin: 'none' }],
    ['120: contact issuer online, PIN required', '120', { interchange: 'international', chip: false, authorization: 'online', services: 'unrestricted', pin: 'required' }],
    ['143: online unless bilateral, ATM only', '143', { interchange: 'international', chip: false, authorization: 'online-unless-bilateral', services: 'atm-only', pin: 'required' }],
    ['104: cash only', '104', { interchange: 'international', chip: false, authorization: 'normal', services: 'cash-only', pin: 'none' }],
    ['105: goods and services only, PIN required', '105', { interchange: 'international', chip: false, authorization: 'normal', services: 'goods-and-services', pin: 'required' }],
    ['106: no restrictions, PIN where feasible', '106', { interchange: 'international', chip: false, authorization: 'normal', services: 'unrestricted', pin: 'if-feasible' }],
    ['107: goods and services, PIN where feasible', '107', { interchange: 'international', chip: false, authorization: 'normal', services: 'goods-and-services', pin: 'if-feasible' }],
    ['901: test card', '901', { interchange: 'test', chip: false, authorization: 'normal', services: 'unrestricted', pin: 'none' }],
    ['318: reserved digits are reported as reserved', '318', { interchange: 'reserved', chip: false, authorization: 'reserved', services: 'reserved', pin: 'none' }],
  ])('%s', (_name, code, meaning) => {
    expect(interpretServiceCode(code)).toEqual({ code, ...meaning });
  });

  it.each([
    ['no restrictions', '101', true, true],
    ['goods and services only', '102', true, false],
    ['ATM only', '103', false, false],
    ['cash only', '104', false, true],
    ['reserved', '108', false, false],
  ])('%s: purchase %s, cash %s', (_name, code, purchase, cash) => {
    const sc = interpretServiceCode(code);
    expect(allowsService(sc, 'purchase')).toBe(purchase);
    expect(allowsService(sc, 'cash')).toBe(cash);
  });

  it('CARD_SERVICE_RESTRICTED names the range and the kind asked', () => {
    const err = thrown(() => assertServiceAllowed(interpretServiceCode('103'), 'purchase'));
    expect(err.code).toBe('CARD_SERVICE_RESTRICTED');
    expect(err.details).toEqual({ services: 'atm-only', kind: 'purchase' });
    expect(() => assertServiceAllowed(interpretServiceCode('101'), 'purchase')).not.toThrow();
  });

  it.each(['10', '1011', '1A1', ''])('CARD_SERVICE_CODE_INVALID for %j', (code) => {
    const err = thrown(() => interpretServiceCode(code));
    expect(err.code).toBe('CARD_SERVICE_CODE_INVALID');
    expect(err.details).toEqual({ length: code.length });
  });
});
