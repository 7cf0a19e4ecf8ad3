/**
 * The one configuration schema. A config file must say which host and which
 * card reader it means: the bank-host simulator and virtual devices run only
 * when written out (`"type": "simulator"`, `"type": "virtual"`), or with no
 * config file at all (`SIMULATED_DEFAULT`, development only), so a file that
 * forgot a section can never approve purchases against a simulator.
 * Extend by adding keys; never rename one.
 */
import { z } from 'zod';
import { emvSchema } from './emv-schema.js';

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

/**
 * The ECR API (`src/app/ecr-server.ts`): every request needs the bearer token
 * in `ecr.token`. Off loopback it requires `tls` (the terminal refuses to
 * start without it); with `caFile`, clients must present a certificate it signed.
 */
export const ecrSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(7711),
    /** Browser origins (`scheme://host[:port]`) allowed to call the API; any other `Origin` gets 403. */
    allowedOrigins: z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'an origin is scheme://host[:port]')).default([]),
    /** Host names besides the bound address and `localhost` a request may name (e.g. the TLS certificate's). */
    allowedHosts: z.array(z.string().min(1)).default([]),
    tls: z
      .object({
        certFile: z.string().min(1),
        keyFile: z.string().min(1),
        caFile: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

/*
 * Devices: one `type` a kind of device. Each wired type has its device kind
 * (`drivers/<family>/kind.ts`: USB IDs, line defaults, open, probe), keyed by
 * the same name in `src/app/device-kinds.ts`, whose tables are typed from
 * these unions: a type added here without its kind does not compile.
 */
const devicePath = z.string().min(1);
const baudRate = z.number().int().positive();
const usbId = z.number().int().min(0).max(0xffff);

const msrSerialSchema = z.object({ type: z.literal('msr-serial'), path: devicePath, baudRate: baudRate.default(9600) }).strict();
const magtekHidSchema = z
  .object({
    type: z.literal('magtek-hid'),
    vendorId: usbId.default(0x0801),
    productId: usbId.default(0x0002),
    /** `auto` picks the report layout by its length. */
    layout: z.enum(['auto', 'standard', 'encrypting']).default('auto'),
  })
  .strict();
const keyboardMsrSchema = z.object({ type: z.literal('keyboard-msr-hid'), vendorId: usbId, productId: usbId }).strict();

/** A stripe reader paired with a chip-only reader, for swipes and for fallback after a chip failure. */
export const stripeReaderSchema = z.discriminatedUnion('type', [msrSerialSchema, magtekHidSchema, keyboardMsrSchema]);

const readerNamePattern = z
  .string()
  .max(200)
  .refine((pattern) => {
    try {
      new RegExp(pattern, 'u');
      return true;
    } catch {
      return false;
    }
  }, 'readerName must be a regular expression');

export const readerSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('virtual'),
      /**
       * The twin: a serial magstripe reader, a ViVOpay-style chip and swipe reader with virtual chip cards,
       * an encrypting MagTek HID reader (DUKPT, the simulator's BDK) whose tracks only the host decrypts,
       * or virtual chip cards put into the real pcscd through vpcd (the terminal runs EMV over PC/SC).
       */
      model: z.enum(['msr', 'chip', 'magtek-encrypting', 'pcsc']).default('msr'),
    })
    .strict(),
  msrSerialSchema,
  magtekHidSchema,
  keyboardMsrSchema,
  /**
   * A contact chip reader on PC/SC (a USB CCID reader through pcscd): the
   * terminal runs EMV itself. `readerName` is a regular expression matched
   * against pcscd's reader names; the first that matches is used.
   */
  z
    .object({
      type: z.literal('pcsc'),
      readerName: readerNamePattern.default(''),
      stripe: stripeReaderSchema.optional(),
    })
    .strict(),
  // One reader family, two wires: a nested union on `transport`.
  z.discriminatedUnion('transport', [
    z.object({ type: z.literal('vivopay'), transport: z.literal('serial'), path: devicePath, baudRate: baudRate.default(115200), contactless: z.boolean().default(false) }).strict(),
    z.object({ type: z.literal('vivopay'), transport: z.literal('hid'), vendorId: usbId, productId: usbId, contactless: z.boolean().default(false) }).strict(),
  ]),
]);

/** A fixed prompt ID of the pad's own prompt table (PP791 manual p. 211: 001–999). */
const pinpadPromptId = z.number().int().min(1).max(999);

export const pinpadSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  // The virtual pad's tip prompt is 4 in its own table (hw-mocks/pinpad/virtual-pinpad.ts); a test holds the two equal.
  z.object({ type: z.literal('virtual'), tipPrompt: pinpadPromptId.default(4) }).strict(),
  z
    .object({
      type: z.literal('verifone-serial'),
      path: devicePath,
      baudRate: baudRate.default(1200),
      dataBits: z.union([z.literal(7), z.literal(8)]).default(7),
      parity: z.enum(['none', 'even', 'odd']).default('even'),
      /** The pad's fixed prompt ID that asks for a tip, from its prompt table; absent: the pad takes no amounts. */
      tipPrompt: pinpadPromptId.optional(),
    })
    .strict(),
]);

