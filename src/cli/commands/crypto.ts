/**
 * `pos crypto`: the command lines of the field calculator for keys, PIN
 * blocks, MACs, EMV cryptograms and key blocks. The calculations
 * (`../actions/crypto.ts`) are loaded only when one runs.
 */
import type { Command } from 'commander';
import { AES_DUKPT_KEY_TYPES, AES_KEY_USAGES } from '../../crypto/dukpt/aes.js';
import type { CryptoCalculation, Flags } from '../actions/crypto.js';
import type { RegisterCommand } from './index.js';
import { lazyAction } from './lazy-action.js';

const KEY_SOURCE: [string, string][] = [
  ['--key <hex>', 'the PIN key itself (TDES 16/24 bytes; AES for format 4)'],
  ['--bdk <hex>', 'derive the PIN key by DUKPT from this BDK (TDES BDKs must have odd parity)'],
  ['--ksn <hex>', 'the KSN for DUKPT (10 bytes TDES, 12 bytes AES)'],
  ['--aes', 'AES DUKPT (X9.24-3) instead of TDES DUKPT'],
  ['--key-type <type>', 'AES DUKPT PIN key type (default aes128 for format 4, tdes2 otherwise)'],
];

export const registerCrypto: RegisterCommand = (program: Command) => {
  const crypto = program.command('crypto').description('Payment crypto calculator: DUKPT, PIN blocks, MACs, EMV cryptograms, KCVs, TR-31.');
  sub(crypto, 'dukpt', 'DUKPT keys from BDK and KSN (TDES by default, AES with --aes).', [
    ['--bdk <hex>', 'base derivation key (TDES 16 bytes with odd parity, or AES 16/24/32 with --aes)'],
    ['--ksn <hex>', 'key serial number (10 bytes TDES; 12 bytes AES = initial key ID 8 + counter 4)'],
    ['--aes', 'AES DUKPT (ANSI X9.24-3 2017)'],
    ['--usage <usage>', `AES working key usage: ${Object.keys(AES_KEY_USAGES).join('|')}`],
    ['--key-type <type>', `AES working key type: ${Object.keys(AES_DUKPT_KEY_TYPES).join('|')}`],
  ]);
  sub(crypto, 'pin-encrypt', 'Build and encrypt an ISO 9564-1 PIN block (prints the clear block too).', [
    ['--format <n>', 'ISO 9564-1 format: 0|1|3|4'],
    ['--pin <digits>', 'the PIN, 4 to 12 digits'],
    ['--pan <digits>', 'the PAN (formats 0, 3, 4)'],
    ...KEY_SOURCE,
    ['--fill <hex>', 'fill digits (formats 1, 3) or the 8 random bytes (format 4) instead of random ones'],
  ]);
  sub(crypto, 'pin-decrypt', 'Decrypt an ISO 9564-1 PIN block and print the PIN.', [
    ['--format <n>', 'ISO 9564-1 format: 0|1|3|4'],
    ['--pan <digits>', 'the PAN (formats 0, 3, 4)'],
    ['--block <hex>', 'the encrypted PIN block'],
    ...KEY_SOURCE,
  ]);
  sub(crypto, 'mac', 'ISO 9797-1 MAC algorithm 1, X9.19 retail MAC (algorithm 3) or CMAC; prints the full block.', [
    ['--alg <alg>', 'iso9797-1-1|x9.19|cmac'],
    ['--key <hex>', 'the MAC key'],
    ['--data <hex>', 'the data'],
    ['--padding <n>', 'ISO 9797-1 padding method 1|2 (default 1)'],
    ['--cipher <cipher>', 'for cmac: aes (default) or tdes'],
  ]);
  sub(crypto, 'arqc', 'Card master key, AC session key and ARQC (EMV Book 2 A1).', [
    ['--imk <hex>', 'issuer master key for AC (16 bytes, odd parity)'],
    ['--pan <digits>', 'the PAN'],
    ['--psn <nn>', 'PAN sequence number, 2 digits'],
    ['--option <A|B>', 'card master key option (default A up to 16 PAN digits, B beyond)'],
    ['--atc <hex>', 'application transaction counter, 2 bytes'],
    ['--data <hex>', 'the data the card MACs'],
    ['--un <hex>', 'unpredictable number, 4 bytes (Mastercard session keys)'],
    ['--session <method>', 'none|emv|mastercard (default emv)'],
    ['--padding <n>', 'ISO 9797-1 padding method 1|2 (default 2)'],
  ]);
  sub(crypto, 'arpc', 'ARPC by method 1 (ARQC ⊕ ARC) or method 2 (with CSU).', [
    ['--key <hex>', 'the ARPC key (session key or card master key, 16 bytes)'],
    ['--arqc <hex>', 'the ARQC, 8 bytes'],
    ['--method <n>', '1|2'],
    ['--arc <hex>', 'method 1: authorisation response code, 2 bytes'],
    ['--csu <hex>', 'method 2: card status update, 4 bytes'],
    ['--pad <hex>', 'method 2: proprietary authentication data, 0-8 bytes'],
  ]);
  sub(crypto, 'kcv', 'Key check value (TDES: 3 bytes of E(0); AES: 5 bytes of CMAC(0)).', [
    ['--key <hex>', 'the key'],
    ['--alg <alg>', 'tdes|aes (default tdes, aes for 32-byte keys)'],
  ]);
  const tr31 = crypto.command('tr31').description('TR-31 / ANSI X9.143 key blocks, versions B (TDES) and D (AES).');
  sub(tr31, 'tr31 wrap', 'Wrap a key under a KBPK.', [
    ['--kbpk <hex>', 'key block protection key'],
    ['--header <text>', 'header template, e.g. D0000P0AE00E0000 (length digits are recomputed)'],
    ['--key <hex>', 'the key to wrap'],
    ['--padding <hex>', 'padding bytes instead of random ones'],
    ['--mask <bytes>', 'pad as if the key were this many bytes long'],
  ]);
  sub(tr31, 'tr31 unwrap', 'Unwrap and authenticate a key block; prints the header fields, the key and its KCV.', [
    ['--kbpk <hex>', 'key block protection key'],
    ['--block <text>', 'the key block'],
  ]);
};

/** One calculation's subcommand: its options and `--json`; `path` names the calculation (`tr31 wrap`). */
function sub(parent: Command, path: CryptoCalculation, description: string, options: [string, string][]): void {
  const name = path.split(' ').at(-1) ?? path;
  const cmd = parent.command(name).description(description);
  for (const [flag, help] of options) cmd.option(flag, help);
  cmd.option('--json', 'print the result as one JSON object');
  cmd.action(lazyAction(`crypto ${name}`, () => import('../actions/crypto.js'), (m, flags: Flags) => m.runCryptoCalculation(path, flags)));
}
