/**
 * The configuration a virtual NEO 2 holds, and its answers to the commands
 * that read and change it, written from ID TECH's *NEO 2 Interface
 * Developer's Guide* (80139403-002 rev. 88.1), not from our driver:
 *
 *   60-01…60-0B  contact EMV: application data (AIDs), terminal data, CA keys   §8.4.3–8.4.13 p161–175
 *   03-04…03-07  contactless: get an AID, a group, all AIDs, all groups         §8.3.3, 8.3.4, 8.3.7, 8.3.8 p153–158
 *   04-02…04-05  contactless: set / delete an AID or a group                     §8.3.1, 8.3.2, 8.3.5, 8.3.6 p151–157
 *   03-02, 04-00 get / set configuration: group 0                                §8.2.8, 8.2.9 p130–131
 *   D0-01…D0-06  the contactless kernel's CA keys                               §8.7.1–8.7.6 p247–250
 *   29-00, 29-06, 29-07  firmware and contact L2 kernel versions                §8.2.10, 8.2.13, 8.2.14 p131–134
 *
 * `answerConfigurationCommand(store, command)` gives the whole response frame
 * (`[ViVOtech2\0][cmd][status][len MSB][len LSB][data][CRC MSB][CRC LSB]`,
 * §3.4 p60) or `undefined` for any other command, so a twin answers these
 * through it and keeps its own transaction commands; `configurationCommandsOf(store)`
 * gives the same answers as status and data, for a twin that frames its own.
 *
 * Statuses as the guide's notes give them: 60 data does not exist, 61 the 16
 * AIDs or the key slots are full, 05 a malformed TLV or data, 17 a CA key
 * whose hash is wrong. Where the guide gives no status, ours (marked below).
 * A new store holds group 0 with the defaults of Table 84 (p502) and nothing
 * else: no contact configuration, no system AIDs.
 */
import { createHash } from 'node:crypto';
import { decode, encode } from '../../src/emv/ber-tlv.js';
import { PosError } from '../../src/util/errors.js';

export interface StoredTlv {
  readonly tag: string;
  readonly value: Buffer;
}

export interface StoredCapk {
  readonly rid: Buffer;
  readonly index: number;
  readonly hash: Buffer;
  /** The 4-byte exponent field as sent. */
  readonly exponentField: Buffer;
  readonly modulus: Buffer;
}

export interface StoredContactlessAid {
  readonly aid: Buffer;
  readonly group: number;
  /** Every TLV after the group number and the AID. */
  readonly tlvs: readonly StoredTlv[];
}

export interface ConfigurationStore {
  terminalData: StoredTlv[] | undefined;
  /** Contact AIDs by hex, in the order set. */
  readonly aids: Map<string, { readonly aid: Buffer; readonly tlvs: readonly StoredTlv[] }>;
  /** By RID ‖ index, in hex (`A00000000392`). */
  readonly capks: Map<string, StoredCapk>;
  /** The contactless kernel's keys (D0-xx), apart from the contact kernel's; the same keys. */
  readonly contactlessCapks: Map<string, StoredCapk>;
  /** Contactless groups by number: every TLV but the group number. */
  readonly groups: Map<number, StoredTlv[]>;
  /** Contactless AIDs by hex. */
  readonly contactlessAids: Map<string, StoredContactlessAid>;
  readonly versions: { firmware: string; emvL2: string; emvL2Detail: string };
  /** Test hook: a status to answer instead, by `CC-SS` (`60-06`), for faults the guide names (62 flash error). */
  readonly refusals: Map<string, number>;
  /** How many commands each `CC-SS` received, for tests that check nothing was sent. */
  readonly received: Map<string, number>;
}

export interface ReceivedConfigurationCommand {
  readonly command: number;
  readonly subCommand: number;
  readonly data: Uint8Array;
}

const HEADER = Buffer.from('ViVOtech2\0', 'latin1');

