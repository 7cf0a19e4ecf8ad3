/**
 * A virtual chip card's personalisation as data: one JSON file a profile in
 * `hw-mocks/chip-card/profiles/`, checked with zod so that a hand-edited
 * profile fails with its bad field named. What a profile says, and the EMV
 * 4.4 section each part follows:
 *
 *   atr                      ISO/IEC 7816-3 §8 Answer To Reset
 *   pse                      Book 1 §12.2: 1PAY.SYS.DDF01 and the SFI of its directory (absent: no PSE)
 *   applications[]           Book 1 §11.3.4, §12.2.3: AID, 50, 9F12, 87 (priority, bit 8 = confirmation), 5F2D, PDOL 9F38
 *     blocked                SELECT answers the FCI with 62 83 (Book 1 §12.3.2)
 *     gpo                    Book 3 §6.5.8: response format 1 (80) or 2 (77); `refuse`: 69 85
 *     aip, afl               82 and 94 (Book 3 §10.2, Annex C1)
 *     records[]              Book 3 §10.2: which data objects each SFI/record holds, in order
 *     data                   the application's data objects by tag (hex): 8C, 8D, 8E, 9F07, 9F08, 9F0D–0F, 5F25, 9F14, 9F23, 9F49, 9F4A …
 *     oda                    Book 2: the methods the simulation CA certifies the card for, key sizes, a deliberate defect
 *     cryptogramVersion      `visa-cvn10` or `mastercard` (`cryptogram-versions.ts`)
 *     atc, lastOnlineAtc     the card's counters (9F36 of its next transaction; 9F13)
 *     risk                   the card's own decisions at GENERATE AC (`card-risk.ts`)
 *
 * Data a card takes from its deck card rather than its profile: 5A, 57,
 * 5F20, 5F24, 5F30 (and 5F34 from `psn`); data the builder makes: the ODA
 * objects 8F, 90, 92, 9F32, 9F46, 9F47, 9F48, 93. A record names them like
 * any other tag.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PosError } from '../../src/util/errors.js';
import { projectRoot } from '../../src/util/project-root.js';
import { loadJsonFile } from '../json-file.js';

/** Hex bytes, spaces allowed between them for readability. */
export const hexBytes = z.string().regex(/^(?:\s*[0-9A-Fa-f]{2})*\s*$/, 'hex bytes');
export const tag = z.string().regex(/^[0-9A-F]{2}(?:[0-9A-F]{2}){0,3}$/, 'an upper-case hex tag');

/** An AFL entry; `oda`: how many records from `first` on take part in offline data authentication (SDA, DDA, CDA, fDDA). */
export const aflEntrySchema = z
  .object({
    sfi: z.number().int().min(1).max(30),
    first: z.number().int().min(1).max(255),
    last: z.number().int().min(1).max(255),
    /** How many records from `first` on take part in offline data authentication. */
    oda: z.number().int().min(0).max(255).default(0),
  })
  .strict()
  .refine((e) => e.last >= e.first && e.oda <= e.last - e.first + 1, 'first ≤ last, and oda at most the number of records');

export const recordSchema = z
  .object({
    sfi: z.number().int().min(1).max(30),
    record: z.number().int().min(1).max(255),
    tags: z.array(tag).min(1),
  })
  .strict();

export const ODA_METHODS = ['sda', 'dda', 'cda'] as const;
export type OdaMethod = (typeof ODA_METHODS)[number];

const odaSchema = z
  .object({
    methods: z.array(z.enum(ODA_METHODS)).min(1),
    /** Issuer key size; default the CA's. */
    issuerKeyBits: z.number().int().optional(),
    /** ICC key size (DDA, CDA); default the issuer's, at most 1024. */
    iccKeyBits: z.number().int().optional(),
    /** Certificate expiry, MMYY; default 1239. */
    certificateExpiry: z.string().regex(/^(0[1-9]|1[0-2])\d{2}$/).default('1239'),
    /** A deliberately bad issuer certificate (a kernel must fail ODA on it). */
    issuerDefect: z.enum(['hash', 'identifier', 'expired']).optional(),
    /** A deliberately bad ICC certificate. */
    iccDefect: z.enum(['hash', 'identifier', 'expired']).optional(),
    /** 9F45 Data Authentication Code signed in SDA's 93. */
    dataAuthenticationCode: hexBytes.default('DAC1'),
  })
  .strict();

