/**
 * Keeping a NEO 2's configuration equal to the terminal's: read back what the
 * reader holds, compare, and send only what differs (NEO 2 guide §8.3 and
 * §8.4.3–8.4.13; the commands in `commands.ts`).
 *
 *   read      60-04 terminal data · 60-0B CA key list, 60-08 each key we want ·
 *             D0-06 the contactless keys' RIDs, D0-02 each key we want ·
 *             60-07 AID list, 60-01 each AID we want · 03-07 groups · 03-05 contactless AIDs
 *   compare   an item matches when the reader holds every TLV we would send
 *             with the same value (a reader may add defaults of its own);
 *             a CA key matches on modulus, exponent and hash
 *   write     terminal data 60-06 · keys: 60-09 what should go, 60-0A what is
 *             missing or differs (removed first) · contactless keys: D0-05 when a
 *             RID should go, D0-04 then D0-03 · AIDs: 60-02, then 60-03 ·
 *             contactless: 04-04 AIDs that should go, 04-03 groups, 04-02 AIDs,
 *             04-05 our groups (40–4F) that nothing names any more
 *
 * Removals come before additions, so that a full reader (16 AIDs, its key
 * slots) has room, and a group exists before an AID names it and is deleted
 * only after no AID does (§8.3.1 p152, §8.3.6 p157).
 *
 * Every refusal is `READER_CONFIG_REFUSED` naming the command, the status and
 * the item; an answer not of the guide's form is `READER_CONFIG_MALFORMED`.
 * Status 60 ("does not exist") on a read means the reader holds none.
 */
import { encode } from '../../../src/emv/ber-tlv.js';
import { PosError } from '../../../src/util/errors.js';
import type { VivopayFrame } from '../framer.js';
import { CONFIGURATION_COMMANDS, CONFIGURATION_STATUS, KEY_MANAGER_STATUS, type ConfigurationOperation } from './commands.js';
import {
  capkName,
  decodeAidList,
  decodeApplicationData,
  decodeCapk,
  decodeCapkList,
  decodeContactlessCapkHash,
  decodeRidList,
  decodeTlvList,
  encodeApplicationData,
  encodeCapk,
  encodeCapkId,
  encodeContactlessCapk,
  encodeTlvList,
  type ApplicationData,
  type CapkId,
  type ReaderCapk,
  type TlvItem,
} from './contact-records.js';
import { aidName, aidTlv, decodeContactlessAids, decodeGroups, encodeContactlessAid, encodeGroup, groupName, groupNumberTlv, type ContactlessAid, type ContactlessGroup } from './contactless-records.js';
import { MAX_READER_AIDS, TERMINAL_GROUP_BASE, type ReaderConfiguration } from './desired.js';
import type { ConfigurationLink } from './link.js';

export type ConfigurationItem = 'terminal-data' | 'ca-key' | 'aid' | 'contactless-ca-key' | 'contactless-group' | 'contactless-aid';

/** One thing the sync changed (or, from `compareReaderConfiguration`, would change). */
export interface ConfigurationChange {
  readonly item: ConfigurationItem;
  /** `add`: the reader lacks it; `replace`: it differs; `remove`: the configuration does not name it. */
  readonly action: 'add' | 'replace' | 'remove';
  /** The AID, `RID/index`, or group number, in hex; `terminal` for terminal data; `all` for every contactless key. */
  readonly id: string;
}

export interface ConfigurationComparison {
  /** The reader holds the configuration: nothing to send. */
  readonly matched: boolean;
  readonly differences: readonly ConfigurationChange[];
}

export interface SyncResult {
  /** What was sent, in order of the changes. */
  readonly changed: readonly ConfigurationChange[];
  /** The reader held the configuration before: nothing was sent. */
  readonly matched: boolean;
}

/** Reads the reader's configuration and says what differs from `desired`, sending nothing but reads. */
export async function compareReaderConfiguration(link: ConfigurationLink, desired: ReaderConfiguration): Promise<ConfigurationComparison> {
  const plan = await planFor(link, desired);
  return { matched: plan.length === 0, differences: plan.map((s) => s.change) };
}

