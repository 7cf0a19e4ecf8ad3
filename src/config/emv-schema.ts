/**
 * The `emv` section: what the terminal's own EMV kernel (and, later, a
 * reader's kernel) is configured with — the terminal's data objects, the
 * AIDs it accepts with their action codes and risk parameters, and the
 * certification authority public keys. Values are hex as the EMV books
 * print them. Bad entries are refused at load, naming the entry.
 */
import { z } from 'zod';

const hex = (bytes: number | readonly [number, number], what: string) => {
  const [min, max] = typeof bytes === 'number' ? [bytes, bytes] : bytes;
  const size = min === max ? `${min} bytes` : `${min} to ${max} bytes`;
  return z
    .string()
    .regex(/^(?:[0-9A-Fa-f]{2})+$/, `${what} must be hex`)
    .refine((value) => value.length / 2 >= min && value.length / 2 <= max, `${what} must be ${size}`)
    .transform((value) => value.toUpperCase());
};

/** Terminal Capabilities (Book 4 A2) byte 2: b8 plaintext offline PIN, b5 enciphered offline PIN. */
const OFFLINE_PIN_BITS = 0x80 | 0x10;

export const emvTerminalSchema = z
  .object({
    /**
     * 9F33: manual entry, magstripe, IC with contacts; online enciphered PIN,
     * signature, no CVM; SDA, DDA, CDA. Offline PIN is never claimed: no PIN
     * entry device here performs it.
     */
    capabilities: hex(3, '9F33')
      .default('E068C8')
      .refine((value) => (Number.parseInt(value.slice(2, 4), 16) & OFFLINE_PIN_BITS) === 0, '9F33 must not claim offline PIN (byte 2 b8, b5): no PIN pad here performs it'),
    /** 9F40: goods, services, cashback; numeric, alphabetic and special keys, command keys, function keys; print attendant and cardholder, display attendant and cardholder; code table 1. */
    additionalCapabilities: hex(5, '9F40').default('6000F0A001'),
    /** 9F35: 22 = attended, merchant, offline with online capability. */
    type: z.number().int().refine((n) => [11, 12, 13, 14, 15, 16, 21, 22, 23, 24, 25, 26].includes(n), '9F35 must be a Book 4 A1 terminal type').default(22),
    /** 9F15, ISO 18245. */
    merchantCategoryCode: z.string().regex(/^\d{4}$/, 'merchant category code must be 4 digits').default('5999'),
    /** 9F1E, 8 characters. */
    ifdSerialNumber: z.string().regex(/^[ -~]{8}$/, 'IFD serial number must be 8 printable ASCII characters').default('00000001'),
  })
  .strict();

const percent = z.number().int().min(0).max(99);

/** An amount in minor units that fits EMV's n12 (6 bytes BCD). */
const amountN12 = z.number().int().nonnegative().max(999_999_999_999);

/**
 * What a reader running its own contactless kernel is told for this AID (a
 * ViVOpay's contactless group, NEO 2 guide Appendix A.9): taps above
 * `transactionLimit` are refused (insert the card), from `cvmRequiredLimit`
 * on a CVM is required, at or below `floorLimit` the card may approve
 * offline (absent: the AID's contact floor limit). Minor units.
 */
export const contactlessSchema = z
  .object({
    enabled: z.boolean().default(true),
    transactionLimit: amountN12.default(10_000),
    cvmRequiredLimit: amountN12.default(5_000),
    floorLimit: amountN12.optional(),
  })
  .strict()
  .refine((c) => c.floorLimit === undefined || c.floorLimit <= c.transactionLimit, 'contactless.floorLimit must not exceed contactless.transactionLimit');

