/**
 * A virtual NEO 2's flash as another terminal left it: a contact AID this
 * terminal does not name, and a Visa contactless AID in group 40 with that
 * acquirer's limits (transaction limit 40.00, CVM limit 30.00, floor limit
 * 0). Loaded through the store's own answers to 04-03 and 04-02 (§8.3.1–8.3.2
 * p151–153), so it is what those commands would have left. A terminal that
 * starts on it finds the reader's configuration differing, and rewrites it.
 */
import { encode } from '../../src/emv/ber-tlv.js';
import { configurationCommandsOf, createConfigurationStore, type ConfigurationStore } from './configuration-store.js';

/** The used reader's own contact AID (not one of ours). */
export const USED_READER_STALE_AID = 'A0000000999090';
/** Its Visa group's contactless transaction limit, minor units: a tap above it is sent to the contact slot. */
export const USED_READER_VISA_TAP_LIMIT = 4000;

const VISA_AID = 'A0000000031010';
const STALE_GROUP = 0x40;
/** DFEE4C for Visa (p91). */
const VISA_FLOW = 0x06;

export function usedReaderFlash(): ConfigurationStore {
  const store = createConfigurationStore();
  const answer = configurationCommandsOf(store);
  const n12 = (minor: number) => Buffer.from(String(minor).padStart(12, '0'), 'hex');
  const group = Buffer.from([STALE_GROUP]);
  const sets = [
    // 04-03 Set Configurable Group: [DFEE2D group][limits…]
    { command: 0x04, subCommand: 0x03, data: encode([{ tag: 'DFEE2D', value: group }, { tag: 'DFEE34', value: n12(USED_READER_VISA_TAP_LIMIT) }, { tag: 'DFEE36', value: n12(3000) }, { tag: '9F1B', value: Buffer.alloc(4) }]) },
    // 04-02 Set Configurable AID: [DFEE2D group][9F06 AID][DFEE4C flow]
    { command: 0x04, subCommand: 0x02, data: encode([{ tag: 'DFEE2D', value: group }, { tag: '9F06', value: Buffer.from(VISA_AID, 'hex') }, { tag: 'DFEE4C', value: Buffer.from([VISA_FLOW]) }]) },
  ];
  for (const set of sets) {
    const answered = answer(set);
    if (answered?.status !== 0x00) throw new Error(`the used reader's flash refused ${set.command.toString(16)}-${set.subCommand.toString(16)}`);
  }
  store.aids.set(USED_READER_STALE_AID, { aid: Buffer.from(USED_READER_STALE_AID, 'hex'), tlvs: [] });
  store.received.clear();
  return store;
}
