/**
 * The simulation's shared keys (`hw-mocks/keys/keys.json`): their one home,
 * read by the bank-host simulator, by the twins (the virtual PIN pad, chip
 * card and encrypting reader) and by tests for the terminal side. Every
 * key is a TR-31 key block (ANSI X9.143, version B for TDES keys, D for the
 * AES BDK) under a simulation key-block protection key stored in the same
 * file in clear — acceptable for TEST keys only — and is checked against its
 * recorded key check value on load.
 *
 *   terminal.tak   M3 T C   the terminal MAC key for X9.19 (TAK)
 *   terminal.kek   K0 T B   the key-encryption key a key change wraps the new TAK under
 *   dukpt.tdesBdk  B0 T X   TDES DUKPT BDK (X9.24-1) shared with the virtual PIN pad
 *   dukpt.aesBdk   B0 A X   AES DUKPT BDK (X9.24-3)
 *   issuerMasterKeys[deck id]  E0 T X   each card's issuer master key for AC (EMV Book 2 A1.4)
 *
 * and, outside TR-31, the acquirer's X25519 key pair offline advices are
 * sealed to (`src/host/messages/sealed-advice.ts`), PEM: the public key is
 * what a simulated terminal gets as `acquirer-advice.pub`; the private key
 * stays with the simulator, which opens advices with it.
 *
 *   acquirerAdvice.privateKey  PKCS #8   acquirerAdvice.publicKey  SPKI
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { keyCheckValue } from '../../src/crypto/keys/kcv.js';
import { TR31_USES, unwrapTr31, type Tr31UseRequirement } from '../../src/crypto/tr31/key-block.js';
import { TERMINAL_MAC_KEY_USE } from '../../src/host/keys.js';
import { adviceOpeningKey, type AdviceOpeningKey } from '../../src/host/messages/sealed-advice.js';
import { PosError } from '../../src/util/errors.js';
import { fromHex, toHex } from '../../src/util/hex.js';
import { projectRoot } from '../../src/util/project-root.js';
import { loadJsonFile } from '../json-file.js';

const hexKey = z.string().regex(/^[0-9A-F]+$/);
const wrapped = z.object({ keyBlock: z.string().min(16), kcv: hexKey }).strict();
const clear = z.object({ key: hexKey, kcv: hexKey }).strict();

export const keysFileSchema = z
  .object({
    description: z.string().optional(),
    kbpk: z.object({ tdes: clear, aes: clear }).strict(),
    terminal: z.object({ tak: wrapped, kek: wrapped }).strict(),
    dukpt: z
      .object({ tdesBdk: wrapped, tdesInitialKsn: z.string().regex(/^[0-9A-F]{20}$/), aesBdk: wrapped, aesInitialKeyId: z.string().regex(/^[0-9A-F]{16}$/) })
      .strict(),
    issuerMasterKeys: z.record(z.string(), wrapped),
    acquirerAdvice: z
      .object({ description: z.string().optional(), privateKey: z.string().startsWith('-----BEGIN PRIVATE KEY-----'), publicKey: z.string().startsWith('-----BEGIN PUBLIC KEY-----') })
      .strict(),
  })
  .strict();

export type KeysFile = z.infer<typeof keysFileSchema>;

export const DEFAULT_KEYS_PATH = join(projectRoot(), 'hw-mocks', 'keys', 'keys.json');

/** The clear keys, for simulation code only. Buffers the holder may wipe. */
export interface SimulationKeys {
  /** The raw file, for a terminal that unwraps its own blocks (`TerminalMacKey.fromKeyBlock`). */
  readonly file: KeysFile;
  readonly tak: Buffer;
  readonly kek: Buffer;
  readonly tdesBdk: Buffer;
  readonly tdesInitialKsn: Buffer;
  readonly aesBdk: Buffer;
  readonly aesInitialKeyId: Buffer;
  /** The TDES key-block protection key the terminal-side blocks are wrapped under. */
  readonly tdesKbpk: Buffer;
  /** Issuer master key by deck card id; undefined for a card with none. */
  issuerMasterKey(cardId: string): Buffer | undefined;
  /** The acquirer's key pair for sealed advices: the host side opens with it. */
  readonly acquirerAdvice: AdviceOpeningKey;
  /** Its public half as PEM, the terminal's `acquirer-advice.pub`. */
  readonly acquirerAdvicePublicPem: string;
}

