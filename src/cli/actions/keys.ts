/**
 * What `pos keys init [--json]` does: provisions every key file the
 * configuration needs (`requiredKeyFiles` in `src/app/key-files.ts`, the
 * list the terminal checks at start), idempotently. Device keys and the ECR API's token are made when
 * absent (32 random bytes as hex, 0600); files already there are checked and
 * kept, never overwritten. Keys only the acquirer can supply (`tak.tr31`,
 * `kbpk.key`, …) are never invented: they are listed as missing and the
 * command ends `KEY_FILE_MISSING`, exit 2.
 *
 * Run as root on a key folder that belongs to the service user (as
 * `install.sh` makes it), new files are given to that user.
 */
import { statSync } from 'node:fs';
import { keyFolderOf, provisionKeyFiles, type ProvisionedKeyFile, type ProvisionOptions } from '../../app/key-files.js';
import { stateDirFor } from '../../app/state-dir.js';
import { loadConfig } from '../../config/load.js';
import { PosError } from '../../util/errors.js';
import { printJson } from '../errors.js';

export interface KeysInitOptions {
  readonly json?: boolean;
}

export function runKeysInit(opts: KeysInitOptions, configPath: string | undefined): void {
  const { config, path } = loadConfig({ path: configPath });
  const stateDir = stateDirFor(config, path);
  const files = provisionKeyFiles(config, stateDir, ownerOptions(keyFolderOf(config, stateDir)));
  if (opts.json) printJson({ files: files.map(({ name, path: file, origin, purpose, outcome }) => ({ name, path: file, origin, purpose, outcome })) });
  else process.stdout.write(formatProvisioning(files));
  const missing = files.filter((f) => f.outcome === 'missing');
  if (missing.length > 0) {
    throw new PosError('KEY_FILE_MISSING', `${missing.map((f) => f.name).join(' and ')} must come from the acquirer; pos keys init cannot make ${missing.length === 1 ? 'it' : 'them'}`, {
      paths: missing.map((f) => f.path),
    });
  }
}

/** As root, files go to the owner of an existing key folder (the service user); otherwise to us. */
function ownerOptions(keyFolder: string): ProvisionOptions {
  if (process.getuid?.() !== 0) return {};
  try {
    const stat = statSync(keyFolder);
    return { uid: stat.uid, owner: { uid: stat.uid, gid: stat.gid } };
  } catch {
    return {};
  }
}

function formatProvisioning(files: readonly ProvisionedKeyFile[]): string {
  const width = Math.max(...files.map((f) => f.path.length));
  return files.map((f) => `${f.outcome.padEnd(7)}  ${f.path.padEnd(width)}  ${f.purpose}${f.outcome === 'missing' ? ' (from the acquirer)' : ''}`).join('\n') + '\n';
}
