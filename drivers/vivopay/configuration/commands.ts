/**
 * The configuration commands of an ID TECH NEO 2 reader (protocol 2), as the
 * *NEO 2 Interface Developer's Guide* (80139403-002 rev. 88.1) gives them:
 * the contact EMV kernel's AIDs, CA public keys and terminal data (§8.4.3–
 * 8.4.13, the 60-xx family), the contactless kernel's configurable AIDs and
 * groups (§8.3, 03-xx reads, 04-xx writes) and the version reads (§8.2.10,
 * 8.2.13, 8.2.14). Each entry names its section and page; docs/protocols/
 * vivopay.md ("Reader configuration") has the table with what each carries.
 *
 * Every command is answered by a response frame with the same command byte
 * and a status (§2.1.5 p28, and the per-command notes).
 */

export interface ConfigurationCommand {
  readonly command: number;
  readonly subCommand: number;
  /** Where the guide describes it: section and page. */
  readonly section: string;
  readonly page: number;
}

export const CONFIGURATION_COMMANDS = {
  /** 60-01: one AID's TLVs. The page (161) is missing from the stored guide: request and answer mirror 60-02 / 60-03 (ours). */
  retrieveApplicationData: { command: 0x60, subCommand: 0x01, section: '8.4.3', page: 161 },
  /** 60-02: `<AID>`; no data removes every AID. */
  removeApplicationData: { command: 0x60, subCommand: 0x02, section: '8.4.4', page: 162 },
  /** 60-03: `<AID_LenL><AID_LenH><AID><TagCounterL><TagCounterH><TLV…>`; at most 16 AIDs. */
  setApplicationData: { command: 0x60, subCommand: 0x03, section: '8.4.5', page: 162 },
  /** 60-04: answers `<TagCounterL><TagCounterH><TLV…>`. */
  retrieveTerminalData: { command: 0x60, subCommand: 0x04, section: '8.4.6', page: 163 },
  /** 60-05. */
  removeTerminalData: { command: 0x60, subCommand: 0x05, section: '8.4.7', page: 164 },
  /** 60-06: `<TagCounterL><TagCounterH><TLV…>`. */
  setTerminalData: { command: 0x60, subCommand: 0x06, section: '8.4.8', page: 165 },
  /** 60-07: answers `<NumberL><NumberH>` then `<LenL><LenH><AID>` each. */
  retrieveAidList: { command: 0x60, subCommand: 0x07, section: '8.4.9', page: 172 },
  /** 60-08: `<RID><Index>`; answers the key record. */
  retrieveCaPublicKey: { command: 0x60, subCommand: 0x08, section: '8.4.10', page: 172 },
  /** 60-09: `<RID><Index>`; no data removes every key. */
  removeCaPublicKey: { command: 0x60, subCommand: 0x09, section: '8.4.11', page: 173 },
  /** 60-0A: the key record of 60-08's answer. The page (174) is missing from the stored guide; p175 has its notes. */
  setCaPublicKey: { command: 0x60, subCommand: 0x0a, section: '8.4.12', page: 174 },
  /** 60-0B: answers `<RID><Index>` each. */
  retrieveCaPublicKeyList: { command: 0x60, subCommand: 0x0b, section: '8.4.13', page: 175 },
  /** 04-02: TLVs, the group number first, the AID second. */
  setConfigurableAid: { command: 0x04, subCommand: 0x02, section: '8.3.1', page: 151 },
  /** 04-03: TLVs, the group number first; a group other than 0 loses the tags not sent. */
  setConfigurableGroup: { command: 0x04, subCommand: 0x03, section: '8.3.2', page: 152 },
  /** 03-04: the AID TLV alone; answers every TLV of that AID (the AID TLV alone when unknown). */
  getConfigurableAid: { command: 0x03, subCommand: 0x04, section: '8.3.3', page: 153 },
  /** 03-06: the group number TLV alone; answers the group's TLVs (the number alone when unknown). */
  getConfigurableGroup: { command: 0x03, subCommand: 0x06, section: '8.3.4', page: 155 },
  /** 04-04: the AID TLV alone; a system AID is disabled rather than deleted. */
  deleteConfigurableAid: { command: 0x04, subCommand: 0x04, section: '8.3.5', page: 156 },
  /** 04-05: the group number TLV alone; refused for group 0 and for a group an AID uses. */
  deleteConfigurableGroup: { command: 0x04, subCommand: 0x05, section: '8.3.6', page: 157 },
  /** 03-05: every AID's TLVs, each AID's run beginning with its group number TLV. */
  getAllAids: { command: 0x03, subCommand: 0x05, section: '8.3.7', page: 157 },
  /** 03-07: every group's TLVs, each beginning with its group number TLV. */
  getAllGroups: { command: 0x03, subCommand: 0x07, section: '8.3.8', page: 158 },
  /** D0-02: `<RID><Index>`; answers `<01><01><checksum 20>` (status 4B: no such key). The contactless kernel's keys. */
  getContactlessCaKeyHash: { command: 0xd0, subCommand: 0x02, section: '8.7.2', page: 248 },
  /** D0-03: `<RID><Index><01><01><checksum 20><exponent 4><modulus length, MSB first><modulus>`; 49 when it exists. */
  setContactlessCaKey: { command: 0xd0, subCommand: 0x03, section: '8.7.3', page: 248 },
  /** D0-04: `<RID><Index>`. */
  deleteContactlessCaKey: { command: 0xd0, subCommand: 0x04, section: '8.7.4', page: 249 },
  /** D0-05: every key. */
  deleteAllContactlessCaKeys: { command: 0xd0, subCommand: 0x05, section: '8.7.5', page: 250 },
  /** D0-06: answers the RIDs, 5 bytes each. */
  getContactlessCaRids: { command: 0xd0, subCommand: 0x06, section: '8.7.6', page: 250 },
  /** 29-00: the firmware version, ASCII. */
  getFirmwareVersion: { command: 0x29, subCommand: 0x00, section: '8.2.10', page: 131 },
  /** 29-06: the contact EMV L2 kernel's major version, ASCII ("EMV Common L2 V1.10"). */
  getEmvL2Version: { command: 0x29, subCommand: 0x06, section: '8.2.13', page: 133 },
  /** 29-07: the same with its minor version ("EMV Common L2 V1.10.037"). */
  getEmvL2VersionDetail: { command: 0x29, subCommand: 0x07, section: '8.2.14', page: 134 },
} as const satisfies Record<string, ConfigurationCommand>;

