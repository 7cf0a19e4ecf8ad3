/**
 * What a NEO 2 should hold, made from the terminal's one configuration: the
 * kernel configuration our own EMV kernel runs on (`KernelConfig`: terminal
 * data, AIDs with their action codes and risk parameters, CA keys) and the
 * per-AID contactless limits of the config's `emv.aids[].contactless`. So the
 * reader's contact kernel, its contactless kernel and ours are fed from the
 * same tables.
 *
 *   KernelConfig.terminal  → terminal data (60-06): 9F1A 9F35 9F33 9F40 9F1E 9F15 9F16 9F1C
 *   KernelConfig.aids      → application data (60-03): 9F09 9F1B DF25 DF28 DFEE15 DF13 DF14 DF15 DF17 DF18 DF19
 *   KernelConfig.capks     → CA keys (60-0A), one per RID and index
 *   + contactless limits   → one group per AID (04-03): 9F1A 9F09 9F15 DF8120–22, DFEE34, DFEE36, 9F1B
 *                            (Mastercard: DF8123–26 too), and the AID (04-02) with its application flow
 *
 * Groups are numbered from `TERMINAL_GROUP_BASE` (ours): the guide's factory
 * groups (0, 90, B0 and the Mastercard ones) lie elsewhere, and the sync
 * deletes only groups in this range that the configuration no longer names.
 */
import type { KernelConfig } from '../../../src/emv/kernel/config.js';
import { PosError } from '../../../src/util/errors.js';
import { toHex } from '../../../src/util/hex.js';
import { APPLICATION_FLOW, CONTACT_AID_TAGS, CONTACTLESS_TAGS, TERMINAL_DATA_TAGS } from './commands.js';
import { capkName, type ApplicationData, type ReaderCapk, type TlvItem } from './contact-records.js';
import type { ContactlessAid, ContactlessGroup } from './contactless-records.js';

/** The first contactless group number the terminal manages (ours; 40–4F). */
export const TERMINAL_GROUP_BASE = 0x40;
/** The guide's limit on contact AIDs (§8.4.5 p162), and so on our group range. */
export const MAX_READER_AIDS = 16;

export interface ReaderConfiguration {
  readonly terminalData: readonly TlvItem[];
  readonly aids: readonly ApplicationData[];
  readonly capks: readonly ReaderCapk[];
  readonly contactless: {
    readonly groups: readonly ContactlessGroup[];
    readonly aids: readonly ContactlessAid[];
  };
}

/** `emv.aids[].contactless` as the config parses it (minor units). */
export interface ContactlessSettings {
  readonly enabled: boolean;
  readonly transactionLimit: number;
  readonly cvmRequiredLimit: number;
  /** Absent: the AID's contact floor limit. */
  readonly floorLimit?: number | undefined;
}

/** One `emv.aids[]` entry, as far as the reader's contactless kernel needs it (structurally the config's). */
export interface ContactlessAidSettings {
  /** Hex. */
  readonly aid: string;
  readonly floorLimit: number;
  readonly contactless: ContactlessSettings;
}

/** Which contactless kernel (DFEE4C) runs an AID, by its RID. */
const FLOW_BY_RID: Readonly<Record<string, number>> = {
  A000000003: APPLICATION_FLOW.visa,
  A000000004: APPLICATION_FLOW.mastercard,
  A000000025: APPLICATION_FLOW.amex,
  A000000152: APPLICATION_FLOW.discover,
  A000000065: APPLICATION_FLOW.jcb,
  A000000277: APPLICATION_FLOW.interac,
};

/** n12: 6 bytes of BCD. */
export function n12(amountMinor: number): Buffer {
  return Buffer.from(String(amountMinor).padStart(12, '0'), 'hex');
}

/** b4: a 32-bit big-endian binary amount; beyond it, the largest (no amount reaches it). */
export function b4(amountMinor: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(Math.min(amountMinor, 0xffffffff));
  return out;
}

const tlv = (tag: string, value: Uint8Array): TlvItem => ({ tag, value: Buffer.from(value) });

/**
 * The reader's configuration. `contactless` lists the config's AIDs with
 * their limits; an AID not listed, or listed with `enabled: false`, is not
 * configured for taps. Throws `READER_CONFIG_UNSUPPORTED` for more than 16
 * AIDs, or a contactless AID whose RID names no kernel the reader has.
 */