const STATUS = {
  ok: 0x00,
  incorrectParameter: 0x05,
  commandNotAllowed: 0x0b,
  hashCodeProblem: 0x17,
  dataNotExist: 0x60,
  dataFull: 0x61,
} as const;

/** The guide's maximum of contact AIDs (p162). */
const MAX_AIDS = 16;
/** Key slots: the guide gives no number for the NEO 2 (ours). */
export const TWIN_CAPK_SLOTS = 64;

const TAG_GROUP = 'DFEE2D';
const TAG_AID = '9F06';
const TAG_APPLICATION_FLOW = 'DFEE4C';

/** Group 0 as a NEO 2 leaves the factory: Table 84, p502. */
const GROUP_0_DEFAULTS: readonly [string, string][] = [
  ['9C', '00'],
  ['5F2A', '0840'],
  ['5F36', '02'],
  ['9F02', '000000000001'],
  ['9F03', '000000000000'],
  ['9F09', '0002'],
  ['9F15', '0000'],
  ['9F1A', '0840'],
  ['9F40', '6000003000'],
  ['9F66', '30004000'],
  ['DFEE28', '0008E8'],
  ['DFEE29', '0068E8'],
  ['DFEE34', '000000010000'],
  ['DFEE35', '000601'],
  ['DFEE36', '000000008000'],
  ['DFEE37', '03'],
  ['DF8122', 'F850ACF800'],
  ['DF8120', 'F850ACA000'],
  ['DF8121', '0000000000'],
];

export interface ConfigurationStoreOptions {
  readonly firmware?: string;
}

export function createConfigurationStore(options: ConfigurationStoreOptions = {}): ConfigurationStore {
  return {
    terminalData: undefined,
    aids: new Map(),
    capks: new Map(),
    contactlessCapks: new Map(),
    groups: new Map([[0, GROUP_0_DEFAULTS.map(([tag, hex]) => ({ tag, value: Buffer.from(hex, 'hex') }))]]),
    contactlessAids: new Map(),
    // The guide's own examples (p134, §8.2.13–8.2.14); the firmware string is ours.
    versions: { firmware: options.firmware ?? 'NEO2 Virtual v1.00', emvL2: 'EMV Common L2 V1.10', emvL2Detail: 'EMV Common L2 V1.10.037' },
    refusals: new Map(),
    received: new Map(),
  };
}

type Answer = readonly [status: number, data?: Uint8Array];
type Handler = (store: ConfigurationStore, data: Buffer) => Answer;

const HANDLERS: Readonly<Record<string, Handler>> = {
  '60-01': retrieveApplicationData,
  '60-02': removeApplicationData,
  '60-03': setApplicationData,
  '60-04': (s) => (s.terminalData === undefined ? [STATUS.dataNotExist] : [STATUS.ok, tlvList(s.terminalData)]),
  '60-05': (s) => {
    if (s.terminalData === undefined) return [STATUS.dataNotExist];
    s.terminalData = undefined;
    return [STATUS.ok];
  },
  '60-06': setTerminalData,
  '60-07': retrieveAidList,
  '60-08': retrieveCapk,
  '60-09': removeCapk,
  '60-0A': setCapk,
  '60-0B': (s) => (s.capks.size === 0 ? [STATUS.dataNotExist] : [STATUS.ok, Buffer.concat([...s.capks.values()].map((k) => Buffer.concat([k.rid, Buffer.from([k.index])])))]),
  '03-02': (s) => [STATUS.ok, groupRun(0, s.groups.get(0) ?? [])],
  '04-00': setConfiguration,
  '03-04': getConfigurableAid,
  '03-05': (s) => [STATUS.ok, Buffer.concat([...s.contactlessAids.values()].map(aidRun))],
  '03-06': getConfigurableGroup,
  '03-07': (s) => [STATUS.ok, Buffer.concat([...s.groups].map(([group, tlvs]) => groupRun(group, tlvs)))],
  '04-02': setConfigurableAid,
  '04-03': setConfigurableGroup,
  '04-04': deleteConfigurableAid,
  '04-05': deleteConfigurableGroup,
  'D0-01': getContactlessKey,
  'D0-02': getContactlessKeyHash,
  'D0-03': setContactlessKey,
  'D0-04': deleteContactlessKey,
  'D0-05': (s) => {
    s.contactlessCapks.clear();
    return [STATUS.ok];
  },
  'D0-06': (s) => [STATUS.ok, Buffer.concat([...new Set([...s.contactlessCapks.values()].map((k) => hex(k.rid)))].map((rid) => Buffer.from(rid, 'hex')))],
  '29-00': (s) => [STATUS.ok, Buffer.from(s.versions.firmware, 'latin1')],
  '29-06': (s) => [STATUS.ok, Buffer.from(s.versions.emvL2, 'latin1')],
  '29-07': (s) => [STATUS.ok, Buffer.from(s.versions.emvL2Detail, 'latin1')],
};

