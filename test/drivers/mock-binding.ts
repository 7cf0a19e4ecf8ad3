/**
 * `MockBinding` from @serialport/binding-mock, wrapped so a test can reach the
 * port binding it opened (to `emitData`, read `lastWrite`, or make its next
 * read fail as an unplugged device's does).
 */
import { SerialPortMock } from 'serialport';
import type { SerialBinding } from '../../drivers/transport/serial-transport.js';

/**
 * `MockBinding` of @serialport/binding-mock, reached through `serialport`'s
 * `SerialPortMock` (the same object): the package's own export map carries no
 * types for NodeNext resolution.
 */
export const MockBinding = SerialPortMock.binding;
export type MockPortBinding = Awaited<ReturnType<typeof MockBinding.open>>;

export interface CapturedMock {
  readonly binding: SerialBinding;
  /** The port binding opened last; throws if none was. */
  port(): MockPortBinding;
  /** The next read fails with a non-cancel error, as when the device is unplugged (EIO). */
  unplugOnNextRead(): void;
}

export function captureMockBinding(): CapturedMock {
  let opened: MockPortBinding | undefined;
  const binding: SerialBinding = {
    list: () => MockBinding.list(),
    open: async (options) => {
      opened = await MockBinding.open(options);
      return opened;
    },
  };
  const port = (): MockPortBinding => {
    if (opened === undefined) throw new Error('no mock port opened');
    return opened;
  };
  return {
    binding,
    port,
    unplugOnNextRead: () => {
      const p = port();
      p.read = () => Promise.reject(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' }));
    },
  };
}