/** Reads, compares, and sends only what differs; throws `READER_CONFIG_REFUSED` at the first refusal. */
export async function syncReaderConfiguration(link: ConfigurationLink, desired: ReaderConfiguration): Promise<SyncResult> {
  const plan = await planFor(link, desired);
  for (const step of plan) await step.run();
  return { changed: plan.map((s) => s.change), matched: plan.length === 0 };
}

interface Step {
  readonly change: ConfigurationChange;
  readonly run: () => Promise<void>;
}

/** What the reader holds, read back. */
export interface ReaderHolds {
  readonly terminalData: readonly TlvItem[] | undefined;
  readonly capkIds: readonly CapkId[];
  readonly aids: readonly Buffer[];
  /** The RIDs of the contactless kernel's keys (D0-06: its indexes cannot be listed). */
  readonly contactlessRids: readonly Buffer[];
  readonly groups: readonly ContactlessGroup[];
  readonly contactlessAids: readonly ContactlessAid[];
}

async function planFor(link: ConfigurationLink, desired: ReaderConfiguration): Promise<Step[]> {
  if (desired.aids.length > MAX_READER_AIDS) {
    throw new PosError('READER_CONFIG_UNSUPPORTED', `The reader holds at most ${MAX_READER_AIDS} AIDs`, { aids: desired.aids.length, max: MAX_READER_AIDS });
  }
  const ask = asker(link);
  const holds = await readHolds(ask);
  const steps: Step[] = [];

  if (holds.terminalData === undefined || !holdsAll(holds.terminalData, desired.terminalData)) {
    steps.push(step('terminal-data', holds.terminalData === undefined ? 'add' : 'replace', 'terminal', () => ask.write('setTerminalData', encodeTlvList(desired.terminalData), 'terminal')));
  }

  const wantedKeys = new Map(desired.capks.map((k) => [capkName(k), k]));
  for (const id of holds.capkIds) {
    const name = capkName(id);
    if (!wantedKeys.has(name)) steps.push(step('ca-key', 'remove', name, () => ask.write('removeCaPublicKey', encodeCapkId(id), name)));
  }
  const heldKeys = new Set(holds.capkIds.map(capkName));
  for (const [name, key] of wantedKeys) {
    if (!heldKeys.has(name)) {
      steps.push(step('ca-key', 'add', name, () => ask.write('setCaPublicKey', encodeCapk(key), name)));
      continue;
    }
    const held = await ask.read('retrieveCaPublicKey', encodeCapkId(key), name, (d) => decodeCapk('retrieveCaPublicKey', d));
    if (held === undefined || !sameKey(held, key)) {
      steps.push(
        step('ca-key', 'replace', name, async () => {
          if (held !== undefined) await ask.write('removeCaPublicKey', encodeCapkId(key), name);
          await ask.write('setCaPublicKey', encodeCapk(key), name);
        }),
      );
    }
  }

  steps.push(...(await contactlessKeySteps(ask, holds, wantedKeys)));

  const wantedAids = new Map(desired.aids.map((a) => [aidName(a.aid), a]));
  for (const aid of holds.aids) {
    const name = aidName(aid);
    if (!wantedAids.has(name)) steps.push(step('aid', 'remove', name, () => ask.write('removeApplicationData', aid, name)));
  }
  const heldAids = new Set(holds.aids.map(aidName));
  for (const [name, want] of wantedAids) {
    if (!heldAids.has(name)) {
      steps.push(step('aid', 'add', name, () => ask.write('setApplicationData', encodeApplicationData(want), name)));
      continue;
    }
    const held = await ask.read('retrieveApplicationData', want.aid, name, (d) => decodeApplicationData('retrieveApplicationData', d, want.aid));
    if (held === undefined || !holdsAll(held.tlvs, want.tlvs)) steps.push(step('aid', 'replace', name, () => replaceAid(ask, want, held !== undefined)));
  }

  const wantedTapAids = new Map(desired.contactless.aids.map((a) => [aidName(a.aid), a]));
  for (const held of holds.contactlessAids) {
    const name = aidName(held.aid);
    if (!wantedTapAids.has(name)) steps.push(step('contactless-aid', 'remove', name, () => ask.write('deleteConfigurableAid', encode([aidTlv(held.aid)]), name)));
  }
  const heldGroups = new Map(holds.groups.map((g) => [g.group, g]));
  for (const want of desired.contactless.groups) {
    const held = heldGroups.get(want.group);
    if (held === undefined || !holdsAll(held.tlvs, want.tlvs)) {
      const name = groupName(want.group);
      steps.push(step('contactless-group', held === undefined ? 'add' : 'replace', name, () => ask.write('setConfigurableGroup', encodeGroup(want), name)));
    }
  }
  const heldTapAids = new Map(holds.contactlessAids.map((a) => [aidName(a.aid), a]));
  for (const [name, want] of wantedTapAids) {
    const held = heldTapAids.get(name);
    if (held === undefined || held.group !== want.group || !holdsAll(held.tlvs, want.tlvs)) {
      steps.push(step('contactless-aid', held === undefined ? 'add' : 'replace', name, () => ask.write('setConfigurableAid', encodeContactlessAid(want), name)));
    }
  }
  const wantedGroups = new Set(desired.contactless.groups.map((g) => g.group));
  for (const held of holds.groups) {
    if (ours(held.group) && !wantedGroups.has(held.group)) {
      const name = groupName(held.group);
      steps.push(step('contactless-group', 'remove', name, () => ask.write('deleteConfigurableGroup', encode([groupNumberTlv(held.group)]), name)));
    }
  }
  return steps;
}

