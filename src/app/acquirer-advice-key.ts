/**
 * The acquirer's advice public key (`<keys.dir>/acquirer-advice.pub`, X25519
 * in PEM, SPKI — e.g. `openssl pkey -pubout` of the acquirer's key), needed
 * only with store-and-forward on. Offline advices are sealed to it
 * (`src/host/messages/sealed-advice.ts`); the private half never comes near
 * the terminal. It is not secret, but whoever could replace it would have
 * the next advices sealed to their own key: it must be a regular file of
 * the service user's that nobody else may write (0644 at most).
 *
 * In simulation the terminal is given the bank-host simulator's public key
 * (`src/app/simulation/advice-key.ts`).
 */
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adviceSealingKey, type AdviceSealingKey } from '../host/messages/sealed-advice.js';
import { ACQUIRER_ADVICE_KEY_FILE } from '../txn/advice-card.js';
import { isPosError, PosError } from '../util/errors.js';
import { checkKeyDir, type KeyFileOptions } from './key-files.js';

export { ACQUIRER_ADVICE_KEY_FILE };

/** Checks the folder and the file, then reads the key. `KEY_FILE_*` naming the file, never its content. */
export function loadAcquirerAdviceKey(dir: string, options: KeyFileOptions = {}): AdviceSealingKey {
  checkKeyDir(dir, options);
  const path = join(dir, ACQUIRER_ADVICE_KEY_FILE);
  checkPublicKeyFile(path, options);
  try {
    return adviceSealingKey(readFileSync(path, 'latin1'));
  } catch (err) {
    if (isPosError(err)) throw new PosError(err.code, `Key file ${path}: ${err.message}`, { path, ...err.details }, { cause: err });
    throw new PosError('KEY_FILE_INVALID', `Key file ${path} cannot be read`, { path }, { cause: err });
  }
}

function checkPublicKeyFile(path: string, options: KeyFileOptions): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch (err) {
    const cause = (err as NodeJS.ErrnoException).code ?? 'unknown';
    throw new PosError('KEY_FILE_MISSING', `Key file ${path} does not exist: the acquirer supplies it`, { path, cause });
  }
  if (!stat.isFile()) throw new PosError('KEY_FILE_NOT_REGULAR', `Key file ${path} is not a regular file`, { path });
  const uid = options.uid ?? process.getuid?.() ?? 0;
  if (stat.uid !== uid) throw new PosError('KEY_FILE_OWNER', `Key file ${path} is owned by uid ${stat.uid}, not ${uid}`, { path, uid: stat.uid, expectedUid: uid });
  if ((stat.mode & 0o022) !== 0) {
    const mode = `0${(stat.mode & 0o777).toString(8).padStart(3, '0')}`;
    throw new PosError('KEY_FILE_MODE', `Key file ${path} has mode ${mode}; group and others must not write it`, { path, mode, expected: '0644' });
  }
}