export const aidSchema = z
  .object({
    aid: hex([5, 16], 'aid'),
    /** A short name for logs and diagnostics. */
    name: z.string().min(1).max(32).optional(),
    partialSelection: z.boolean().default(true),
    /** 9F09. */
    applicationVersion: hex(2, 'applicationVersion'),
    tac: z.object({ default: hex(5, 'tac.default'), denial: hex(5, 'tac.denial'), online: hex(5, 'tac.online') }).strict(),
    /** 9F1B, minor units. */
    floorLimit: z.number().int().nonnegative().max(0xffffffff).default(0),
    randomSelection: z
      .object({ threshold: z.number().int().nonnegative().default(0), targetPercent: percent.default(0), maxTargetPercent: percent.default(0) })
      .strict()
      .refine((r) => r.targetPercent <= r.maxTargetPercent, 'randomSelection.targetPercent must not exceed maxTargetPercent')
      .default({ threshold: 0, targetPercent: 0, maxTargetPercent: 0 }),
    defaultDdol: hex([1, 252], 'defaultDdol').default('9F3704'),
    defaultTdol: hex([1, 252], 'defaultTdol').default('9F02065F2A029A039C0195059F3704'),
    /** Taps on a reader with its own contactless kernel; defaults: limit 100.00, CVM from 50.00, floor limit as for contact. */
    contactless: contactlessSchema.default({ enabled: true, transactionLimit: 10_000, cvmRequiredLimit: 5_000 }),
  })
  .strict()
  .refine((a) => a.randomSelection.threshold <= a.floorLimit || a.randomSelection.targetPercent === 0, 'randomSelection.threshold must not exceed floorLimit');

export const capkSchema = z
  .object({
    rid: hex(5, 'rid'),
    index: z.number().int().min(0).max(0xff),
    modulus: hex([64, 248], 'modulus'),
    exponent: z.enum(['03', '010001']),
    /** Last day of use, YYYY-MM-DD. */
    expiry: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expiry must be YYYY-MM-DD'),
    /** SHA-1 over RID ‖ index ‖ modulus ‖ exponent. */
    checksum: hex(20, 'checksum'),
  })
  .strict();

export const revokedSchema = z.object({ rid: hex(5, 'rid'), index: z.number().int().min(0).max(0xff), serial: hex(3, 'serial') }).strict();

/** The AIDs accepted when the config names none: test-network TACs, floor limit 0 (every transaction online). */
export const DEFAULT_AIDS = [
  { aid: 'A0000000031010', name: 'Visa credit/debit', applicationVersion: '0096', tac: { default: 'DC4000A800', denial: '0010000000', online: 'DC4004F800' } },
  { aid: 'A0000000032010', name: 'Visa Electron', applicationVersion: '0096', tac: { default: 'DC4000A800', denial: '0010000000', online: 'DC4004F800' } },
  { aid: 'A0000000041010', name: 'Mastercard', applicationVersion: '0002', tac: { default: 'FC50BCA000', denial: '0000000000', online: 'FC50BCF800' } },
  { aid: 'A0000000043060', name: 'Maestro', applicationVersion: '0002', tac: { default: 'FC50BCA000', denial: '0000000000', online: 'FC50BCF800' } },
] as const;

export const emvSchema = z
  .object({
    terminal: emvTerminalSchema.default(emvTerminalSchema.parse({})),
    aids: z.array(aidSchema).min(1).default(DEFAULT_AIDS.map((a) => aidSchema.parse(a))),
    /**
     * Named CA key sets shipped with the terminal: `emv-test` holds the
     * publicly published test keys, for certification labs only. Production
     * keys come from the acquirer and go in `capks`.
     */
    capkSets: z.array(z.enum(['emv-test'])).default([]),
    capks: z.array(capkSchema).default([]),
    revoked: z.array(revokedSchema).default([]),
  })
  .strict()
  .superRefine((emv, ctx) => {
    const seen = new Set<string>();
    emv.aids.forEach((a, i) => {
      if (seen.has(a.aid)) ctx.addIssue({ code: 'custom', path: ['aids', i, 'aid'], message: `aid ${a.aid} is listed twice` });
      seen.add(a.aid);
    });
    const keys = new Set<string>();
    emv.capks.forEach((k, i) => {
      const id = `${k.rid}/${k.index.toString(16).toUpperCase().padStart(2, '0')}`;
      if (keys.has(id)) ctx.addIssue({ code: 'custom', path: ['capks', i], message: `CA key ${id} is listed twice` });
      keys.add(id);
    });
  });

export type EmvConfig = z.infer<typeof emvSchema>;