/** The response frame to a configuration command, or `undefined` when `received` is not one. */
export function answerConfigurationCommand(store: ConfigurationStore, received: ReceivedConfigurationCommand): Buffer | undefined {
  // A twin that loads this module's first function as a one-argument handler gets told which one to use.
  if (typeof received !== 'object') throw new PosError('INTERNAL', 'answerConfigurationCommand takes (store, command); a one-argument handler is configurationCommandsOf(store)', { where: 'hw-mocks/vivopay/configuration-store' });
  const answer = answerOf(store, received);
  return answer === undefined ? undefined : responseFrame(received.command, answer.status, answer.data);
}

/** The same answers as status and data, for a twin that frames them itself: `configuration: configurationCommandsOf(store)`. */
export function configurationCommandsOf(store: ConfigurationStore): (received: ReceivedConfigurationCommand) => { status: number; data: Buffer } | undefined {
  return (received) => answerOf(store, received);
}

function answerOf(store: ConfigurationStore, received: ReceivedConfigurationCommand): { status: number; data: Buffer } | undefined {
  const key = `${hex2(received.command)}-${hex2(received.subCommand)}`;
  const handler = HANDLERS[key];
  if (handler === undefined) return undefined;
  store.received.set(key, (store.received.get(key) ?? 0) + 1);
  const refusal = store.refusals.get(key);
  if (refusal !== undefined) return { status: refusal, data: Buffer.alloc(0) };
  const [status, data] = handler(store, Buffer.from(received.data));
  return { status, data: Buffer.from(data ?? Buffer.alloc(0)) };
}

/** `[ViVOtech2\0][cmd][status][len MSB][len LSB][data][CRC MSB][CRC LSB]`: CRC-16/CCITT, poly 1021, init FFFF, high byte first in a response (§3.4 p60). */
export function responseFrame(command: number, status: number, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const body = Buffer.concat([HEADER, Buffer.from([command, status, data.length >> 8, data.length & 0xff]), data]);
  let crc = 0xffff;
  for (const byte of body) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return Buffer.concat([body, Buffer.from([crc >> 8, crc & 0xff])]);
}

// ── contact: application data (AIDs) ──────────────────────────────────────

/** 60-01 (page 161 is not in the stored guide; ours): `<AID>`, answered in 60-03's form. */
function retrieveApplicationData(s: ConfigurationStore, data: Buffer): Answer {
  if (!aidSized(data)) return [STATUS.incorrectParameter];
  const held = s.aids.get(hex(data));
  if (held === undefined) return [STATUS.dataNotExist];
  return [STATUS.ok, Buffer.concat([le16(held.aid.length), held.aid, tlvList(held.tlvs)])];
}