export const displaySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('console') }).strict(),
  z.object({ type: z.literal('virtual') }).strict(),
  z
    .object({
      type: z.literal('vfd-serial'),
      path: devicePath,
      baudRate: baudRate.default(9600),
      emulation: z.enum(['cd5220', 'epson']).default('cd5220'),
    })
    .strict(),
]);

/**
 * Characters per line in font A: 32 on 58 mm paper; 48 on 80 mm paper with a
 * 576-dot head, 42 on a 512-dot head or in an Epson printer's 42-column mode.
 * The default is 42: a 42-column receipt prints as laid out on every 80 mm
 * printer, a 48-column one wraps every full line on a 42-column printer.
 */
const printerColumns = z.union([z.literal(32), z.literal(42), z.literal(48)]).default(42);
/** The character code table (ESC t n) text is printed in; pc858 is pc850 with the euro sign. */
export const PRINTER_CODE_PAGES = ['pc437', 'pc850', 'pc858', 'wpc1252'] as const;
const escposPrinter = { type: z.literal('escpos'), columns: printerColumns, codePage: z.enum(PRINTER_CODE_PAGES).default('pc858') };

export const printerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('none') }).strict(),
  /** The printer twin (simulation only): what it printed is read back. */
  z.object({ type: z.literal('virtual'), columns: printerColumns }).strict(),
  // One printer family, three wires: a nested union on `transport`.
  z.discriminatedUnion('transport', [
    z.object({ ...escposPrinter, transport: z.literal('serial'), path: devicePath, baudRate: baudRate.default(9600) }).strict(),
    /** A USB printer-class device (`/dev/usb/lp0`): the usblp driver's character device. */
    z.object({ ...escposPrinter, transport: z.literal('usb-lp'), path: devicePath }).strict(),
    z.object({ ...escposPrinter, transport: z.literal('tcp'), host: z.string().min(1), port: port.default(9100) }).strict(),
  ]),
]);

export const devicesSchema = z
  .object({
    reader: readerSchema,
    pinpad: pinpadSchema.default({ type: 'none' }),
    display: displaySchema.default({ type: 'console' }),
    /** The receipt printer; `none` prints nothing. */
    printer: printerSchema.default({ type: 'none' }),
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
      /** Message layout on the wire (`src/iso8583/dialects/`). */
      dialect: z.enum(['iso87ascii', 'iso87ascii-binary-bitmap', 'iso87binary']).default('iso87ascii'),
      /** Length header: 2-byte binary big-endian, or 4 ASCII digits. */
      lengthHeader: z.enum(['binary2', 'ascii4']).default('binary2'),
      /** Mutual TLS with the host's CA pinned; plain TCP is refused in production off loopback. */
      tls: z
        .object({
          caFile: z.string().min(1),
          certFile: z.string().min(1),
          keyFile: z.string().min(1),
          servername: z.string().min(1).optional(),
        })
        .strict()
        .optional(),
      /** Echo test (0800) after this long idle; 0 turns it off. */
      echoIntervalMs: z.number().int().nonnegative().default(300_000),
      /** How the host takes a pre-authorization's completion: a 0220 advice, or a 0200 financial request. */
      completionMessage: z.enum(['advice', 'request']).default('advice'),
    })
    .strict(),
  z
    .object({
      type: z.literal('https-json'),
      url: z.string().url(),
      timeoutMs: z.number().int().positive().max(120_000).default(15_000),
      caFile: z.string().min(1).optional(),
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
    })
    .strict(),
]);

export const journalSchema = z
  .object({
    /** Folder of the SQLite journal (WAL and all). */
    dir: z.string().min(1).default('/var/lib/pos-terminal'),
    /** Settled rows (ended, batch closed) older than this many days are deleted, at start and daily. */
    retentionDays: z.number().int().positive().max(3650).default(90),
  })
  .strict();

export const keysSchema = z
  .object({
    /** Folder of key files (mode 0600, owned by the service user). */
    dir: z.string().min(1).default('/etc/pos-terminal/keys'),
  })
  .strict();

/** Minor units; a brand without a floor limit is never approved offline. */
const floorLimit = z.number().int().nonnegative();

/**
 * Store-and-forward (`src/txn/store-and-forward.ts`): when the host cannot be
 * reached at all, approve small purchases offline and forward them later as
 * advices (0220). Off by default: a real acquirer must agree to it first.
 */
export const storeAndForwardSchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Only chip reads may be approved offline (the card takes part in the decision). */
    chipOnly: z.boolean().default(true),
    /**
     * The largest refund (minor units) approved offline, where the acquirer
     * agrees: only one that names a purchase the host approved, within the
     * queue caps. 0 (default): a refund needs the host.
     */
    refundLimit: z.number().int().nonnegative().default(0),
    floorLimits: z
      .object({
        visa: floorLimit,
        mastercard: floorLimit,
        amex: floorLimit,
        discover: floorLimit,
        jcb: floorLimit,
        diners: floorLimit,
        unionpay: floorLimit,
        maestro: floorLimit,
      })
      .partial()
      .strict()
      .default({}),
    /** At most this many advices waiting for the host. */
    maxCount: z.number().int().nonnegative().default(20),
    /** At most this much money (minor units) waiting for the host. */
    maxTotal: z.number().int().nonnegative().default(100_000),
    /** How long queued advices wait before the first retry while the host stays away; later waits double, up to 8× (at most an hour), jittered. */
    flushIntervalMs: z.number().int().positive().max(3_600_000).default(30_000),
    /** An advice not acknowledged this many days after its offline approval expires (sealed card data wiped). */
    adviceMaxAgeDays: z.number().int().positive().max(90).default(7),
    /** An advice sent this many times without an acknowledgement expires. */
    adviceMaxAttempts: z.number().int().positive().max(1000).default(10),
  })
  .strict();

