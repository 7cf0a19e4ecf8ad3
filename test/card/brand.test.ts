import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { brandOf } from '../../src/card/brand.js';

describe('brand from the IIN', () => {
  it.each([
    ['Visa 4', '4111111111111111', 'visa'],
    ['Visa 4 (13 digits)', '4222222222222', 'visa'],
    ['Mastercard 51', '5105105105105100', 'mastercard'],
    ['Mastercard 55', '5555555555554444', 'mastercard'],
    ['Mastercard 2-series low end 2221', '2221000000000009', 'mastercard'],
    ['Mastercard 2-series high end 2720', '2720990000000007', 'mastercard'],
    ['below the 2-series 2220', '2220990000000008', 'unknown'],
    ['above the 2-series 2721', '2721000000000004', 'unknown'],
    ['American Express 34', '340000000000009', 'amex'],
    ['American Express 37', '378282246310005', 'amex'],
    ['Discover 6011', '6011111111111117', 'discover'],
    ['Discover 644', '6445644564456445', 'discover'],
    ['Discover 65', '6500000000000002', 'discover'],
    ['JCB 3528', '3528000000000007', 'jcb'],
    ['JCB 3589', '3589000000000003', 'jcb'],
    ['JCB 3530', '3530111333300000', 'jcb'],
    ['Diners Club 300', '30000000000004', 'diners'],
    ['Diners Club 305', '30569309025904', 'diners'],
    ['Diners Club 36', '36227206271667', 'diners'],
    ['Diners Club 38', '38520000023237', 'diners'],
    ['UnionPay 62', '6200000000000005', 'unionpay'],
    ['Maestro 6759 (longest prefix)', '6759649826438453', 'maestro'],
    ['Maestro 50', '5018000000000009', 'maestro'],
    ['Maestro 6304', '6304000000000000', 'maestro'],
    ['Maestro 67', '6799990100000000019', 'maestro'],
    ['no scheme 1', '1234567812345670', 'unknown'],
    ['no scheme 9', '9000000000000000', 'unknown'],
  ])('%s → %s (as text and as the ASCII bytes a track holds)', (_name, pan, brand) => {
    expect(brandOf(pan)).toBe(brand);
    expect(brandOf(Buffer.from(pan, 'latin1'))).toBe(brand);
  });

  it('reads bytes as it reads text, whatever the digits', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{0,19}$/), (pan) => {
        expect(brandOf(Buffer.from(pan, 'latin1'))).toBe(brandOf(pan));
      }),
    );
  });
});