/** 60-02 (p162): `<AID>`; no data removes all; 60 when there is none, 05 for a bad form. */
function removeApplicationData(s: ConfigurationStore, data: Buffer): Answer {
  if (data.length === 0) {
    if (s.aids.size === 0) return [STATUS.dataNotExist];
    s.aids.clear();
    return [STATUS.ok];
  }
  if (!aidSized(data)) return [STATUS.incorrectParameter];
  return s.aids.delete(hex(data)) ? [STATUS.ok] : [STATUS.dataNotExist];
}

/** 60-03 (p162–163): `<AID_LenL><AID_LenH><AID><TagCounterL><TagCounterH><TLV…>`; 05 bad TLV, 61 when 16 AIDs are held. */
function setApplicationData(s: ConfigurationStore, data: Buffer): Answer {
  if (data.length < 2) return [STATUS.incorrectParameter];
  const length = data.readUInt16LE(0);
  const aid = data.subarray(2, 2 + length);
  if (aid.length !== length || !aidSized(aid)) return [STATUS.incorrectParameter];
  const tlvs = parseTlvList(data.subarray(2 + length));
  if (tlvs === undefined) return [STATUS.incorrectParameter];
  const key = hex(aid);
  if (!s.aids.has(key) && s.aids.size >= MAX_AIDS) return [STATUS.dataFull];
  s.aids.set(key, { aid: Buffer.from(aid), tlvs });
  return [STATUS.ok];
}

/** 60-07 (p172): `<NumberL><NumberH>` then `<LenL><LenH><AID>` each; 60 when there is none. */
function retrieveAidList(s: ConfigurationStore): Answer {
  if (s.aids.size === 0) return [STATUS.dataNotExist];
  const parts = [le16(s.aids.size)];
  for (const { aid } of s.aids.values()) parts.push(le16(aid.length), aid);
  return [STATUS.ok, Buffer.concat(parts)];
}

// ── contact: terminal data ────────────────────────────────────────────────

/** 60-06 (p165): `<TagCounterL><TagCounterH><TLV…>`; 05 for a bad TLV. */
function setTerminalData(s: ConfigurationStore, data: Buffer): Answer {
  const tlvs = parseTlvList(data);
  if (tlvs === undefined) return [STATUS.incorrectParameter];
  s.terminalData = tlvs;
  return [STATUS.ok];
}

// ── contact: CA public keys ───────────────────────────────────────────────

const RID_BYTES = 5;
const KEY_FIXED_BYTES = RID_BYTES + 1 + 1 + 1 + 20 + 4 + 2;

/** 60-08 (p172–173): `<RID><Index>`, answered `<RID><Index><01><01><hash 20><exponent 4><ModLenL><ModLenH><modulus>`; 60 when absent. */
function retrieveCapk(s: ConfigurationStore, data: Buffer): Answer {
  if (data.length !== RID_BYTES + 1) return [STATUS.incorrectParameter];
  const key = s.capks.get(hex(data));
  if (key === undefined) return [STATUS.dataNotExist];
  return [STATUS.ok, Buffer.concat([key.rid, Buffer.from([key.index, 0x01, 0x01]), key.hash, key.exponentField, le16(key.modulus.length), key.modulus])];
}

/** 60-09 (p173): `<RID><Index>`; no data removes every key. */
function removeCapk(s: ConfigurationStore, data: Buffer): Answer {
  if (data.length === 0) {
    if (s.capks.size === 0) return [STATUS.dataNotExist];
    s.capks.clear();
    return [STATUS.ok];
  }
  if (data.length !== RID_BYTES + 1) return [STATUS.incorrectParameter];
  return s.capks.delete(hex(data)) ? [STATUS.ok] : [STATUS.dataNotExist];
}