/**
 * What the register may do beyond a purchase and a referenced refund
 * (`src/txn/start-input.ts`). Off by default: each is a merchant's
 * agreement with the acquirer.
 */
export const transactionsSchema = z
  .object({
    /** A refund that names no earlier purchase of this terminal. */
    unreferencedRefunds: z.boolean().default(false),
    /** Tips on purchases: given at the start, or adjusted before the batch closes (DE 54). */
    tips: z.boolean().default(false),
    /**
     * Who gives a purchase's tip when the register sends none: `register` (no
     * tip), or `pinpad` (the cardholder keys it before the card is read; needs
     * `tips` and a PIN pad with a tip prompt).
     */
    tipEntry: z.enum(['register', 'pinpad']).default('register'),
    /** The largest tip the cardholder may key, in percent of the goods. */
    tipLimitPercent: z.number().int().min(1).max(1000).default(100),
    /** The most cash (minor units) a purchase may give out; 0: no cashback. */
    cashbackLimit: z.number().int().nonnegative().max(999_999_999_999).default(0),
    /** The acquirer's dialect takes incremental authorizations: a 0100 naming the pre-authorization adds to its hold. */
    incrementalAuthorization: z.boolean().default(false),
  })
  .strict();

/** A receipt line: printable, no control characters (the layout wraps a long one). */
const receiptLine = (minLength = 0) =>
  z
    .string()
    .min(minLength)
    .max(120)
    .refine((line) => ![...line].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f), 'a receipt line has no control characters');

/**
 * Receipts (`src/receipt/`): what prints above and below the journal's facts,
 * and which copies print by themselves when a transaction ends. `autoPrint`
 * left out prints the customer's copy when `devices.printer` is a printer
 * (the cardholder is owed a record of the payment; a receipt the cardholder
 * signs prints the merchant's copy too), and nothing without one.
 */
export const receiptSchema = z
  .object({
    merchantName: receiptLine(1).default('MERCHANT'),
    addressLines: z.array(receiptLine()).max(4, 'at most 4 address lines').default([]),
    footer: z.array(receiptLine()).max(8, 'at most 8 footer lines').default([]),
    autoPrint: z.enum(['none', 'customer', 'merchant', 'both']).optional(),
    /** IANA time zone of the date and time printed (fixed, so a reprint prints the same). */
    timeZone: z
      .string()
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat('en-GB', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'timeZone must be an IANA time zone (Europe/Berlin, UTC)')
      .default('UTC'),
  })
  .strict();

export const logSchema = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  })
  .strict();

export const configSchema = z
  .object({
    terminal: terminalSchema.default(terminalSchema.parse({})),
    ecr: ecrSchema.default(ecrSchema.parse({})),
    devices: devicesSchema,
    host: hostSchema,
    journal: journalSchema.default(journalSchema.parse({})),
    keys: keysSchema.default(keysSchema.parse({})),
    log: logSchema.default(logSchema.parse({})),
    storeAndForward: storeAndForwardSchema.default(storeAndForwardSchema.parse({})),
    emv: emvSchema.default(emvSchema.parse({})),
    transactions: transactionsSchema.default(transactionsSchema.parse({})),
    receipt: receiptSchema.default(receiptSchema.parse({})),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.transactions.tipEntry !== 'pinpad') return;
    if (!config.transactions.tips) ctx.addIssue({ code: 'custom', path: ['transactions', 'tips'], message: 'tipEntry "pinpad" needs tips: true' });
    const pad = config.devices.pinpad;
    if (pad.type === 'none' || pad.tipPrompt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['devices', 'pinpad', 'tipPrompt'], message: 'tipEntry "pinpad" needs a PIN pad with its tip prompt (tipPrompt)' });
    }
  });

/** What `pos run` runs with no config file at all: virtual devices and the in-process bank-host simulator. */
export const SIMULATED_DEFAULT = {
  devices: { reader: { type: 'virtual' }, printer: { type: 'virtual' } },
  host: { type: 'simulator' },
} as const;

export type Config = z.infer<typeof configSchema>;
export type ReaderConfig = Config['devices']['reader'];
export type PinpadConfig = Config['devices']['pinpad'];
export type DisplayConfig = Config['devices']['display'];
export type PrinterConfig = Config['devices']['printer'];
export type HostConfig = Config['host'];
export type StoreAndForwardConfig = Config['storeAndForward'];
export type { EmvConfig } from './emv-schema.js';