/**
 * The contactless kernel's keys (D0-xx, §8.7 p247–250). Its key indexes cannot
 * be listed, only its RIDs: a RID we do not want means every key goes (D0-05)
 * and ours are set again; otherwise each key we want is checked by its hash
 * (D0-02), and set (D0-03) when missing or different — a key that exists is
 * deleted first (D0-04), as D0-03 refuses it (49).
 */
async function contactlessKeySteps(ask: Asker, holds: ReaderHolds, wanted: ReadonlyMap<string, ReaderCapk>): Promise<Step[]> {
  const set = (key: ReaderCapk, name: string) => () => ask.write('setContactlessCaKey', encodeContactlessCapk(key), name);
  const wantedRids = new Set([...wanted.values()].map((k) => aidName(k.rid)));
  const heldRids = new Set(holds.contactlessRids.map(aidName));
  if ([...heldRids].some((rid) => !wantedRids.has(rid))) {
    return [step('contactless-ca-key', 'remove', 'all', () => ask.write('deleteAllContactlessCaKeys', new Uint8Array(0), 'all')), ...[...wanted].map(([name, key]) => step('contactless-ca-key', 'add', name, set(key, name)))];
  }
  const steps: Step[] = [];
  for (const [name, key] of wanted) {
    const hash = heldRids.has(aidName(key.rid)) ? await ask.read('getContactlessCaKeyHash', encodeCapkId(key), name, (d) => decodeContactlessCapkHash('getContactlessCaKeyHash', d), KEY_MANAGER_STATUS.KEY_NOT_FOUND) : undefined;
    if (hash === undefined) steps.push(step('contactless-ca-key', 'add', name, set(key, name)));
    else if (!hash.equals(key.hash)) {
      steps.push(
        step('contactless-ca-key', 'replace', name, async () => {
          await ask.write('deleteContactlessCaKey', encodeCapkId(key), name);
          await set(key, name)();
        }),
      );
    }
  }
  return steps;
}

async function replaceAid(ask: Asker, want: ApplicationData, held: boolean): Promise<void> {
  const name = aidName(want.aid);
  if (held) await ask.write('removeApplicationData', want.aid, name);
  await ask.write('setApplicationData', encodeApplicationData(want), name);
}

