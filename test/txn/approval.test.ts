/** The one definition of "approved" (src/host/approval.ts), which the host clients, the engine, recovery and the register's view share. */
import { describe, expect, it } from 'vitest';
import { isApproval } from '../../src/host/approval.js';

describe('isApproval', () => {
  it.each([
    ['00', 'approved (ISO 8583:1987 DE 39)'],
    ['08', 'honour with identification'],
    ['10', 'approved for partial amount'],
    ['11', 'approved (VIP)'],
    ['Y1', 'offline approved (EMV Book 4 A6)'],
    ['Y3', 'unable to go online, approved offline (EMV Book 4 A6)'],
  ])('approves %s: %s', (code) => {
    expect(isApproval(code)).toBe(true);
  });

  it.each([
    ['01', 'refer to card issuer'],
    ['05', 'do not honour'],
    ['51', 'insufficient funds'],
    ['94', 'duplicate transmission'],
    ['Z1', 'offline declined'],
    ['Z3', 'unable to go online, declined offline'],
    ['0', 'one digit'],
    ['000', 'three digits'],
    ['', 'nothing'],
  ])('does not approve %s: %s', (code) => {
    expect(isApproval(code)).toBe(false);
  });

  it('does not approve a missing code', () => {
    expect(isApproval(null)).toBe(false);
  });
});