/** 60-0A (p174–175, the record of 60-08's answer): 05 bad form, 17 a hash over RID ‖ index ‖ modulus ‖ exponent that does not match, 61 no slot. */
function setCapk(s: ConfigurationStore, data: Buffer): Answer {
  if (data.length < KEY_FIXED_BYTES) return [STATUS.incorrectParameter];
  const rid = data.subarray(0, RID_BYTES);
  const index = data[RID_BYTES] as number;
  if (data[RID_BYTES + 1] !== 0x01 || data[RID_BYTES + 2] !== 0x01) return [STATUS.incorrectParameter];
  const hash = data.subarray(RID_BYTES + 3, RID_BYTES + 23);
  const exponentField = data.subarray(RID_BYTES + 23, RID_BYTES + 27);
  const exponentValue = exponentField.readUInt32BE(0);
  const exponent = exponentValue === 3 ? Buffer.from([0x03]) : exponentValue === 0x010001 ? Buffer.from([0x01, 0x00, 0x01]) : undefined;
  const modulusLength = data.readUInt16LE(RID_BYTES + 27);
  const modulus = data.subarray(KEY_FIXED_BYTES);
  if (exponent === undefined || modulusLength === 0 || modulus.length !== modulusLength) return [STATUS.incorrectParameter];
  const expected = createHash('sha1').update(Buffer.concat([rid, Buffer.from([index]), modulus, exponent])).digest();
  if (!expected.equals(hash)) return [STATUS.hashCodeProblem];
  const key = hex(data.subarray(0, RID_BYTES + 1));
  if (!s.capks.has(key) && s.capks.size >= TWIN_CAPK_SLOTS) return [STATUS.dataFull];
  s.capks.set(key, { rid: Buffer.from(rid), index, hash: Buffer.from(hash), exponentField: Buffer.from(exponentField), modulus: Buffer.from(modulus) });
  return [STATUS.ok];
}

// ── contactless: CA keys (§8.7, "EMV Key Manager Status Codes" p247) ──────

const KEY = { invalidHashAlgorithm: 0x45, invalidKeyAlgorithm: 0x46, invalidModulusLength: 0x47, invalidExponent: 0x48, keyExists: 0x49, keyNotFound: 0x4b, slotsFull: 0x4f } as const;

/** D0-01 (p247–248): `<RID><Index>`; answers `<01><01><checksum 20><exponent 4><modulus length, MSB first><modulus>` (the exponent field as D0-03 takes it: ours, p248 lists it only inside the checksum). */
function getContactlessKey(s: ConfigurationStore, data: Buffer): Answer {
  if (data.length !== RID_BYTES + 1) return [STATUS.incorrectParameter];
  const key = s.contactlessCapks.get(hex(data));
  if (key === undefined) return [KEY.keyNotFound];
  return [STATUS.ok, Buffer.concat([Buffer.from([0x01, 0x01]), key.hash, key.exponentField, be16(key.modulus.length), key.modulus])];
}

/** D0-02 (p248): `<RID><Index>`; answers `<01><01><checksum 20>`; 4B when there is no such key. */
function getContactlessKeyHash(s: ConfigurationStore, data: Buffer): Answer {
  if (data.length !== RID_BYTES + 1) return [STATUS.incorrectParameter];
  const key = s.contactlessCapks.get(hex(data));
  return key === undefined ? [KEY.keyNotFound] : [STATUS.ok, Buffer.concat([Buffer.from([0x01, 0x01]), key.hash])];
}

