/**
 * Issuer master keys for the virtual chip cards: from hw-mocks/keys/keys.json
 * (`issuerMasterKeys[deck id]`, loaded by `hw-mocks/keys/simulation-keys.ts`) — the same
 * keys the bank-host simulator verifies ARQCs with.
 */
import { loadSimulationKeys, type SimulationKeys } from '../keys/simulation-keys.js';
import { PosError } from '../../src/util/errors.js';

let cached: SimulationKeys | undefined;

/** The issuer master key of a deck card (a copy the caller may wipe). Throws `CONFIG_INVALID` when the keys file has none for it. */
export function issuerMasterKeyFor(cardId: string, keys: SimulationKeys = (cached ??= loadSimulationKeys())): Buffer {
  const imk = keys.issuerMasterKey(cardId);
  if (imk === undefined) throw new PosError('CONFIG_INVALID', `No issuer master key for deck card ${cardId}`, { fields: [`issuerMasterKeys.${cardId}`], reason: 'missing' });
  return Buffer.from(imk);
}