/** Reads what the configuration is compared against. */
export async function readReaderHolds(link: ConfigurationLink): Promise<ReaderHolds> {
  return readHolds(asker(link));
}

async function readHolds(ask: Asker): Promise<ReaderHolds> {
  const terminalData = await ask.read('retrieveTerminalData', undefined, 'terminal', (d) => decodeTlvList('retrieveTerminalData', d));
  const capkIds = (await ask.read('retrieveCaPublicKeyList', undefined, 'list', (d) => decodeCapkList('retrieveCaPublicKeyList', d))) ?? [];
  const aids = (await ask.read('retrieveAidList', undefined, 'list', (d) => decodeAidList('retrieveAidList', d))) ?? [];
  const contactlessRids = (await ask.read('getContactlessCaRids', undefined, 'list', (d) => decodeRidList('getContactlessCaRids', d))) ?? [];
  const groups = (await ask.read('getAllGroups', undefined, 'list', (d) => decodeGroups('getAllGroups', d))) ?? [];
  const contactlessAids = (await ask.read('getAllAids', undefined, 'list', (d) => decodeContactlessAids('getAllAids', d))) ?? [];
  return { terminalData, capkIds, aids, contactlessRids, groups, contactlessAids };
}

function ours(group: number): boolean {
  return group >= TERMINAL_GROUP_BASE && group < TERMINAL_GROUP_BASE + MAX_READER_AIDS;
}

function step(item: ConfigurationItem, action: ConfigurationChange['action'], id: string, run: () => Promise<void>): Step {
  return { change: { item, action, id }, run };
}

/** The reader holds every TLV of `wanted` with the same value. */
function holdsAll(held: readonly TlvItem[], wanted: readonly TlvItem[]): boolean {
  const values = new Map(held.map((t) => [t.tag, t.value]));
  return wanted.every((t) => values.get(t.tag)?.equals(t.value) === true);
}

function sameKey(a: ReaderCapk, b: ReaderCapk): boolean {
  return a.modulus.equals(b.modulus) && a.exponent.equals(b.exponent) && a.hash.equals(b.hash);
}

interface Asker {
  /** A read: the decoded answer, or `undefined` when the reader says it holds none (60, or `absent`). */
  read<T>(operation: ConfigurationOperation, data: Uint8Array | undefined, item: string, decodeAnswer: (data: Buffer) => T, absent?: number): Promise<T | undefined>;
  /** A write the reader must accept. */
  write(operation: ConfigurationOperation, data: Uint8Array, item: string): Promise<void>;
}

function asker(link: ConfigurationLink): Asker {
  const exchange = (operation: ConfigurationOperation, data: Uint8Array | undefined): Promise<VivopayFrame> => {
    const { command, subCommand } = CONFIGURATION_COMMANDS[operation];
    return link.exchange(data === undefined ? { command, subCommand } : { command, subCommand, data });
  };
  return {
    async read(operation, data, item, decodeAnswer, absent = CONFIGURATION_STATUS.DATA_NOT_EXIST) {
      const frame = await exchange(operation, data);
      if (frame.status === absent) return undefined;
      if (frame.status !== CONFIGURATION_STATUS.OK) throw refused(operation, frame.status, item);
      return decodeAnswer(frame.data);
    },
    async write(operation, data, item) {
      const frame = await exchange(operation, data);
      if (frame.status !== CONFIGURATION_STATUS.OK) throw refused(operation, frame.status, item);
    },
  };
}

export function refused(operation: ConfigurationOperation, status: number, item: string): PosError {
  const { section, page } = CONFIGURATION_COMMANDS[operation];
  return new PosError('READER_CONFIG_REFUSED', `The reader refused ${operation} for ${item} with status ${status.toString(16).toUpperCase().padStart(2, '0')}`, {
    command: operation,
    status,
    item,
    guide: `§${section} p${page}`,
  });
}