export type ConfigurationOperation = keyof typeof CONFIGURATION_COMMANDS;

/** Status bytes the configuration commands answer with (§2.1.5 p28 and the notes of §8.3–8.4). */
export const CONFIGURATION_STATUS = {
  OK: 0x00,
  UNKNOWN_SUB_COMMAND: 0x03,
  /** The reader refused our frame's CRC: the link resends. */
  CRC_ERROR: 0x04,
  /** A TLV or the data's form is wrong (p162, p163, p165). */
  INCORRECT_PARAMETER: 0x05,
  FAILED: 0x0a,
  /** The CA key's hash does not match its RID, index, modulus and exponent (p175). */
  HASH_CODE_PROBLEM: 0x17,
  /** No such AID, key or terminal data (p162, p164, p172, p173, p175; 04-04 per ID TECH's knowledge base). */
  DATA_NOT_EXIST: 0x60,
  /** Every AID (16) or key slot is taken (p163, p175). */
  DATA_FULL: 0x61,
  /** Writing the reader's flash failed (p165). */
  FLASH_ERROR: 0x62,
} as const;

/** The contactless CA keys' statuses ("EMV Key Manager Status Codes – Protocol 2", §8.7 p247). */
export const KEY_MANAGER_STATUS = {
  INVALID_HASH_ALGORITHM: 0x45,
  INVALID_KEY_ALGORITHM: 0x46,
  INVALID_MODULUS_LENGTH: 0x47,
  INVALID_EXPONENT: 0x48,
  KEY_ALREADY_EXISTS: 0x49,
  NO_SPACE_FOR_RID: 0x4a,
  KEY_NOT_FOUND: 0x4b,
  ALL_SLOTS_FULL: 0x4f,
} as const;

/** The contact kernel's AID TLVs (§8.4.5 "Application Data List Example", p163). */
export const CONTACT_AID_TAGS = {
  applicationVersion: '9F09',
  /** b4, minor units. */
  floorLimit: '9F1B',
  defaultDdol: 'DF25',
  defaultTdol: 'DF28',
  /** Application Selection Indicator: 01 partial selection allowed, 00 exact match (the guide's example sends 01). */
  asi: 'DFEE15',
  tacDefault: 'DF13',
  tacDenial: 'DF14',
  tacOnline: 'DF15',
  /** b4, minor units. */
  randomSelectionThreshold: 'DF17',
  targetPercent: 'DF18',
  maxTargetPercent: 'DF19',
} as const;

/** The contact kernel's terminal data TLVs (§8.4.8 "Terminal Data List Example", p165). */
export const TERMINAL_DATA_TAGS = {
  countryCode: '9F1A',
  terminalType: '9F35',
  terminalCapabilities: '9F33',
  additionalTerminalCapabilities: '9F40',
  ifdSerialNumber: '9F1E',
  merchantCategoryCode: '9F15',
  merchantIdentifier: '9F16',
  terminalIdentification: '9F1C',
} as const;

/**
 * The contactless kernel's AID and group tags, in the BER-legal 3-byte form a
 * NEO 2 uses (§4.4 p96: the old 2-byte `FFEx` tags are output only on request;
 * Table 84 p502 and ID TECH's "How to save Contactless AIDs" name DFEE2D for
 * the group number and DFEE4C for the application flow on NEO 2).
 */
export const CONTACTLESS_TAGS = {
  /** n2, 1 byte: first TLV of every AID and group command. */
  groupNumber: 'DFEE2D',
  aid: '9F06',
  /** b1, which contactless kernel runs the AID (p91, FFE2 there). */
  applicationFlow: 'DFEE4C',
  countryCode: '9F1A',
  applicationVersion: '9F09',
  merchantCategoryCode: '9F15',
  tacDefault: 'DF8120',
  tacDenial: 'DF8121',
  tacOnline: 'DF8122',
  /** n12: taps above are refused (Table 84). */
  transactionLimit: 'DFEE34',
  /** n12: from here a CVM is required (Table 84). */
  cvmRequiredLimit: 'DFEE36',
  /** b4: the floor limit a non-Mastercard group uses (p84, Table 86 p504). */
  floorLimit: '9F1B',
  /** Mastercard (PayPass) groups use the kernel's own limits, n12 (p86, Table 85 p504). */
  readerFloorLimit: 'DF8123',
  readerLimitNoOnDeviceCvm: 'DF8124',
  readerLimitOnDeviceCvm: 'DF8125',
  readerCvmRequiredLimit: 'DF8126',
} as const;

/** DFEE4C values (p91). */
export const APPLICATION_FLOW = {
  mastercardMagstripe: 0x01,
  amex: 0x02,
  mastercard: 0x03,
  visa: 0x06,
  discover: 0x0d,
  jcb: 0x0e,
  interac: 0x15,
} as const;
