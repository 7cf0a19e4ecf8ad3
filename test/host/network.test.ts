import { afterEach, describe, expect, it } from 'vitest';
import { parseFaultRule, withFaults, type FaultRule } from '../../hw-mocks/host/faults.js';
import { answerWith, FrameListener, type CoreHandler } from '../../hw-mocks/host/listeners.js';
import { iso8583MatchingReader, matchKey } from '../../src/host/channels/match-key.js';
import { PersistentHostChannel } from '../../src/host/channels/persistent-host-channel.js';
import { iso8583NetworkExchange, NetworkManager, type NetworkCodeUsed } from '../../src/host/network-management.js';
import { iso87ascii } from '../../src/iso8583/dialects/iso87ascii.js';
import type { Iso8583Message } from '../../src/iso8583/message.js';
import { decodeMessage, encodeMessage } from '../../src/iso8583/message-codec.js';
import { PosError } from '../../src/util/errors.js';

const TID = 'T0000001';

function networkHost(): { core: CoreHandler; codes: string[] } {
  const codes: string[] = [];
  const core: CoreHandler = (frame) => {
    const m = decodeMessage(iso87ascii, frame);
    codes.push(String(m.get(70)));
    return encodeMessage(iso87ascii, { mti: '0810', fields: { 11: m.get(11), 39: '00', 41: m.get(41), 70: m.get(70) } });
  };
  return { core, codes };
}

const encode = (code: NetworkCodeUsed, stan: string): { bytes: Buffer; key: string } => ({
  bytes: encodeMessage(iso87ascii, { mti: '0800', fields: { 11: stan, 41: TID, 70: code } }),
  key: matchKey('0800', stan, TID),
});
const check = (_code: NetworkCodeUsed, reply: Iso8583Message): void => {
  if (reply.get(39) !== '00') throw new PosError('HOST_BAD_RESPONSE', 'refused', { field: 39, reason: 'declined' });
};

describe('NetworkManager', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function setUp(faults: readonly FaultRule[] = [], echoIntervalMs = 0) {
    const host = networkHost();
    const listener = new FrameListener({ handler: withFaults(answerWith(host.core), faults, { dialect: iso87ascii }) });
    await listener.start();
    const channel = new PersistentHostChannel<Iso8583Message>({ host: '127.0.0.1', port: listener.port, readReply: iso8583MatchingReader(iso87ascii) });
    let stan = 0;
    const manager = new NetworkManager({
      exchange: iso8583NetworkExchange({ channel, timeoutMs: 300, encode, check }),
      nextStan: () => String(++stan).padStart(6, '0'),
      echoIntervalMs,
      lastTrafficAt: () => channel.lastTrafficAt,
    });
    cleanups.push(async () => {
      manager.stop();
      await channel.close();
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
    await expect(manager.echo()).rejects.toMatchObject({ code: 'HOST_TIMEOUT', details: { requestMayHaveReachedHost: true } });
  });

  it('echoes on its own once the connection has been idle for the interval', async () => {
    const { host, manager } = await setUp([], 100);
    await manager.signOn();
    manager.start();
    await expect.poll(() => host.codes.filter((c) => c === '301').length, { timeout: 3000 }).toBeGreaterThanOrEqual(2);
  });
});