/** D0-03 (p248–249): `<RID><Index><01><01><checksum 20><exponent 4><modulus length, MSB first><modulus>`; 45–48 a bad field, 49 the key exists, 4F no slot. */
function setContactlessKey(s: ConfigurationStore, data: Buffer): Answer {
  if (data.length < KEY_FIXED_BYTES) return [STATUS.incorrectParameter];
  if (data[RID_BYTES + 1] !== 0x01) return [KEY.invalidHashAlgorithm];
  if (data[RID_BYTES + 2] !== 0x01) return [KEY.invalidKeyAlgorithm];
  const exponentField = data.subarray(RID_BYTES + 23, RID_BYTES + 27);
  if (![3, 0x010001].includes(exponentField.readUInt32BE(0))) return [KEY.invalidExponent];
  const modulus = data.subarray(KEY_FIXED_BYTES);
  const modulusLength = data.readUInt16BE(RID_BYTES + 27);
  if (modulusLength === 0 || modulusLength > 248 || modulus.length !== modulusLength) return [KEY.invalidModulusLength];
  const id = hex(data.subarray(0, RID_BYTES + 1));
  if (s.contactlessCapks.has(id)) return [KEY.keyExists];
  if (s.contactlessCapks.size >= TWIN_CAPK_SLOTS) return [KEY.slotsFull];
  const rid = Buffer.from(data.subarray(0, RID_BYTES));
  s.contactlessCapks.set(id, { rid, index: data[RID_BYTES] as number, hash: Buffer.from(data.subarray(RID_BYTES + 3, RID_BYTES + 23)), exponentField: Buffer.from(exponentField), modulus: Buffer.from(modulus) });
  return [STATUS.ok];
}

/** D0-04 (p249): `<RID><Index>`; 4B when there is no such key. */
function deleteContactlessKey(s: ConfigurationStore, data: Buffer): Answer {
  if (data.length !== RID_BYTES + 1) return [STATUS.incorrectParameter];
  return s.contactlessCapks.delete(hex(data)) ? [STATUS.ok] : [KEY.keyNotFound];
}

// ── contactless: configurable AIDs and groups ─────────────────────────────

/** 04-00 (p130): TLVs into group 0, keeping the tags not sent. */
function setConfiguration(s: ConfigurationStore, data: Buffer): Answer {
  const tlvs = parseTlvs(data);
  if (tlvs === undefined || tlvs.length === 0) return [STATUS.incorrectParameter];
  s.groups.set(0, merged(s.groups.get(0) ?? [], tlvs));
  return [STATUS.ok];
}

/** 04-03 (p152–153): the group number first and at least one other TLV; group 0 keeps the tags not sent, any other group loses them. */
function setConfigurableGroup(s: ConfigurationStore, data: Buffer): Answer {
  const tlvs = parseTlvs(data);
  const group = tlvs === undefined ? undefined : groupNumberOf(tlvs[0]);
  if (tlvs === undefined || group === undefined || tlvs.length < 2) return [STATUS.incorrectParameter];
  const rest = tlvs.slice(1);
  s.groups.set(group, group === 0 ? merged(s.groups.get(0) ?? [], rest) : rest);
  return [STATUS.ok];
}

/** 03-06 (p155): the group number alone; a group that does not exist is answered with its number alone. */
function getConfigurableGroup(s: ConfigurationStore, data: Buffer): Answer {
  const tlvs = parseTlvs(data);
  const group = tlvs?.length === 1 ? groupNumberOf(tlvs[0]) : undefined;
  if (group === undefined) return [STATUS.incorrectParameter];
  return [STATUS.ok, groupRun(group, s.groups.get(group) ?? [])];
}

/** 04-05 (p157): the group number alone; group 0 and a group an AID names are refused (0B, ours), an unknown group is 60. */
function deleteConfigurableGroup(s: ConfigurationStore, data: Buffer): Answer {
  const tlvs = parseTlvs(data);
  const group = tlvs?.length === 1 ? groupNumberOf(tlvs[0]) : undefined;
  if (group === undefined) return [STATUS.incorrectParameter];
  if (group === 0 || [...s.contactlessAids.values()].some((a) => a.group === group)) return [STATUS.commandNotAllowed];
  return s.groups.delete(group) ? [STATUS.ok] : [STATUS.dataNotExist];
}

/**
 * 04-02 (p151–152): the group number first, the AID second, the application
 * flow (DFEE4C) included — a user AID; the group must exist (05, ours).
 */
