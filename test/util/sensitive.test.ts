import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { maskPan, Sensitive } from '../../src/util/sensitive.js';

describe('Sensitive', () => {
  const PAN = '4111111111111111';

  it('masks a PAN to first six and last four everywhere it can be printed', () => {
    const pan = Sensitive.pan(PAN);
    const printed = [String(pan), `${pan}`, JSON.stringify({ pan }), inspect(pan), inspect({ nested: { pan } })].join('\n');
    expect(printed).not.toContain(PAN);
    expect(printed).toContain('411111******1111');
  });

  it('masks other kinds by kind and length only', () => {
    const key = Sensitive.of('key', Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex'));
    expect(JSON.stringify({ key })).toBe('{"key":"[key 16B]"}');
    expect(inspect(key)).not.toMatch(/0123|0x01/i);
  });

  it('zeroes its bytes on wipe and refuses use afterwards', () => {
    const bytes = Buffer.from('1234', 'latin1');
    const pin = Sensitive.of('pin', bytes);
    pin.wipe();
    expect([...bytes]).toEqual([0, 0, 0, 0]);
    expect(() => pin.reveal()).toThrow(expect.objectContaining({ code: 'SENSITIVE_WIPED' }));
    expect(String(pin)).toBe('[pin wiped]');
  });

  it('a PAN given as bytes is taken over: masked the same, and wiping the wrapper zeroes those bytes', () => {
    const digits = Buffer.from(PAN, 'latin1');
    const pan = Sensitive.pan(digits);
    expect(pan.masked()).toBe('411111******1111');
    expect(pan.reveal()).toBe(digits);
    pan.wipe();
    expect(digits.every((b) => b === 0)).toBe(true);
    expect(pan.masked()).toBe('[pan wiped]');
  });

  it('equals compares kind and bytes; a wiped value equals nothing', () => {
    const a = Sensitive.pan(PAN);
    expect(a.equals(Sensitive.pan(Buffer.from(PAN, 'latin1')))).toBe(true);
    expect(a.equals(Sensitive.pan('4111111111111112'))).toBe(false);
    expect(a.equals(Sensitive.pan('41111111111111111'))).toBe(false);
    expect(a.equals(Sensitive.text('track', PAN))).toBe(false);
    const b = Sensitive.pan(PAN);
    b.wipe();
    expect(a.equals(b)).toBe(false);
  });

  it.each([
    ['4111111111111111', '411111******1111'],
    ['378282246310005', '378282*****0005'],
    ['6759649826438453', '675964******8453'],
    ['1234567890', '**********'],
  ])('maskPan(%s), and the same from bytes', (pan, masked) => {
    expect(maskPan(pan)).toBe(masked);
    expect(Sensitive.pan(Buffer.from(pan, 'latin1')).masked()).toBe(masked);
  });
});
