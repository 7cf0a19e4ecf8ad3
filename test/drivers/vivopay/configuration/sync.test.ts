/**
 * The reader configured from the terminal's own: `syncReaderConfiguration`
 * against the virtual NEO 2's configuration store, over an in-memory line
 * (real frames both ways): an empty reader gets everything, a matching one
 * gets nothing but reads, a differing AID, CA key or terminal datum is
 * replaced, what the configuration does not name is removed, and a reader
 * that refuses is reported by a typed error.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compareReaderConfiguration,
  openConfigurationLink,
  readReaderVersions,
  syncReaderConfiguration,
  type ClosableConfigurationLink,
  type ReaderConfiguration,
} from '../../../../drivers/vivopay/configuration/index.js';
import { createMemoryTransportPair } from '../../../../drivers/transport/memory-transport.js';
import { createConfigurationStore, responseFrame, type ConfigurationStore } from '../../../../hw-mocks/vivopay/configuration-store.js';
import { rejection } from '../../../pos-error.js';
import { desiredOf, serveStore, writesIn, type ServeOptions } from './harness.js';

const VISA = 'A0000000031010';
const MASTERCARD = 'A0000000041010';
const TAC = { default: 'DC4000A800', denial: '0010000000', online: 'DC4004F800' };

let store: ConfigurationStore;
let link: ClosableConfigurationLink;
let detach: () => void;

function connect(options: ServeOptions = {}): void {
  const [host, device] = createMemoryTransportPair();
  detach = serveStore(device, store, options);
  link = openConfigurationLink(host, { answerTimeoutMs: 200, retries: 1 });
}

beforeEach(() => {
  store = createConfigurationStore();
  connect();
});

afterEach(() => {
  link.close();
  detach();
});

/** The store holding `desired` already, set through the reader's own commands. */
async function seeded(desired: ReaderConfiguration): Promise<void> {
  await syncReaderConfiguration(link, desired);
  store.received.clear();
}

