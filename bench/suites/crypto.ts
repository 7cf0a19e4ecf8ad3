/**
 * Payment crypto, host side, side by side with the `dukpt` npm package on the
 * same inputs in one process:
 * - TDES DUKPT: BDK + KSN → PIN key → decrypt an ISO 9564 format 0 block and
 *   read the PIN, over the X9.24-1 2009 A.4 KSNs (initial and rollover);
 * - the same from a known IPEK (a host that keeps IPEKs per device);
 * - AES DUKPT: BDK + KSN → AES-128 PIN key → decrypt format 4 (X9.24-3 2017
 *   supplement KSNs). The peer has no X9.24-3; its "AES" mode is TDES DUKPT
 *   keys used as AES keys, timed for scale and noted as different;
 * - MACs (X9.19 retail, AES-CMAC) for ops/s; the peer has no MAC function.
 * Before timing, each peer's output is checked against the published vectors.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  cmac,
  decryptFormat4,
  decryptPinBlock,
  deriveAesDukptKeys,
  deriveTdesIpek,
  deriveTdesKeyFromBdk,
  TdesDukptHost,
  deriveTdesTransactionKey,
  macX919,
  tdesWorkingKey,
} from '../../src/crypto/index.js';
import { wipe } from '../../src/util/bytes.js';
import { projectRoot } from '../../src/util/project-root.js';
import { compare, type BenchOptions, type BenchSuite, type CaseResult } from '../harness.js';

const require = createRequire(import.meta.url);

interface PeerDukpt {
  dukptDecrypt(data: string, options: { outputEncoding: 'hex' | 'ascii'; decryptionMode?: '3DES' | 'AES'; trimOutput?: boolean }): string;
  dukptEncrypt(data: string, options: { inputEncoding: 'hex' | 'ascii'; outputEncoding: 'hex'; encryptionMode: '3DES' | 'AES' }): string;
}
interface PeerDukptClass {
  new (bdk: string, ksn: string, keyMode?: 'datakey' | 'pinkey' | 'mackey'): PeerDukpt;
  _deriveKeyHex(ipek: string, ksn: string): string;
  _createPINKeyHex(ipek: string, ksn: string): string;
  encryptTDES(key: string, data: string, encrypt: boolean): string;
  _EDE3KeyExpand(key: string): string;
}
const Dukpt = require('dukpt') as PeerDukptClass;

interface TdesVectors {
  bdk: string;
  ipek: string;
  pin: string;
  pan: string;
  clearPinBlock: string;
  macDataAscii: string;
  vectors: { ksn: string; encryptedPinBlock: string; encryptedRequestData?: string }[];
}
interface AesVectors {
  aes128: { bdk: string; pin: string; pan: string; vectors: { ksn: string; encryptedPinBlockFormat4?: string }[] };
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(join(projectRoot(), 'test', 'vectors', name), 'utf8')) as T;
}

/** The peer gives the clear block; reading the PIN out of it is ours to add (XOR the PAN field, take N digits). */
function pinFromClearIso0(clearHex: string, pan: string): string {
  const panField = `0000${pan.slice(0, -1).slice(-12).padStart(12, '0')}`;
  let field = '';
  for (let i = 0; i < 16; i++) field += (parseInt(clearHex[i] ?? '0', 16) ^ parseInt(panField[i] ?? '0', 16)).toString(16);
  const n = parseInt(field[1] ?? '0', 16);
  return field.slice(2, 2 + n);
}