function setConfigurableAid(s: ConfigurationStore, data: Buffer): Answer {
  const tlvs = parseTlvs(data);
  const group = tlvs === undefined ? undefined : groupNumberOf(tlvs[0]);
  const aid = tlvs?.[1];
  if (tlvs === undefined || group === undefined || aid?.tag !== TAG_AID || !aidSized(aid.value)) return [STATUS.incorrectParameter];
  if (!s.groups.has(group) || !tlvs.some((t) => t.tag === TAG_APPLICATION_FLOW)) return [STATUS.incorrectParameter];
  s.contactlessAids.set(hex(aid.value), { aid: aid.value, group, tlvs: tlvs.slice(2) });
  return [STATUS.ok];
}

/** 03-04 (p153–154): the AID TLV alone; an unknown AID is answered with its TLV alone, not an error. */
function getConfigurableAid(s: ConfigurationStore, data: Buffer): Answer {
  const tlvs = parseTlvs(data);
  const aid = tlvs?.length === 1 && tlvs[0]?.tag === TAG_AID ? tlvs[0].value : undefined;
  if (aid === undefined || !aidSized(aid)) return [STATUS.incorrectParameter];
  const held = s.contactlessAids.get(hex(aid));
  return [STATUS.ok, held === undefined ? encode([{ tag: TAG_AID, value: aid }]) : aidRun(held)];
}

/** 04-04 (p156, and ID TECH's knowledge base): the AID TLV alone; 60 when unknown. */
function deleteConfigurableAid(s: ConfigurationStore, data: Buffer): Answer {
  const tlvs = parseTlvs(data);
  const aid = tlvs?.length === 1 && tlvs[0]?.tag === TAG_AID ? tlvs[0].value : undefined;
  if (aid === undefined || !aidSized(aid)) return [STATUS.incorrectParameter];
  return s.contactlessAids.delete(hex(aid)) ? [STATUS.ok] : [STATUS.dataNotExist];
}

function aidRun(a: StoredContactlessAid): Buffer {
  return encode([{ tag: TAG_GROUP, value: Buffer.from([a.group]) }, { tag: TAG_AID, value: a.aid }, ...a.tlvs]);
}

function groupRun(group: number, tlvs: readonly StoredTlv[]): Buffer {
  return encode([{ tag: TAG_GROUP, value: Buffer.from([group]) }, ...tlvs]);
}

function groupNumberOf(tlv: StoredTlv | undefined): number | undefined {
  return tlv?.tag === TAG_GROUP && tlv.value.length === 1 ? tlv.value[0] : undefined;
}

function merged(old: readonly StoredTlv[], update: readonly StoredTlv[]): StoredTlv[] {
  const byTag = new Map(old.map((t) => [t.tag, t]));
  for (const t of update) byTag.set(t.tag, t);
  return [...byTag.values()];
}

// ── bytes ─────────────────────────────────────────────────────────────────

/** BER-TLV primitives (copies), or `undefined` when malformed. */
function parseTlvs(data: Uint8Array): StoredTlv[] | undefined {
  try {
    return decode(data).map((n) => ({ tag: n.tag, value: Buffer.from(n.value) }));
  } catch {
    return undefined;
  }
}

/** `<TagCounterL><TagCounterH><TLV…>`, the count matching. */
function parseTlvList(data: Buffer): StoredTlv[] | undefined {
  if (data.length < 2) return undefined;
  const tlvs = parseTlvs(data.subarray(2));
  return tlvs?.length === data.readUInt16LE(0) ? tlvs : undefined;
}

function tlvList(tlvs: readonly StoredTlv[]): Buffer {
  return Buffer.concat([le16(tlvs.length), encode(tlvs)]);
}

function aidSized(aid: Uint8Array): boolean {
  return aid.length >= 5 && aid.length <= 16;
}

function be16(n: number): Buffer {
  return Buffer.from([n >> 8, n & 0xff]);
}

function le16(n: number): Buffer {
  return Buffer.from([n & 0xff, n >> 8]);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
