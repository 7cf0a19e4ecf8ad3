/**
 * The reader configured at open and inspected by `pos diag devices`, on the
 * transport the kind opens: `configureReader` syncs and leaves the transport
 * open and free; `inspectReader` writes nothing and says whether it matches.
 */
import { describe, expect, it } from 'vitest';
import { configureReader, describeInspection, inspectReader } from '../../../../drivers/vivopay/configuration/index.js';
import { createMemoryTransportPair } from '../../../../drivers/transport/memory-transport.js';
import { createConfigurationStore } from '../../../../hw-mocks/vivopay/configuration-store.js';
import { captureLog } from '../../../log-capture.js';
import { rejection } from '../../../pos-error.js';
import { desiredOf, serveStore, writesIn } from './harness.js';

function rig() {
  const store = createConfigurationStore();
  const [host, device] = createMemoryTransportPair();
  const detach = serveStore(device, store);
  return { store, host, close: () => detach() };
}

describe('configuring a NEO 2 at open, and inspecting it', () => {
  it('configures an empty reader, logs what changed by item and id, and leaves the transport open and unheard', async () => {
    const { store, host, close } = rig();
    const log = captureLog();
    const desired = desiredOf();
    const result = await configureReader(host, desired, log.logger);
    expect(result.matched).toBe(false);
    const line = log
      .text()
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { msg?: string; changed?: string[] })
      .find((l) => l.msg === 'reader configuration updated');
    expect(line?.changed).toContain('aid A0000000031010 add');
    // The transport stays usable: a second configuration finds everything in place.
    expect((await configureReader(host, desired, log.logger)).matched).toBe(true);
    expect(store.aids.size).toBe(4);
    close();
  });

  it('a refusal rejects the open with READER_CONFIG_REFUSED', async () => {
    const { store, host, close } = rig();
    store.refusals.set('60-06', 0x62);
    const error = await rejection(configureReader(host, desiredOf(), captureLog().logger));
    expect(error.code).toBe('READER_CONFIG_REFUSED');
    close();
  });

  it('inspects without writing: versions, and the differences named', async () => {
    const { store, host, close } = rig();
    const empty = await inspectReader(host, desiredOf());
    expect(empty.matched).toBe(false);
    expect(writesIn(store)).toEqual([]);
    expect(describeInspection(empty)).toMatch(/^firmware NEO2 Virtual v1\.00, kernel EMV Common L2 V1\.10\.037, configuration differs: terminal-data terminal add, ca-key .* and \d+ more$/);
    await configureReader(host, desiredOf(), captureLog().logger);
    expect(describeInspection(await inspectReader(host, desiredOf()))).toBe('firmware NEO2 Virtual v1.00, kernel EMV Common L2 V1.10.037, configuration matches');
    close();
  });
});
