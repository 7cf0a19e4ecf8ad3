/**
 * Everything an attacker would want from the test deck and the simulation's
 * keys, in every spelling it could be written: ASCII, hex (both cases) and
 * packed BCD. `scanForSecrets` searches bytes for any of them and names where.
 */
import { readFileSync } from 'node:fs';
import { encodePinBlock } from '../../src/crypto/pin-block/iso-0-1-3.js';
import { loadDeck } from '../../hw-mocks/cards/deck.js';
import { loadSimulationKeys } from '../../hw-mocks/keys/simulation-keys.js';

export interface Secret {
  readonly what: string;
  readonly bytes: Buffer;
}

/** Digits (and `=` as the BCD field separator D) packed two to a byte, as binary ISO 8583 layouts carry them. */
function packedBcd(text: string): Buffer | null {
  const nibbles = text.replace('=', 'D');
  if (!/^[0-9D]+$/.test(nibbles)) return null;
  return Buffer.from(nibbles.length % 2 ? nibbles + 'F' : nibbles, 'hex');
}

function spellings(what: string, text: string): Secret[] {
  const ascii = Buffer.from(text, 'latin1');
  const out: Secret[] = [
    { what: `${what} (ASCII)`, bytes: ascii },
    { what: `${what} (hex)`, bytes: Buffer.from(ascii.toString('hex'), 'latin1') },
    { what: `${what} (HEX)`, bytes: Buffer.from(ascii.toString('hex').toUpperCase(), 'latin1') },
  ];
  const bcd = packedBcd(text);
  if (bcd) out.push({ what: `${what} (BCD)`, bytes: bcd });
  return out;
}

function binarySpellings(what: string, bytes: Buffer): Secret[] {
  return [
    { what: `${what} (raw)`, bytes },
    { what: `${what} (hex)`, bytes: Buffer.from(bytes.toString('hex'), 'latin1') },
    { what: `${what} (HEX)`, bytes: Buffer.from(bytes.toString('hex').toUpperCase(), 'latin1') },
  ];
}

export function cardSecrets(): Secret[] {
  const deck = loadDeck();
  const keys = loadSimulationKeys();
  const secrets: Secret[] = [];
  for (const card of deck.cards) {
    const track2 = `${card.pan}=${card.expiry}${card.serviceCode}${card.discretionary}`;
    secrets.push(...spellings(`${card.id} PAN`, card.pan), ...spellings(`${card.id} track 2`, track2));
    // The clear ISO 9564 format 0 PIN block, as a PIN pad would form it before encryption.
    const clearBlock = encodePinBlock({ format: 0, pin: card.pin, pan: card.pan });
    secrets.push(...binarySpellings(`${card.id} clear PIN block`, clearBlock));
    const imk = keys.issuerMasterKey(card.id);
    if (imk) secrets.push(...binarySpellings(`${card.id} issuer master key`, imk));
  }
  for (const [name, key] of [
    ['terminal MAC key', keys.tak],
    ['key-encryption key', keys.kek],
    ['TDES BDK', keys.tdesBdk],
    ['AES BDK', keys.aesBdk],
    ['TDES KBPK', keys.tdesKbpk],
  ] as const) {
    secrets.push(...binarySpellings(name, key));
  }
  return secrets;
}

/** Every hit as `what in where at offset N`; empty when the bytes are clean. */
export function scanForSecrets(sources: Readonly<Record<string, Buffer>>, secrets: readonly Secret[] = cardSecrets()): string[] {
  const hits: string[] = [];
  for (const secret of secrets) {
    for (const [where, bytes] of Object.entries(sources)) {
      const at = bytes.indexOf(secret.bytes);
      if (at >= 0) hits.push(`${secret.what} in ${where} at offset ${at}`);
    }
  }
  return hits;
}

export function readAll(paths: readonly string[]): Record<string, Buffer> {
  return Object.fromEntries(paths.map((p) => [p, readFileSync(p)]));
}
