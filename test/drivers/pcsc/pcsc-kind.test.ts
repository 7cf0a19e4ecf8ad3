/**
 * `devices.reader: { type: 'pcsc' }` as `pos run` opens it and `pos diag
 * devices` probes it, over the real pcscd: the reader found by its name
 * pattern, a pattern naming no reader refused with its own code, and the
 * paired stripe reader opened through its own kind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { claimVpcdSlot, type VpcdSlot } from '../../../hw-mocks/vpcd/vpcd-slot-lock.js';
import { chipKernelOf } from '../../../src/app/chip-kernel.js';
import { kindOf, READER_KINDS } from '../../../src/app/device-kinds.js';
import { parseConfig } from '../../../src/config/load.js';
import { rejection } from '../../pos-error.js';
import { deviceContext } from '../device-context.js';
import { captureMockBinding, MockBinding } from '../mock-binding.js';
import { pcscStack, runsOver, titleFor } from './pcscd-harness.js';

const stack = await pcscStack();

let vpcd: VpcdSlot | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  vpcd?.release();
  vpcd = undefined;
  MockBinding.reset();
});

function pcscReader(reader: Record<string, unknown>) {
  const config = parseConfig({ devices: { reader }, host: { type: 'simulator' } });
  const r = config.devices.reader;
  if (r.type !== 'pcsc') throw new Error('not a pcsc reader');
  return { config, reader: r, kind: kindOf(READER_KINDS, r) };
}

describe('the pcsc reader config', () => {
  it('defaults to the first reader and no stripe; a pattern that is no regular expression is refused naming the field', () => {
    expect(pcscReader({ type: 'pcsc' }).reader).toEqual({ type: 'pcsc', readerName: '' });
    expect(() => pcscReader({ type: 'pcsc', readerName: '(' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: expect.objectContaining({ fields: ['devices.reader.readerName'] }) }));
  });

  it.each([['vivopay', { type: 'vivopay', transport: 'serial', path: '/dev/x' }], ['another pcsc reader', { type: 'pcsc' }], ['a virtual reader', { type: 'virtual' }]])(
    'refuses %s as the paired stripe reader',
    (_what, stripe) => {
      expect(() => pcscReader({ type: 'pcsc', stripe })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    },
  );
});

describe.skipIf(!runsOver(stack))(titleFor('the pcsc reader kind over the real pcscd', stack), () => {
  it("pos diag devices' probe names the reader the pattern finds, and whether a card is in", async () => {
    if (!stack.ready) throw new Error(`the PC/SC stack is missing: ${stack.reason}`);
    vpcd = await claimVpcdSlot();
    const { reader, kind } = pcscReader({ type: 'pcsc', readerName: `^${vpcd.readerName}$` });
    await expect(kind.probe(reader, deviceContext())).resolves.toEqual({ check: 'open', answer: `${vpcd.readerName}: no card` });
  });

  it('a pattern that names no reader is PCSC_READER_NOT_FOUND, naming the pattern', async () => {
    const { reader, kind } = pcscReader({ type: 'pcsc', readerName: '^No Such Reader 00 00$' });
    const error = await rejection(kind.probe(reader, deviceContext()));
    expect(error).toMatchObject({ code: 'PCSC_READER_NOT_FOUND', details: { readerName: '^No Such Reader 00 00$' } });
  });

  it('opens the paired stripe reader through its own kind, at its line, and closes it with the chip reader', async () => {
    vpcd = await claimVpcdSlot();
    const { config, reader, kind } = pcscReader({ type: 'pcsc', readerName: `^${vpcd.readerName}$`, stripe: { type: 'msr-serial', path: '/dev/pos-stripe' } });
    MockBinding.createPort('/dev/pos-stripe');
    const mock = captureMockBinding();
    const attached = await kind.open(reader, { ...deviceContext(undefined, mock.binding), chipKernel: () => chipKernelOf(config) });
    expect(mock.port().openOptions).toMatchObject({ path: '/dev/pos-stripe', baudRate: 9600 });
    expect(attached.device.name).toBe(`pcsc:^${vpcd.readerName}$+msr-serial`);
    expect(attached.device.capabilities).toEqual({ chip: true });
    await attached.device.close();
    expect(mock.port().isOpen).toBe(false);
    await attached.release?.();
  });
});
