import { describe, expect, it } from 'vitest';
import { PcscCallError } from '../../../drivers/pcsc/pcsc-binding.js';
import { listPcscReaders } from '../../../drivers/pcsc/reader-list.js';
import { FakeCard, FakePcsc } from './fake-pcsc.js';

describe('the PC/SC readers for pos diag devices', () => {
  it('each reader with its card: in (with its ATR), mute, or none', async () => {
    const pcsc = new FakePcsc();
    for (const name of ['Generic CCID Reader 00 00', 'Virtual PCD 00 00', 'Virtual PCD 00 01']) pcsc.attach(name);
    pcsc.insert('Generic CCID Reader 00 00', new FakeCard(() => Buffer.alloc(0), { atr: '3B600000' }));
    pcsc.insert('Virtual PCD 00 01', new FakeCard(() => Buffer.alloc(0), { atr: '3B00', mute: true }));
    await expect(listPcscReaders(pcsc)).resolves.toEqual({
      status: 'ok',
      readers: [
        { name: 'Generic CCID Reader 00 00', card: 'present', atr: '3B600000' },
        { name: 'Virtual PCD 00 00', card: 'empty' },
        { name: 'Virtual PCD 00 01', card: 'mute', atr: '3B00' },
      ],
    });
    expect(pcsc.contextsOpen).toBe(0);
  });

  it('no readers: an empty list', async () => {
    await expect(listPcscReaders(new FakePcsc())).resolves.toEqual({ status: 'ok', readers: [] });
  });

  it('pcscd not running is an answer, not an error', async () => {
    const pcsc = new FakePcsc();
    pcsc.running = false;
    await expect(listPcscReaders(pcsc)).resolves.toEqual({ status: 'no-service' });
  });

  it('another PC/SC failure is PCSC_SERVICE_UNAVAILABLE naming it', async () => {
    const broken = { establish: () => ({ listReaders: () => { throw new PcscCallError('comm'); }, waitForChange: () => Promise.resolve('timeout' as const), cancel: () => undefined, connect: () => Promise.reject(new PcscCallError('comm')), close: () => undefined }) };
    await expect(listPcscReaders(broken)).rejects.toMatchObject({ code: 'PCSC_SERVICE_UNAVAILABLE', details: { failure: 'comm' } });
  });
});
