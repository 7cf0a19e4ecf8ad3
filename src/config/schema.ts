/**
 * The one configuration schema. With no file at all, every default below
 * gives the simulated terminal: virtual devices and the bank-host simulator
 * on loopback. Extend by adding keys; never rename one.
 */
import { z } from 'zod';

const digits = (n: number, what: string) => z.string().regex(new RegExp(`^\\d{${n}}$`), `${what} must be ${n} digits`);
const port = z.number().int().min(0).max(65535);

export const terminalSchema = z
  .object({
    /** DE 41, card acceptor terminal identification: 8 characters. */
    id: z.string().regex(/^[ -~]{8}$/, 'terminal id must be 8 printable ASCII characters').default('T0000001'),
    /** DE 42, card acceptor identification code: 15 characters. */
    merchantId: z.string().regex(/^[ -~]{15}$/, 'merchant id must be 15 printable ASCII characters').default('M00000000000001'),
    /** ISO 4217 numeric. */
    currency: digits(3, 'currency').default('978'),
    /** ISO 3166-1 numeric. */
    country: digits(3, 'country').default('276'),
  })
  .strict();

export const ecrSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(7711),
  })
  .strict();

export const readerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('virtual') }).strict(),
  z
    .object({
      type: z.literal('msr-serial'),
      path: z.string().min(1),
      baudRate: z.number().int().positive().default(9600),
    })
    .strict(),
]);

export const displaySchema = z.discriminatedUnion('type', [z.object({ type: z.literal('console') }).strict()]);

export const devicesSchema = z
  .object({
    reader: readerSchema.default({ type: 'virtual' }),
    display: displaySchema.default({ type: 'console' }),
  })
  .strict();

export const hostSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('simulator'),
      /** Response timeout for the in-process simulator on loopback. */
      timeoutMs: z.number().int().positive().max(120_000).default(15_000),
    })
    .strict(),
  z
    .object({
      type: z.literal('iso8583-tcp'),
      address: z.string().min(1),
      port: port.refine((p) => p > 0, 'port must be 1–65535'),
      timeoutMs: z.number().int().positive().max(120_000).default(15_000),
    })
    .strict(),
]);

export const logSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export const configSchema = z
  .object({
    terminal: terminalSchema.default(terminalSchema.parse({})),
    ecr: ecrSchema.default(ecrSchema.parse({})),
    devices: devicesSchema.default(devicesSchema.parse({})),
    host: hostSchema.default({ type: 'simulator', timeoutMs: 15_000 }),
    log: logSchema.default(logSchema.parse({})),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ReaderConfig = Config['devices']['reader'];
export type HostConfig = Config['host'];