export function readerConfigurationOf(kernel: KernelConfig, contactless: readonly ContactlessAidSettings[] = []): ReaderConfiguration {
  if (kernel.aids.length > MAX_READER_AIDS) {
    throw new PosError('READER_CONFIG_UNSUPPORTED', `The reader holds at most ${MAX_READER_AIDS} AIDs; the configuration has ${kernel.aids.length}`, { aids: kernel.aids.length, max: MAX_READER_AIDS });
  }
  const t = kernel.terminal;
  const terminalData = [
    tlv(TERMINAL_DATA_TAGS.countryCode, t.countryCode),
    tlv(TERMINAL_DATA_TAGS.terminalType, Buffer.from(String(t.terminalType).padStart(2, '0'), 'hex')),
    tlv(TERMINAL_DATA_TAGS.terminalCapabilities, t.terminalCapabilities),
    tlv(TERMINAL_DATA_TAGS.additionalTerminalCapabilities, t.additionalTerminalCapabilities),
    tlv(TERMINAL_DATA_TAGS.ifdSerialNumber, t.ifdSerialNumber),
    tlv(TERMINAL_DATA_TAGS.merchantCategoryCode, t.merchantCategoryCode),
    tlv(TERMINAL_DATA_TAGS.merchantIdentifier, t.merchantIdentifier),
    tlv(TERMINAL_DATA_TAGS.terminalIdentification, t.terminalIdentification),
  ];
  const aids = kernel.aids.map((a) => ({
    aid: Buffer.from(a.aid),
    tlvs: [
      tlv(CONTACT_AID_TAGS.applicationVersion, a.applicationVersion),
      tlv(CONTACT_AID_TAGS.floorLimit, b4(a.floorLimitMinor)),
      tlv(CONTACT_AID_TAGS.defaultDdol, a.defaultDdol),
      tlv(CONTACT_AID_TAGS.defaultTdol, a.defaultTdol),
      tlv(CONTACT_AID_TAGS.asi, Buffer.from([a.partialSelection ? 0x01 : 0x00])),
      tlv(CONTACT_AID_TAGS.tacDefault, a.tac.default),
      tlv(CONTACT_AID_TAGS.tacDenial, a.tac.denial),
      tlv(CONTACT_AID_TAGS.tacOnline, a.tac.online),
      tlv(CONTACT_AID_TAGS.randomSelectionThreshold, b4(a.randomSelection.thresholdMinor)),
      tlv(CONTACT_AID_TAGS.targetPercent, Buffer.from([a.randomSelection.targetPercent])),
      tlv(CONTACT_AID_TAGS.maxTargetPercent, Buffer.from([a.randomSelection.maxTargetPercent])),
    ],
  }));
  const capks = new Map<string, ReaderCapk>();
  for (const k of kernel.capks) capks.set(capkName({ rid: k.rid, index: k.index }), { rid: Buffer.from(k.rid), index: k.index, exponent: Buffer.from(k.exponent), modulus: Buffer.from(k.modulus), hash: Buffer.from(k.checksum) });

  const settings = new Map(contactless.map((s) => [s.aid.toUpperCase(), s]));
  const groups: ContactlessGroup[] = [];
  const contactlessAids: ContactlessAid[] = [];
  for (const a of kernel.aids) {
    const s = settings.get(toHex(a.aid));
    if (s === undefined || !s.contactless.enabled) continue;
    const rid = toHex(a.aid.subarray(0, 5));
    const flow = FLOW_BY_RID[rid];
    if (flow === undefined) {
      throw new PosError('READER_CONFIG_UNSUPPORTED', `No contactless kernel of the reader runs AID ${toHex(a.aid)} (RID ${rid}); set its contactless.enabled to false`, { aid: toHex(a.aid), rid });
    }
    const group = TERMINAL_GROUP_BASE + groups.length;
    const { transactionLimit, cvmRequiredLimit } = s.contactless;
    const floorLimit = s.contactless.floorLimit ?? s.floorLimit;
    const tlvs = [
      tlv(CONTACTLESS_TAGS.countryCode, t.countryCode),
      tlv(CONTACTLESS_TAGS.applicationVersion, a.applicationVersion),
      tlv(CONTACTLESS_TAGS.merchantCategoryCode, t.merchantCategoryCode),
      tlv(CONTACTLESS_TAGS.tacDefault, a.tac.default),
      tlv(CONTACTLESS_TAGS.tacDenial, a.tac.denial),
      tlv(CONTACTLESS_TAGS.tacOnline, a.tac.online),
      tlv(CONTACTLESS_TAGS.transactionLimit, n12(transactionLimit)),
      tlv(CONTACTLESS_TAGS.cvmRequiredLimit, n12(cvmRequiredLimit)),
      tlv(CONTACTLESS_TAGS.floorLimit, b4(floorLimit)),
    ];
    if (flow === APPLICATION_FLOW.mastercard) {
      tlvs.push(
        tlv(CONTACTLESS_TAGS.readerFloorLimit, n12(floorLimit)),
        tlv(CONTACTLESS_TAGS.readerLimitNoOnDeviceCvm, n12(transactionLimit)),
        tlv(CONTACTLESS_TAGS.readerLimitOnDeviceCvm, n12(transactionLimit)),
        tlv(CONTACTLESS_TAGS.readerCvmRequiredLimit, n12(cvmRequiredLimit)),
      );
    }
    groups.push({ group, tlvs });
    contactlessAids.push({ aid: Buffer.from(a.aid), group, tlvs: [tlv(CONTACTLESS_TAGS.applicationFlow, Buffer.from([flow]))] });
  }
  return { terminalData, aids, capks: [...capks.values()], contactless: { groups, aids: contactlessAids } };
}
