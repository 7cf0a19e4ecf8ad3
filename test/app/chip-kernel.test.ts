import { describe, expect, it } from 'vitest';
import { chipKernelOf, kernelConfigOf } from '../../src/app/chip-kernel.js';
import { parseConfig } from '../../src/config/load.js';

const base = { devices: { reader: { type: 'virtual' } }, host: { type: 'simulator' } };

describe('the chip kernel from the config', () => {
  it("takes the terminal's identity and the emv section as bytes", () => {
    const config = parseConfig({ ...base, terminal: { id: 'TERM0001', merchantId: 'MERCHANT0000001', currency: '826', country: '826' } });
    const k = kernelConfigOf(config);
    expect(k.terminal.countryCode.toString('hex')).toBe('0826');
    expect(k.terminal.terminalIdentification.toString('latin1')).toBe('TERM0001');
    expect(k.terminal.terminalCapabilities.toString('hex').toUpperCase()).toBe('E068C8');
    expect(k.aids[0]?.tac.online.toString('hex').toUpperCase()).toBe('DC4004F800');
    expect(k.capks).toEqual([]);
  });

  it('loads the named lab set through the checked CA key table; a PIN pad makes online PIN possible', () => {
    const config = parseConfig({ ...base, emv: { capkSets: ['emv-test'] }, devices: { ...base.devices, pinpad: { type: 'virtual' } } });
    const kernel = chipKernelOf(config);
    expect(kernel.capks.size).toBeGreaterThan(5);
    expect(kernel.cvm).toEqual({ onlinePin: true, signature: true });
    expect(kernel.unpredictableNumber()).toHaveLength(4);
  });

  it('refuses a configured CA key whose checksum does not match: EMV_CAPK_INVALID', () => {
    const config = parseConfig({ ...base, emv: { capks: [{ rid: 'A000000003', index: 0x99, modulus: 'C1'.repeat(128), exponent: '03', expiry: '2030-12-31', checksum: '00'.repeat(20) }] } });
    expect(() => chipKernelOf(config)).toThrow(expect.objectContaining({ code: 'EMV_CAPK_INVALID' }));
  });
});
