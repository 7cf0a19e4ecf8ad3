/**
 * A virtual contactless card's personalisation as data: one JSON file a
 * profile in `hw-mocks/chip-card/contactless-profiles/`, checked with zod so
 * that a hand-edited profile fails with its bad field named (the contact
 * cards' profiles, `card-profile.ts`, are the model). What a profile says:
 *
 *   kernel            `qvsdc`: Visa-style, EMV Contactless Book C-3 (Kernel 3): GET PROCESSING
 *                     OPTIONS answers with the cryptogram and the card's data in one go
 *                     `mchip`: Mastercard-style, Book C-2 (Kernel 2): GENERATE AC after
 *                     the records, and mag-stripe mode (COMPUTE CRYPTOGRAPHIC CHECKSUM)
 *   aid, label, priority, kernelId   the PPSE directory entry (Book B §3.3: 4F, 50, 87, 9F2A)
 *   pdol              9F38 (qVSDC: must ask for 9F66, 9F02 and 9F37: the cryptogram and CVM need them)
 *   aip, afl, records 82, 94 and what each record holds (Book 3 §10.2)
 *   data              the application's other data objects by tag (hex): 9F6C CTQ, 9F6E, 8C CDOL1, 8E …
 *   cryptogramVersion `visa-cvn17` or `mastercard-cvn15` (`cryptogram-versions.ts`);
 *                     absent on a mag-stripe-only card
 *   magstripe         the card answers COMPUTE CRYPTOGRAPHIC CHECKSUM (`contactless-magstripe.ts`):
 *                     its records then hold 9F6B, 9F65, 9F66, 9F67 (made by the builder)
 *   fdda              qVSDC fast DDA: the simulation CA certifies an issuer key and an ICC key
 *                     over the records the AFL marks (`oda`), whose objects 8F, 90, 92, 9F32,
 *                     9F46, 9F47, 9F48 the builder makes; the GPO answer then carries 9F69 and
 *                     9F4B, and the card may approve offline
 *   cvm               qVSDC: what the CTQ asks for when the reader requires a CVM: `online-pin`,
 *                     `signature`, `cdcvm` (a phone: consumer-device CVM), `none`; M/Chip:
 *                     the CVM list (8E) decides, and a phone sets AIP byte 1 b2 instead
 *   deviceVerification  a phone only: `done` (the holder verified on the device before the
 *                     tap) or `on-request` (the first tap that needs a CVM answers "see
 *                     phone"; `verifyOnDevice()` then stands for the holder's fingerprint)
 *   risk              `approveOffline`: a TC when the reader allows offline approval;
 *                     `declineAlways`: every cryptogram an AAC
 *
 * Data a card takes from its deck card: 5A, 57, 5F20, 5F24, 5F30, 5F34 —
 * a record names them like any other tag.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../../src/util/project-root.js';
import { aflEntrySchema, hexBytes, loadProfile, profileNames, recordSchema, tag } from './card-profile.js';


export const CONTACTLESS_CVMS = ['online-pin', 'signature', 'cdcvm', 'none'] as const;
export type ContactlessCvm = (typeof CONTACTLESS_CVMS)[number];

export const contactlessProfileSchema = z
  .object({
    description: z.string(),
    /** The deck card (hw-mocks/cards/deck.json) whose PAN, expiry, name and issuer master key the card carries by default. */
    card: z.string().regex(/^[a-z0-9-]+$/),
    kernel: z.enum(['qvsdc', 'mchip']),
    psn: z.string().regex(/^\d{2}$/).default('01'),
    aid: hexBytes,
    label: z.string().regex(/^[ -~]{1,16}$/),
    priority: z.number().int().min(1).max(15).default(1),
    /** 9F2A in the PPSE entry; default 03 for qVSDC, 02 for M/Chip (Book B Table 3-6). */
    kernelId: hexBytes.optional(),
    languagePreference: z.string().regex(/^([a-z]{2}){1,4}$/).optional(),
    pdol: hexBytes.optional(),
    aip: hexBytes,
    afl: z.array(aflEntrySchema).min(1),
    records: z.array(recordSchema).min(1),
    data: z.record(tag, hexBytes),
    cryptogramVersion: z.enum(['visa-cvn17', 'mastercard-cvn15']).optional(),
    magstripe: z.boolean().default(false),
    /** qVSDC fDDA: a certified ICC key signs the GPO answer (AIP byte 1 b6 set); needs a simulation CA. */
    fdda: z.boolean().default(false),
    cvm: z.enum(CONTACTLESS_CVMS).default('signature'),
    deviceVerification: z.enum(['done', 'on-request']).optional(),
    derivationKeyIndex: z.number().int().min(0).max(255).default(1),
    atc: z.number().int().min(1).max(0xffff).default(1),
    lastOnlineAtc: z.number().int().min(0).max(0xffff).default(0),
    risk: z.object({ approveOffline: z.boolean().default(false), declineAlways: z.boolean().default(false) }).strict().default({ approveOffline: false, declineAlways: false }),
  })
  .strict()
  .refine((p) => p.cryptogramVersion !== undefined || p.magstripe, { message: 'a card needs a cryptogram version, mag-stripe mode, or both', path: ['cryptogramVersion'] })
  .refine((p) => p.kernel === 'mchip' || !p.magstripe, { message: 'mag-stripe mode is a Kernel 2 (mchip) card’s', path: ['magstripe'] })
  .refine((p) => p.kernel === 'qvsdc' || !p.fdda, { message: 'fDDA is a Kernel 3 (qvsdc) card’s', path: ['fdda'] })
  .refine((p) => (p.kernel === 'qvsdc' ? p.cryptogramVersion !== 'mastercard-cvn15' : p.cryptogramVersion !== 'visa-cvn17'), { message: 'the cryptogram version belongs to the other kernel', path: ['cryptogramVersion'] })
  .refine((p) => (p.cvm === 'cdcvm') === (p.deviceVerification !== undefined), { message: 'a phone (cvm cdcvm) says how its holder verifies, and only a phone does', path: ['deviceVerification'] });

export type ContactlessProfile = z.infer<typeof contactlessProfileSchema>;

export const CONTACTLESS_PROFILES_DIR = join(projectRoot(), 'hw-mocks', 'chip-card', 'contactless-profiles');

/** The names of the shipped contactless profiles, sorted. */
export function contactlessProfileNames(dir: string = CONTACTLESS_PROFILES_DIR): string[] {
  return profileNames(dir);
}

/** A shipped contactless profile by name; `CONFIG_UNREADABLE` / `CONFIG_INVALID` naming the file and bad fields. */
export function loadContactlessProfile(name: string, dir: string = CONTACTLESS_PROFILES_DIR): ContactlessProfile {
  return loadProfile(name, dir, contactlessProfileSchema, 'contactless card profile');
}
