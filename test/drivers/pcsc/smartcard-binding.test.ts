import { describe, expect, it } from 'vitest';
import { PcscCallError } from '../../../drivers/pcsc/pcsc-binding.js';
import { failureOf, loadSmartcardBinding, type SmartcardModule } from '../../../drivers/pcsc/smartcard-binding.js';

/** The constants pcsc-lite's headers give (pcsclite.h), as the addon exports them. */
const CONSTANTS = {
  SCARD_SHARE_EXCLUSIVE: 1,
  SCARD_SHARE_SHARED: 2,
  SCARD_PROTOCOL_T0: 1,
  SCARD_PROTOCOL_T1: 2,
  SCARD_LEAVE_CARD: 0,
  SCARD_RESET_CARD: 1,
  SCARD_UNPOWER_CARD: 2,
};

interface Calls {
  connect: [number, number][];
  transmit: Buffer[];
  disconnect: number[];
  waits: { readers: { name: string; state: number }[]; timeout: number }[];
}

/** A fake `smartcard` module: one reader with a T=1 card, and errors as the addon words them. */
function fakeModule(calls: Calls, options: { fail?: string; waitAnswer?: { name: string; state: number; atr: Buffer | null }[] | null } = {}): SmartcardModule {
  const card = {
    protocol: CONSTANTS.SCARD_PROTOCOL_T1,
    atr: Buffer.from('3B8E800180318066B1840C016E0183009000', 'hex'),
    transmit: (command: Buffer) => {
      calls.transmit.push(command);
      return options.fail === undefined ? Promise.resolve(Buffer.from('9000', 'hex')) : Promise.reject(new Error(options.fail));
    },
    getStatus: () => ({ state: 0x34, protocol: 2, atr: Buffer.alloc(0) }),
    disconnect: (d?: number) => {
      calls.disconnect.push(d ?? -1);
    },
  };
  class Context {
    listReaders() {
      return [
        {
          name: 'Generic CCID Reader 00 00',
          state: 0x10022,
          atr: card.atr,
          connect: (share?: number, protocol?: number) => {
            calls.connect.push([share ?? -1, protocol ?? -1]);
            return Promise.resolve(card);
          },
        },
      ];
    }
    waitForChange(readers: { name: string; state: number }[], timeout: number) {
      calls.waits.push({ readers, timeout });
      return Promise.resolve(options.waitAnswer === undefined ? [] : options.waitAnswer);
    }
    cancel() {}
    close() {}
  }
  return { Context, ...CONSTANTS };
}

const newCalls = (): Calls => ({ connect: [], transmit: [], disconnect: [], waits: [] });

describe('the smartcard binding adapter', () => {
  it('connects exclusively with T=0 or T=1, reports the protocol the card took, and maps dispositions', async () => {
    const calls = newCalls();
    const binding = await loadSmartcardBinding(() => Promise.resolve({ default: fakeModule(calls) }));
    const context = binding.establish();
    expect(context.listReaders()).toEqual([{ name: 'Generic CCID Reader 00 00', state: 0x10022, atr: Buffer.from('3B8E800180318066B1840C016E0183009000', 'hex') }]);
    const handle = await context.connect('Generic CCID Reader 00 00', true);
    expect(calls.connect).toEqual([[CONSTANTS.SCARD_SHARE_EXCLUSIVE, CONSTANTS.SCARD_PROTOCOL_T0 | CONSTANTS.SCARD_PROTOCOL_T1]]);
    expect(handle.protocol).toBe('T=1');
    await expect(handle.transmit(Buffer.from('00B2010C00', 'hex'))).resolves.toEqual(Buffer.from('9000', 'hex'));
    handle.disconnect('leave');
    handle.disconnect('unpower');
    expect(calls.disconnect).toEqual([CONSTANTS.SCARD_LEAVE_CARD, CONSTANTS.SCARD_UNPOWER_CARD]);
    await expect(context.connect('Some Other Reader', true)).rejects.toMatchObject({ failure: 'reader-unavailable' });
  });

  it("names the addon's failures after PC/SC's return codes", async () => {
    const calls = newCalls();
    const binding = await loadSmartcardBinding(() => Promise.resolve(fakeModule(calls, { fail: 'Card was removed' })));
    const handle = await binding.establish().connect('Generic CCID Reader 00 00', false);
    const err = await handle.transmit(Buffer.from('00B2010C00', 'hex')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PcscCallError);
    expect(err).toMatchObject({ failure: 'removed' });
    expect(calls.connect[0]?.[0]).toBe(CONSTANTS.SCARD_SHARE_SHARED);
  });

  it.each([
    ['PC/SC service not running', 'no-service'],
    ['PC/SC service stopped', 'no-service'],
    ['Card was removed', 'removed'],
    ['No smart card present', 'no-card'],
    ['Reader unavailable', 'reader-unavailable'],
    ['Sharing violation', 'sharing'],
    ['Card is unresponsive', 'unresponsive'],
    ['Communication error', 'comm'],
    ['Transaction failed', 'comm'],
    ['Context is not valid', 'closed'],
    ['Something new', 'other'],
  ] as const)('"%s" is %s', (message, failure) => {
    expect(failureOf(new Error(message))).toBe(failure);
  });

  it('waitForChange: null is cancelled, [] is a timeout, else the states', async () => {
    const watched = [{ name: 'Generic CCID Reader 00 00', state: 0x10012 }];
    const states = [{ name: 'Generic CCID Reader 00 00', state: 0x20022, atr: Buffer.from('3B00', 'hex') }];
    for (const [answer, expected] of [
      [null, 'cancelled'],
      [[], 'timeout'],
      [states, [{ name: 'Generic CCID Reader 00 00', state: 0x20022, atr: Buffer.from('3B00', 'hex') }]],
    ] as const) {
      const calls = newCalls();
      const binding = await loadSmartcardBinding(() => Promise.resolve(fakeModule(calls, { waitAnswer: answer === null ? null : [...answer] })));
      await expect(binding.establish().waitForChange(watched, 250)).resolves.toEqual(expected);
      expect(calls.waits).toEqual([{ readers: watched, timeout: 250 }]);
    }
  });

  it('an addon that cannot load is PCSC_LIBRARY_UNAVAILABLE naming libpcsclite-dev', async () => {
    await expect(loadSmartcardBinding(() => Promise.reject(new Error('Cannot find module smartcard')))).rejects.toMatchObject({
      code: 'PCSC_LIBRARY_UNAVAILABLE',
      kind: 'config',
      details: { package: 'libpcsclite-dev' },
    });
    await expect(loadSmartcardBinding(() => Promise.resolve({ default: {} }))).rejects.toMatchObject({ code: 'PCSC_LIBRARY_UNAVAILABLE' });
  });
});
