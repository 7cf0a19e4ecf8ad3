import { afterEach, describe, expect, it } from 'vitest';
import { parseFaultRule, withFaults, type FaultRule } from '../../hw-mocks/host/faults.js';
import { answerWith, FrameListener, type CoreHandler } from '../../hw-mocks/host/listeners.js';
import { NetworkManager } from '../../src/host/iso8583/network-management.js';
import { encodeWithMac } from '../../src/host/messages/mac.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import { decodeMessage } from '../../src/iso8583/message-codec.js';
import { closeIsoClients, isoChannel, isoClient, terminalMacKey } from './helpers.js';

const TID = 'T0000001';
const MAC_KEY = terminalMacKey();

/** A host that answers every 0800 with an 0810 carrying `responseCode`, MAC'd under the terminal's TAK. */
function networkHost(responseCode = '00'): { core: CoreHandler; codes: string[] } {
  const codes: string[] = [];
  const core: CoreHandler = (frame) => {
    const m = decodeMessage(iso87ascii, frame);
    codes.push(String(m.get(70)));
    return encodeWithMac(iso87ascii, { mti: '0810', fields: { 11: m.get(11), 39: responseCode, 41: m.get(41), 70: m.get(70) } }, MAC_KEY.current());
  };
  return { core, codes };
}

describe('NetworkManager through the ISO 8583 client', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
    await closeIsoClients();
  });

  async function setUp(faults: readonly FaultRule[] = [], echoIntervalMs = 0, responseCode = '00') {
    const host = networkHost(responseCode);
    const listener = new FrameListener({ handler: withFaults(answerWith(host.core), faults, { dialect: iso87ascii }) });
    await listener.start();
    const channel = isoChannel(listener.port);
    const client = isoClient(channel, { timeoutMs: 300 });
    let stan = 0;
    const manager = new NetworkManager({
      exchange: client.networkExchange({ terminalId: TID, clock: () => new Date() }),
      nextStan: () => String(++stan).padStart(6, '0'),
      echoIntervalMs,
      lastTrafficAt: () => channel.lastTrafficAt,
    });
    cleanups.push(async () => {
      manager.stop();
      await listener.stop();
    });
    return { host, manager, channel };
  }

  it('signs on with 001 and echoes with 301, reporting the round trip', async () => {
    const { host, manager } = await setUp();
    await manager.signOn();
    const { rttMs } = await manager.echo();
    expect(rttMs).toBeGreaterThan(0);
    expect(host.codes).toEqual(['001', '301']);
  });

  it('an echo the host does not answer rejects HOST_TIMEOUT', async () => {
    const { manager } = await setUp([parseFaultRule('no-answer,mti=0800')]);
    await expect(manager.echo()).rejects.toMatchObject({ code: 'HOST_TIMEOUT', delivery: 'maybe-sent' });
  });

  it('a sign-on the host refuses rejects HOST_BAD_RESPONSE naming DE 39', async () => {
    const { manager } = await setUp([], 0, '96');
    await expect(manager.signOn()).rejects.toMatchObject({ code: 'HOST_BAD_RESPONSE', details: { field: 39, reason: 'refused' } });
  });

  it('echoes on its own once the connection has been idle for the interval', async () => {
    const { host, manager } = await setUp([], 100);
    await manager.signOn();
    manager.start();
    await expect.poll(() => host.codes.filter((c) => c === '301').length, { timeout: 3000 }).toBeGreaterThanOrEqual(2);
  });
});