describe('syncing a NEO 2 with the terminal configuration', () => {
  it('an empty reader gets the terminal data, every CA key, every AID, and a contactless group and AID each', async () => {
    const desired = desiredOf();
    const result = await syncReaderConfiguration(link, desired);
    expect(result.matched).toBe(false);
    const count = (item: string, action = 'add') => result.changed.filter((c) => c.item === item && c.action === action).length;
    expect(count('terminal-data')).toBe(1);
    expect(count('ca-key')).toBe(desired.capks.length);
    expect(count('contactless-ca-key')).toBe(desired.capks.length);
    expect(count('aid')).toBe(4);
    expect(count('contactless-group')).toBe(4);
    expect(count('contactless-aid')).toBe(4);
    expect(result.changed.filter((c) => c.action !== 'add')).toEqual([]);

    expect(store.terminalData?.find((t) => t.tag === '9F1A')?.value.toString('hex')).toBe('0250');
    expect(store.terminalData?.find((t) => t.tag === '9F1C')?.value.toString('latin1')).toBe('TERM0001');
    expect([...store.aids.keys()]).toEqual([VISA, 'A0000000032010', MASTERCARD, 'A0000000043060']);
    expect(store.capks.size).toBe(desired.capks.length);
    expect(store.contactlessCapks.size).toBe(desired.capks.length);
    expect([...store.groups.keys()]).toEqual([0, 0x40, 0x41, 0x42, 0x43]);
    expect(store.contactlessAids.get(MASTERCARD)).toMatchObject({ group: 0x42 });
  });

  it('a reader that matches gets nothing but reads, and says it matched', async () => {
    const desired = desiredOf();
    await seeded(desired);
    const result = await syncReaderConfiguration(link, desired);
    expect(result).toEqual({ changed: [], matched: true });
    expect(writesIn(store)).toEqual([]);
    expect(await compareReaderConfiguration(link, desired)).toEqual({ matched: true, differences: [] });
  });

  it('a differing terminal datum (9F1E) is sent again, and nothing else', async () => {
    await seeded(desiredOf());
    const desired = desiredOf({ terminal: { ifdSerialNumber: 'IFD00002' } });
    expect((await compareReaderConfiguration(link, desired)).differences).toEqual([{ item: 'terminal-data', action: 'replace', id: 'terminal' }]);
    expect(writesIn(store)).toEqual([]);
    const result = await syncReaderConfiguration(link, desired);
    expect(result.changed).toEqual([{ item: 'terminal-data', action: 'replace', id: 'terminal' }]);
    expect(store.terminalData?.find((t) => t.tag === '9F1E')?.value.toString('latin1')).toBe('IFD00002');
    expect(writesIn(store)).toEqual(['60-06']);
  });

  it('an AID whose action codes or floor limit differ is removed and set again; its contactless group follows', async () => {
    await seeded(desiredOf());
    const aids = [{ aid: VISA, applicationVersion: '0096', tac: { ...TAC, online: 'DC4004F801' }, floorLimit: 1500 }];
    const desired = desiredOf({ aids });
    const result = await syncReaderConfiguration(link, desired);
    expect(result.changed).toEqual([
      { item: 'aid', action: 'remove', id: 'A0000000032010' },
      { item: 'aid', action: 'remove', id: MASTERCARD },
      { item: 'aid', action: 'remove', id: 'A0000000043060' },
      { item: 'aid', action: 'replace', id: VISA },
      { item: 'contactless-aid', action: 'remove', id: 'A0000000032010' },
      { item: 'contactless-aid', action: 'remove', id: MASTERCARD },
      { item: 'contactless-aid', action: 'remove', id: 'A0000000043060' },
      { item: 'contactless-group', action: 'replace', id: '40' },
      { item: 'contactless-group', action: 'remove', id: '41' },
      { item: 'contactless-group', action: 'remove', id: '42' },
      { item: 'contactless-group', action: 'remove', id: '43' },
    ]);
    const visa = store.aids.get(VISA)?.tlvs;
    expect(visa?.find((t) => t.tag === 'DF15')?.value.toString('hex')).toBe('dc4004f801');
    expect(visa?.find((t) => t.tag === '9F1B')?.value.toString('hex')).toBe('000005dc');
    expect([...store.aids.keys()]).toEqual([VISA]);
    expect([...store.groups.keys()]).toEqual([0, 0x40]);
    expect(store.groups.get(0x40)?.find((t) => t.tag === '9F1B')?.value.toString('hex')).toBe('000005dc');
    expect(await compareReaderConfiguration(link, desired)).toEqual({ matched: true, differences: [] });
  });

  it('a CA key whose modulus differs is replaced, and a key the configuration does not name is removed', async () => {
    const desired = desiredOf();
    await seeded(desired);
    const [first, second] = [...store.capks.entries()];
    // Another key under the first's RID and index (its hash made to match, as a reader keeps only consistent keys).
    const old = first![1];
    const modulus = Buffer.from(old.modulus);
    modulus.writeUInt8(modulus.readUInt8(modulus.length - 1) ^ 0x02, modulus.length - 1);
    const exponent = old.exponentField.readUInt32BE(0) === 3 ? Buffer.from([3]) : Buffer.from([1, 0, 1]);
    const hash = createHash('sha1').update(Buffer.concat([old.rid, Buffer.from([old.index]), modulus, exponent])).digest();
    store.capks.set(first![0], { ...old, modulus, hash });
    store.capks.set('A00000999901', { ...second![1], rid: Buffer.from('A000009999', 'hex'), index: 1 });

    const result = await syncReaderConfiguration(link, desired);
    const name = `${old.rid.toString('hex').toUpperCase()}/${old.index.toString(16).toUpperCase().padStart(2, '0')}`;
    expect(result.changed).toEqual([
      { item: 'ca-key', action: 'remove', id: 'A000009999/01' },
      { item: 'ca-key', action: 'replace', id: name },
    ]);
    expect(store.capks.get(first![0])?.modulus.equals(old.modulus)).toBe(true);
    expect(store.capks.has('A00000999901')).toBe(false);
    expect(writesIn(store)).toEqual(['60-09', '60-0A']);
  });

  it('the contactless kernel\'s keys (D0): one whose hash differs is deleted and set again; a RID we do not want clears them all', async () => {
    const desired = desiredOf();
    await seeded(desired);
    const [id, key] = [...store.contactlessCapks.entries()][0]!;
    store.contactlessCapks.set(id, { ...key, hash: Buffer.alloc(20, 0x55) });
    const name = `${key.rid.toString('hex').toUpperCase()}/${key.index.toString(16).toUpperCase().padStart(2, '0')}`;
    expect((await syncReaderConfiguration(link, desired)).changed).toEqual([{ item: 'contactless-ca-key', action: 'replace', id: name }]);
    expect(store.contactlessCapks.get(id)?.hash).toEqual(key.hash);

    store.contactlessCapks.set('A00000999901', { ...key, rid: Buffer.from('A000009999', 'hex'), index: 1 });
    const result = await syncReaderConfiguration(link, desired);
    expect(result.changed[0]).toEqual({ item: 'contactless-ca-key', action: 'remove', id: 'all' });
    expect(result.changed.filter((c) => c.item === 'contactless-ca-key' && c.action === 'add')).toHaveLength(desired.capks.length);
    expect(store.contactlessCapks.has('A00000999901')).toBe(false);
    expect(store.contactlessCapks.size).toBe(desired.capks.length);
  });

  it('a contactless limit that differs re-sends that AID\'s group only', async () => {
    await seeded(desiredOf());
    const aids = [
      { aid: VISA, applicationVersion: '0096', tac: TAC, contactless: { transactionLimit: 20_000 } },
      { aid: 'A0000000032010', applicationVersion: '0096', tac: TAC },
      { aid: MASTERCARD, applicationVersion: '0002', tac: { default: 'FC50BCA000', denial: '0000000000', online: 'FC50BCF800' } },
      { aid: 'A0000000043060', applicationVersion: '0002', tac: { default: 'FC50BCA000', denial: '0000000000', online: 'FC50BCF800' } },
    ];
    const result = await syncReaderConfiguration(link, desiredOf({ aids }));
    expect(result.changed).toEqual([{ item: 'contactless-group', action: 'replace', id: '40' }]);
    expect(store.groups.get(0x40)?.find((t) => t.tag === 'DFEE34')?.value.toString('hex')).toBe('000000020000');
  });

  it('an AID with contactless disabled is removed from the contactless kernel, and its group with it', async () => {
    await seeded(desiredOf());
    const aids = [{ aid: VISA, applicationVersion: '0096', tac: TAC, contactless: { enabled: false } }];
    const result = await syncReaderConfiguration(link, desiredOf({ aids }));
    expect(result.changed.filter((c) => c.item.startsWith('contactless'))).toEqual([
      { item: 'contactless-aid', action: 'remove', id: VISA },
      { item: 'contactless-aid', action: 'remove', id: 'A0000000032010' },
      { item: 'contactless-aid', action: 'remove', id: MASTERCARD },
      { item: 'contactless-aid', action: 'remove', id: 'A0000000043060' },
      { item: 'contactless-group', action: 'remove', id: '40' },
      { item: 'contactless-group', action: 'remove', id: '41' },
      { item: 'contactless-group', action: 'remove', id: '42' },
      { item: 'contactless-group', action: 'remove', id: '43' },
    ]);
    expect([...store.groups.keys()]).toEqual([0]);
  });

  it('leaves the factory group 0 and groups outside the terminal\'s range alone', async () => {
    store.groups.set(0x90, [{ tag: '9F1B', value: Buffer.from('00001770', 'hex') }]);
    await syncReaderConfiguration(link, desiredOf());
    expect(store.groups.has(0x90)).toBe(true);
    expect(store.groups.get(0)?.find((t) => t.tag === 'DFEE34')?.value.toString('hex')).toBe('000000010000');
  });

  it.each([
    ['a flash error on terminal data (p165)', '60-06', 0x62, 'setTerminalData', 'terminal', '§8.4.8 p165'],
    ['full key slots (p175)', '60-0A', 0x61, 'setCaPublicKey', 'A000000003/92', '§8.4.12 p174'],
    ['a malformed AID TLV (p163)', '60-03', 0x05, 'setApplicationData', VISA, '§8.4.5 p162'],
    ['a group refused', '04-03', 0x0a, 'setConfigurableGroup', '40', '§8.3.2 p152'],
  ])('a reader answering an error status is reported: %s', async (_name, key, status, command, item, guide) => {
    store.refusals.set(key, status);
    const error = await rejection(syncReaderConfiguration(link, desiredOf()));
    expect(error.code).toBe('READER_CONFIG_REFUSED');
    expect(error.kind).toBe('protocol');
    expect(error.details).toMatchObject({ command, status, guide });
    if (key !== '60-0A') expect(error.details['item']).toBe(item);
  });

  it('a reader whose 16 AID slots are taken by others gets them removed first, then ours', async () => {
    for (let i = 0; i < 16; i++) {
      const aid = Buffer.from(`A0000009${i.toString(16).padStart(2, '0')}1010`, 'hex');
      store.aids.set(aid.toString('hex').toUpperCase(), { aid, tlvs: [] });
    }
    const result = await syncReaderConfiguration(link, desiredOf());
    expect(result.changed.filter((c) => c.item === 'aid' && c.action === 'remove')).toHaveLength(16);
    expect(store.aids.size).toBe(4);
  });

  it('a CA key the reader finds inconsistent (hash) is refused with status 17', async () => {
    const desired = desiredOf();
    const [key] = desired.capks;
    const broken: ReaderConfiguration = { ...desired, capks: [{ ...key!, hash: Buffer.alloc(20) }] };
    const error = await rejection(syncReaderConfiguration(link, broken));
    expect(error.code).toBe('READER_CONFIG_REFUSED');
    expect(error.details).toMatchObject({ command: 'setCaPublicKey', status: 0x17 });
  });

  it('an answer that is not of the guide\'s form is READER_CONFIG_MALFORMED, naming the command', async () => {
    link.close();
    detach();
    // 60-07 answered [number 3][len 7][A0000000031010]: three AIDs announced, one present.
    const list = Buffer.concat([Buffer.from([0x03, 0x00]), Buffer.from([0x07, 0x00]), Buffer.from(VISA, 'hex')]);
    connect({ intercept: (command, sub) => (command === 0x60 && sub === 0x07 ? responseFrame(0x60, 0x00, list) : undefined) });
    const error = await rejection(syncReaderConfiguration(link, desiredOf()));
    expect(error.code).toBe('READER_CONFIG_MALFORMED');
    expect(error.details['command']).toBe('retrieveAidList');
  });

  it('reads the firmware and contact L2 kernel versions (29-00, 29-07)', async () => {
    expect(await readReaderVersions(link)).toEqual({ firmware: 'NEO2 Virtual v1.00', emvL2Kernel: 'EMV Common L2 V1.10.037' });
  });

  it('falls back to 29-06 on a reader that does not know 29-07', async () => {
    store.refusals.set('29-07', 0x03);
    expect((await readReaderVersions(link)).emvL2Kernel).toBe('EMV Common L2 V1.10');
  });
});