const riskSchema = z
  .object({
    /** A TC asked for at the first GENERATE AC is given while the offline transactions since the last online one stay below 9F14; otherwise ARQC. */
    approveOffline: z.boolean().default(false),
    /** Every GENERATE AC answers AAC: the card declines offline. */
    declineAlways: z.boolean().default(false),
    /** A TC at the second GENERATE AC after an online authorisation needs a good ARPC. */
    issuerAuthenticationRequired: z.boolean().default(true),
  })
  .strict();

const applicationSchema = z
  .object({
    aid: hexBytes,
    label: z.string().regex(/^[ -~]{1,16}$/),
    preferredName: z.string().regex(/^[ -~]{1,16}$/).optional(),
    /** 87 bits 4–1: 1 is the highest priority. */
    priority: z.number().int().min(1).max(15).optional(),
    /** 87 bit 8: the cardholder must confirm the application. */
    confirmationRequired: z.boolean().default(false),
    /** 5F2D, e.g. "en" or "enfr". */
    languagePreference: z.string().regex(/^([a-z]{2}){1,4}$/).optional(),
    pdol: hexBytes.optional(),
    blocked: z.boolean().default(false),
    gpo: z.object({ format: z.union([z.literal(1), z.literal(2)]), refuse: z.boolean().default(false) }).strict(),
    aip: hexBytes,
    afl: z.array(aflEntrySchema).min(1),
    records: z.array(recordSchema).min(1),
    data: z.record(tag, hexBytes),
    oda: odaSchema.optional(),
    cryptogramVersion: z.enum(['visa-cvn10', 'mastercard']),
    /** Derivation key index, the first byte of 9F10's issuer part. */
    derivationKeyIndex: z.number().int().min(0).max(255).default(1),
    /** The ATC of the card's next transaction. */
    atc: z.number().int().min(1).max(0xffff).default(1),
    /** 9F13: the ATC of the last transaction the issuer authorised online (0: never). */
    lastOnlineAtc: z.number().int().min(0).max(0xffff).default(0),
    /** 9F17 PIN try counter (the card does no offline PIN; GET DATA shows it). */
    pinTryCounter: z.number().int().min(0).max(15).default(3),
    risk: riskSchema.default({ approveOffline: false, declineAlways: false, issuerAuthenticationRequired: true }),
  })
  .strict();

export const cardProfileSchema = z
  .object({
    description: z.string(),
    /** The deck card (hw-mocks/cards/deck.json) whose PAN, expiry, name and issuer master key the card carries by default. */
    card: z.string().regex(/^[a-z0-9-]+$/),
    atr: hexBytes,
    /** PAN sequence number 5F34, two digits. */
    psn: z.string().regex(/^\d{2}$/).default('01'),
    pse: z.object({ sfi: z.number().int().min(1).max(10) }).strict().optional(),
    applications: z.array(applicationSchema).min(1),
  })
  .strict();

export type CardProfile = z.infer<typeof cardProfileSchema>;
export type ApplicationProfile = CardProfile['applications'][number];
export type AflEntry = ApplicationProfile['afl'][number];
export type OdaProfile = NonNullable<ApplicationProfile['oda']>;
export type CardRiskProfile = ApplicationProfile['risk'];

export const PROFILES_DIR = join(projectRoot(), 'hw-mocks', 'chip-card', 'profiles');

/** The names of the profiles in `dir` (their file names without `.json`), sorted. */
export function profileNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** A profile of `dir` by name, checked by `schema`; `CONFIG_UNREADABLE` / `CONFIG_INVALID` naming the file and bad fields. */
export function loadProfile<T>(name: string, dir: string, schema: z.ZodType<T>, what: string): T {
  if (!/^[a-z0-9-]+$/.test(name)) throw new PosError('CONFIG_INVALID', 'A card profile name is lower-case letters, digits and dashes', { fields: ['profile'], reason: 'name' });
  return loadJsonFile(join(dir, `${name}.json`), schema, what);
}

/** The names of the shipped contact profiles, sorted. */
export function cardProfileNames(dir: string = PROFILES_DIR): string[] {
  return profileNames(dir);
}

/** A shipped contact profile by name. */
export function loadCardProfile(name: string, dir: string = PROFILES_DIR): CardProfile {
  return loadProfile(name, dir, cardProfileSchema, 'card profile');
}