export const suite: BenchSuite = {
  name: 'crypto',
  async run(options: BenchOptions) {
    const tdes = load<TdesVectors>('crypto-dukpt-tdes.json');
    const aes = load<AesVectors>('crypto-dukpt-aes.json');
    const notes: string[] = [];
    const cases: CaseResult[] = [];

    // --- TDES DUKPT: BDK + KSN → PIN → format 0 ----------------------------------
    const bdk = Buffer.from(tdes.bdk, 'hex');
    const rows = tdes.vectors.map((r) => ({ ksnHex: r.ksn, ksn: Buffer.from(r.ksn, 'hex'), epbHex: r.encryptedPinBlock, epb: Buffer.from(r.encryptedPinBlock, 'hex') }));
    const bits = rows.map((r) => r.ksn.readUIntBE(7, 3) & 0x1fffff).map((c) => c.toString(2).replace(/0/g, '').length);
    notes.push(`TDES inputs: the ${rows.length} X9.24-1 A.4 KSNs (counters with ${Math.min(...bits)}–${Math.max(...bits)} one-bits, mean ${(bits.reduce((a, b) => a + b, 0) / bits.length).toFixed(1)}), cycled`);

    const peerWrong = rows.filter((r) => {
      const clear = new Dukpt(tdes.bdk, r.ksnHex, 'pinkey').dukptDecrypt(r.epbHex, { outputEncoding: 'hex' }).toUpperCase();
      return clear !== tdes.clearPinBlock;
    });
    notes.push(
      peerWrong.length === 0
        ? `dukpt (npm): PIN-key decryption matches X9.24-1 A.4 on all ${rows.length} KSNs`
        : `dukpt (npm): PIN-key decryption differs from X9.24-1 A.4 on ${peerWrong.length}/${rows.length} KSNs`,
    );
    const withData = tdes.vectors.filter((r) => r.encryptedRequestData !== undefined);
    const dataWrong = withData.filter((r) => {
      const out = new Dukpt(tdes.bdk, r.ksn, 'datakey').dukptEncrypt(tdes.macDataAscii, { inputEncoding: 'ascii', outputEncoding: 'hex', encryptionMode: '3DES' });
      return out.toUpperCase() !== r.encryptedRequestData;
    });
    notes.push(
      dataWrong.length === 0
        ? `dukpt (npm): 'datakey' encryption matches the published X9.24-1 request-data ciphertexts (${withData.length} KSNs)`
        : `dukpt (npm): 'datakey' encryption differs from the published X9.24-1 request-data ciphertexts on ${dataWrong.length}/${withData.length} KSNs`,
    );

    let i = 0;
    /** Ours: the next row's block decrypted under the PIN key `pinKeyFor` gives for its KSN (wiped after). */
    const ours = (pinKeyFor: (ksn: Buffer) => Buffer) => ({
      name: 'pos-terminal',
      fn: (): string => {
        const r = rows[i++ % rows.length]!;
        const key = pinKeyFor(r.ksn);
        const pin = decryptPinBlock(key, r.epb, 0, tdes.pan);
        wipe(key);
        return pin;
      },
    });
    /** The peer: the PIN read out of the clear block (hex) `clearBlockOf` gives for the next row. */
    const peer = (clearBlockOf: (r: (typeof rows)[number]) => string) => ({
      name: 'dukpt (npm)',
      fn: (): string => pinFromClearIso0(clearBlockOf(rows[i++ % rows.length]!), tdes.pan),
    });
    // The peer derives from the BDK on every call, in both BDK cases below.
    const dukptFromBdk = peer((r) => new Dukpt(tdes.bdk, r.ksnHex, 'pinkey').dukptDecrypt(r.epbHex, { outputEncoding: 'hex' }));
    cases.push(await compare('crypto', 'TDES DUKPT BDK+KSN → PIN (format 0)', ours((ksn) => deriveTdesKeyFromBdk(bdk, ksn, 'pin')), [dukptFromBdk], options));

    // --- the same on a host that keeps its BDK loaded ----------------------------
    // Same work per PIN (IPEK from the BDK, the whole counter chain, the PIN
    // block), with the BDK's two cipher objects made once, as the simulator does.
    const host = new TdesDukptHost(bdk);
    cases.push(await compare('crypto', 'TDES DUKPT BDK held (TdesDukptHost)+KSN → PIN (format 0)', ours((ksn) => host.workingKey(ksn, 'pin')), [dukptFromBdk], options));

    // --- the same from a known IPEK ---------------------------------------------
    const ipek = deriveTdesIpek(bdk, rows[0]!.ksn);
    const fromIpek = (ksn: Buffer): Buffer => {
      const txn = deriveTdesTransactionKey(ipek, ksn);
      const key = tdesWorkingKey(txn, 'pin');
      wipe(txn);
      return key;
    };
    const peerFromIpek = peer((r) => {
      const key = Dukpt._createPINKeyHex(tdes.ipek, r.ksnHex);
      return Buffer.from(Dukpt.encryptTDES(Dukpt._EDE3KeyExpand(key), r.epbHex, false), 'latin1').toString('hex');
    });
    cases.push(await compare('crypto', 'TDES DUKPT IPEK+KSN → PIN (format 0)', ours(fromIpek), [peerFromIpek], options));

    // --- AES DUKPT: BDK + KSN → AES-128 PIN key → format 4 ------------------------
    const aesBdk = Buffer.from(aes.aes128.bdk, 'hex');
    const aesRows = aes.aes128.vectors
      .filter((r) => r.encryptedPinBlockFormat4 !== undefined)
      .map((r) => ({ ksn: Buffer.from(r.ksn, 'hex'), epb: Buffer.from(r.encryptedPinBlockFormat4!, 'hex') }));
    notes.push(
      `AES inputs: the ${aesRows.length} X9.24-3 supplement KSNs with format 4 blocks. dukpt (npm) has no X9.24-3 AES DUKPT: its 'AES' mode AES-CBC-decrypts under a TDES-DUKPT (X9.24-1) key, so its output cannot match the X9.24-3 vectors; it is timed on the X9.24-1 BDK/KSN for scale only`,
    );
    let j = 0;
    cases.push(
      await compare(
        'crypto',
        'AES DUKPT BDK+KSN → PIN (format 4)',
        {
          name: 'pos-terminal',
          fn: () => {
            const r = aesRows[j++ % aesRows.length]!;
            const keys = deriveAesDukptKeys(aesBdk, r.ksn, 'pin', 'aes128');
            const pin = decryptFormat4(keys.derivedKey, r.epb, aes.aes128.pan);
            wipe(keys.initialKey, keys.transactionKey, keys.derivedKey);
            return pin;
          },
        },
        [
          {
            name: 'dukpt (npm) "AES" mode (not X9.24-3)',
            fn: () => {
              const r = rows[j++ % rows.length]!;
              return new Dukpt(tdes.bdk, r.ksnHex, 'pinkey').dukptDecrypt('A912150391AB65A67E52883D81CE2D15', { outputEncoding: 'hex', decryptionMode: 'AES' });
            },
          },
        ],
        options,
      ),
    );

    // --- MACs ----------------------------------------------------------------------
    const macKey = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
    const short = Buffer.from(tdes.macDataAscii, 'latin1');
    const iso8583 = Buffer.alloc(256, 0x5a);
    cases.push(await compare('crypto', 'X9.19 retail MAC, 17 bytes', { name: 'pos-terminal', fn: () => macX919(macKey, short) }, [], options));
    cases.push(await compare('crypto', 'X9.19 retail MAC, 256 bytes', { name: 'pos-terminal', fn: () => macX919(macKey, iso8583) }, [], options));
    cases.push(await compare('crypto', 'AES-CMAC, 256 bytes', { name: 'pos-terminal', fn: () => cmac('aes', macKey, iso8583) }, [], options));
    notes.push(
      'TDES DUKPT cost is bound by node:crypto: every DES step is a new cipher (OpenSSL 3 init ≈ 2–3 µs), 3 + 2×(one-bits) per PIN, while the peer\'s pure-JS DES is ≈ 1.5 µs a step; the gap narrows as counters have more one-bits',
    );
    notes.push('dukpt (npm) has no MAC function (its mackey mode only TDES-CBC-encrypts), so the MAC cases have no peer');
    return { suite: 'crypto', cases, notes };
  },
};