function invalid(path: string, what: string, reason: string): PosError {
  return new PosError('CONFIG_INVALID', `Invalid simulation key ${what} in ${path}: ${reason}`, { path, fields: [what], reason });
}

function open(path: string, what: string, kbpk: Buffer, entry: { keyBlock: string; kcv: string }, use: Tr31UseRequirement): Buffer {
  let key: Buffer;
  try {
    key = unwrapTr31(kbpk, entry.keyBlock, use).key;
  } catch (err) {
    throw new PosError('CONFIG_INVALID', `Simulation key ${what} in ${path} does not unwrap`, { path, fields: [what], reason: 'unwrap' }, { cause: err });
  }
  const algorithm = entry.kcv.length === 10 ? 'aes' : 'tdes';
  if (toHex(keyCheckValue(key, algorithm)) !== entry.kcv) throw invalid(path, what, 'kcv');
  return key;
}

/** Loads and checks the keys file. `CONFIG_UNREADABLE` / `CONFIG_INVALID` naming the key; never a key value. */
export function loadSimulationKeys(path: string = DEFAULT_KEYS_PATH): SimulationKeys {
  const file = loadJsonFile(path, keysFileSchema, 'simulation keys');
  const tdesKbpk = fromHex(file.kbpk.tdes.key, 'kbpk.tdes');
  const aesKbpk = fromHex(file.kbpk.aes.key, 'kbpk.aes');
  if (toHex(keyCheckValue(tdesKbpk, 'tdes')) !== file.kbpk.tdes.kcv) throw invalid(path, 'kbpk.tdes', 'kcv');
  if (toHex(keyCheckValue(aesKbpk, 'aes')) !== file.kbpk.aes.kcv) throw invalid(path, 'kbpk.aes', 'kcv');
  const imks = new Map<string, Buffer>();
  for (const [id, entry] of Object.entries(file.issuerMasterKeys)) imks.set(id, open(path, `issuerMasterKeys.${id}`, tdesKbpk, entry, TR31_USES.emvAcMasterKey));
  return {
    file,
    tdesKbpk,
    tak: open(path, 'terminal.tak', tdesKbpk, file.terminal.tak, TERMINAL_MAC_KEY_USE),
    kek: open(path, 'terminal.kek', tdesKbpk, file.terminal.kek, { keyUsage: ['K0'], algorithm: ['T'] }),
    tdesBdk: open(path, 'dukpt.tdesBdk', tdesKbpk, file.dukpt.tdesBdk, { ...TR31_USES.bdk, algorithm: ['T'] }),
    aesBdk: open(path, 'dukpt.aesBdk', aesKbpk, file.dukpt.aesBdk, { ...TR31_USES.bdk, algorithm: ['A'] }),
    tdesInitialKsn: fromHex(file.dukpt.tdesInitialKsn, 'dukpt.tdesInitialKsn'),
    aesInitialKeyId: fromHex(file.dukpt.aesInitialKeyId, 'dukpt.aesInitialKeyId'),
    issuerMasterKey: (cardId) => imks.get(cardId),
    acquirerAdvice: openAdviceKeyPair(path, file.acquirerAdvice),
    acquirerAdvicePublicPem: file.acquirerAdvice.publicKey,
  };
}

/** The advice key pair, checked: an X25519 private key whose public half is the one recorded beside it. */
function openAdviceKeyPair(path: string, entry: KeysFile['acquirerAdvice']): AdviceOpeningKey {
  let privateKey: KeyObject;
  let pair: AdviceOpeningKey;
  try {
    privateKey = createPrivateKey(entry.privateKey);
    pair = adviceOpeningKey(privateKey);
  } catch (err) {
    throw new PosError('CONFIG_INVALID', `Simulation key acquirerAdvice in ${path} is not an X25519 key pair`, { path, fields: ['acquirerAdvice'], reason: 'key' }, { cause: err });
  }
  const recorded = pair.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  if (recorded.trim() !== entry.publicKey.trim()) throw invalid(path, 'acquirerAdvice.publicKey', 'not the private key\'s public half');
  return pair;
}
