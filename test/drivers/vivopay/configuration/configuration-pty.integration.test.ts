/**
 * The reader's configuration over a real serial line: the configuration link
 * on the host end of a socat pty pair (the kind's 115200 8N1), the virtual
 * NEO 2's configuration store on the device end. An empty reader is synced
 * and then matches; the link rides out an answer with a corrupt CRC and a
 * reader that misses one command, and reports one that stays mute.
 */
import { describe, expect, it } from 'vitest';
import { compareReaderConfiguration, openConfigurationLink, readReaderVersions, syncReaderConfiguration, type ClosableConfigurationLink } from '../../../../drivers/vivopay/configuration/index.js';
import { VIVOPAY_DEFAULT_SERIAL } from '../../../../drivers/vivopay/kind.js';
import { openSerialTransport } from '../../../../drivers/transport/serial-transport.js';
import { createConfigurationStore, type ConfigurationStore } from '../../../../hw-mocks/vivopay/configuration-store.js';
import { openPtyEnd } from '../../../../hw-mocks/pty-end.js';
import { createPtyPair } from '../../../../hw-mocks/pty.js';
import type { ByteTransport } from '../../../../src/devices/byte-transport.js';
import { rejection } from '../../../pos-error.js';
import { alive, hasSocat } from '../../pty-harness.js';
import { desiredOf, serveStore, writesIn, type ServeOptions } from './harness.js';

async function overPty(store: ConfigurationStore, serve: ServeOptions, run: (link: ClosableConfigurationLink) => Promise<void>): Promise<void> {
  const pair = await createPtyPair();
  const device: ByteTransport = openPtyEnd(pair.devicePath);
  const detach = serveStore(device, store, serve);
  const host = await openSerialTransport({ ...VIVOPAY_DEFAULT_SERIAL, path: pair.hostPath });
  const link = openConfigurationLink(host, { answerTimeoutMs: 300, retries: 1 });
  try {
    await run(link);
  } finally {
    link.close();
    await host.close();
    detach();
    await device.close();
    await pair.close();
    expect(alive(pair.pid)).toBe(false);
  }
}

describe.skipIf(!hasSocat)('the NEO 2 configuration over a socat pty pair', () => {
  it('an empty reader is configured, then matches; versions read', async () => {
    const store = createConfigurationStore();
    const desired = desiredOf();
    await overPty(store, {}, async (link) => {
      const first = await syncReaderConfiguration(link, desired);
      expect(first.matched).toBe(false);
      // Terminal data, each key for both kernels, 4 AIDs, 4 groups, 4 contactless AIDs.
      expect(first.changed.length).toBe(1 + 2 * desired.capks.length + 4 + 4 + 4);
      store.received.clear();
      expect(await syncReaderConfiguration(link, desired)).toEqual({ changed: [], matched: true });
      expect(writesIn(store)).toEqual([]);
      expect(await readReaderVersions(link)).toEqual({ firmware: 'NEO2 Virtual v1.00', emvL2Kernel: 'EMV Common L2 V1.10.037' });
    });
  });

  it('an answer whose CRC is corrupt is asked again, and a missed command is sent again', async () => {
    const store = createConfigurationStore();
    let corrupted = 0;
    let missed = 0;
    const serve: ServeOptions = {
      intercept: (command, sub, answer) => {
        if (command === 0x60 && sub === 0x04 && corrupted++ === 0 && answer !== undefined) {
          const bad = Buffer.from(answer);
          bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
          return bad;
        }
        if (command === 0x60 && sub === 0x07 && missed++ === 0) return 'mute';
        return undefined;
      },
    };
    await overPty(store, serve, async (link) => {
      expect((await compareReaderConfiguration(link, desiredOf())).matched).toBe(false);
      expect(store.received.get('60-04')).toBe(2);
      expect(store.received.get('60-07')).toBe(2);
    });
  });

  it('a reader that stays mute is DEVICE_NO_ANSWER after the resend', async () => {
    const store = createConfigurationStore();
    await overPty(store, { intercept: () => 'mute' }, async (link) => {
      const error = await rejection(compareReaderConfiguration(link, desiredOf()));
      expect(error.code).toBe('DEVICE_NO_ANSWER');
      expect(error.details).toMatchObject({ command: '60', attempts: 2 });
    });
  });
});
