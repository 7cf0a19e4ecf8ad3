/**
 * What the kernel knows of the terminal, as data (the zod schema in
 * `src/config/` parses the config file into this): the terminal's own data
 * objects, the AIDs it supports with their risk parameters, and the
 * certification authority public keys (CAPK) with their revocation list.
 */

/** The terminal's data objects (Book 4 Annex A, Book 3 Annex A1). Values are the tags' bytes as they go to the card. */
export interface TerminalData {
  /** 9F33 Terminal Capabilities, 3 bytes (Book 4 A2). */
  readonly terminalCapabilities: Buffer;
  /** 9F40 Additional Terminal Capabilities, 5 bytes (Book 4 A3). */
  readonly additionalTerminalCapabilities: Buffer;
  /** 9F35 Terminal Type, 1 byte n2 (Book 4 A1), e.g. 22 attended merchant offline-with-online. */
  readonly terminalType: number;
  /** 9F1A Terminal Country Code, ISO 3166 numeric, 2 bytes n3. */
  readonly countryCode: Buffer;
  /** 9F15 Merchant Category Code, 2 bytes n4. */
  readonly merchantCategoryCode: Buffer;
  /** 9F16 Merchant Identifier, 15 bytes ans. */
  readonly merchantIdentifier: Buffer;
  /** 9F1C Terminal Identification, 8 bytes an. */
  readonly terminalIdentification: Buffer;
  /** 9F1E Interface Device Serial Number, 8 bytes an. */
  readonly ifdSerialNumber: Buffer;
}

/** Terminal action codes for one AID (Book 3 §10.7): 5 bytes each, bit for bit against the TVR. */
export interface TerminalActionCodes {
  readonly default: Buffer;
  readonly denial: Buffer;
  readonly online: Buffer;
}

/** Random transaction selection (Book 3 §10.6.2). Percentages are 0–99. */
export interface RandomSelection {
  /** Below this amount (minor units) transactions are chosen at the target percentage. */
  readonly thresholdMinor: number;
  readonly targetPercent: number;
  readonly maxTargetPercent: number;
}

export interface AidConfig {
  /** Application identifier, 5–16 bytes (RID ‖ PIX). */
  readonly aid: Buffer;
  /** Partial selection allowed (ASI, Book 1 §12.3.1): the card's AID may be longer. */
  readonly partialSelection: boolean;
  /** 9F09 the terminal's application version number for this AID, 2 bytes. */
  readonly applicationVersion: Buffer;
  readonly tac: TerminalActionCodes;
  /** 9F1B terminal floor limit, minor units. */
  readonly floorLimitMinor: number;
  readonly randomSelection: RandomSelection;
  /** Default DDOL for DDA when the card has no 9F49 (Book 2 §6.5.1). */
  readonly defaultDdol: Buffer;
  /** Default TDOL for a TC hash when the card has no 97 (Book 3 §5.4). */
  readonly defaultTdol: Buffer;
}

/** A certification authority public key (Book 2 §5.1, §11.2.2). */
export interface Capk {
  /** Registered application provider identifier, 5 bytes. */
  readonly rid: Buffer;
  /** 8F CA public key index. */
  readonly index: number;
  readonly modulus: Buffer;
  /** 3 or 2^16+1, as bytes (03, or 01 00 01). */
  readonly exponent: Buffer;
  /** The last day the key may be used, as YYYY-MM-DD (UTC). */
  readonly expiry: string;
  /** SHA-1 over RID ‖ index ‖ modulus ‖ exponent, checked when the table loads. */
  readonly checksum: Buffer;
}

/** A revoked issuer public key certificate (Book 2 §5.3 step 10): RID, CA key index, certificate serial number. */
export interface RevokedCertificate {
  readonly rid: Buffer;
  readonly capkIndex: number;
  /** 3 bytes, from the issuer certificate. */
  readonly serial: Buffer;
}

export interface KernelConfig {
  readonly terminal: TerminalData;
  readonly aids: readonly AidConfig[];
  readonly capks: readonly Capk[];
  readonly revoked: readonly RevokedCertificate[];
}
