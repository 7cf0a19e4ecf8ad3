/** Key files at rest on a real filesystem: type, owner and mode checks, hex parsing, wiping. */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkKeyFile, KeyRing, loadKeyFile } from '../../src/app/key-files.js';
import { thrown } from '../pos-error.js';

const HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
/** Any device key file; these tests are about the checks, not which key. */
const DEVICE_KEY_FILE = 'device.key';
const uid = process.getuid!();

function keyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pos-keys-'));
  chmodSync(dir, 0o700);
  return dir;
}

function keyFile(dir: string, content = `${HEX}\n`, mode = 0o600, name = DEVICE_KEY_FILE): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return path;
}

describe('key files', () => {
  it('loads a 0600 hex key file owned by the service user', () => {
    const key = loadKeyFile(keyFile(keyDir()));
    expect(key.reveal().toString('hex')).toBe(HEX);
    expect(String(key)).toBe('[key 32B]');
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o700])('refuses mode %o with KEY_FILE_MODE naming the file, never the key', (mode) => {
    const path = keyFile(keyDir(), HEX, mode);
    const error = thrown(() => loadKeyFile(path));
    expect(error.code).toBe('KEY_FILE_MODE');
    expect(error.details).toEqual({ path, mode: `0${mode.toString(8)}`, expected: '0600' });
    expect(JSON.stringify(error.toJSON()) + error.message).not.toContain(HEX.slice(0, 8));
  });

  it('refuses a file owned by another user with KEY_FILE_OWNER', () => {
    const path = keyFile(keyDir());
    if (uid === 0) {
      chownSync(path, 4242, 4242);
      expect(thrown(() => checkKeyFile(path)).details).toEqual({ path, uid: 4242, expectedUid: 0 });
    } else {
      // Not root: we cannot give the file away, so ask for a different service user instead.
      expect(thrown(() => checkKeyFile(path, { uid: uid + 1 })).details).toEqual({ path, uid, expectedUid: uid + 1 });
    }
    expect(thrown(() => checkKeyFile(path, { uid: 4243 })).code).toBe('KEY_FILE_OWNER');
  });

  it('refuses a missing file, a symlink and a folder', () => {
    const dir = keyDir();
    const target = keyFile(dir);
    symlinkSync(target, join(dir, 'link.key'));
    mkdirSync(join(dir, 'folder.key'));
    expect(thrown(() => loadKeyFile(join(dir, 'nope.key'))).code).toBe('KEY_FILE_MISSING');
    expect(thrown(() => loadKeyFile(join(dir, 'link.key'))).code).toBe('KEY_FILE_NOT_REGULAR');
    expect(thrown(() => loadKeyFile(join(dir, 'folder.key'))).code).toBe('KEY_FILE_NOT_REGULAR');
  });

  it.each([
    ['not hex', 'zz'.repeat(32), {}],
    ['an odd number of digits', `${HEX}0`, {}],
    ['a length no cipher uses', 'ab'.repeat(20), { lengthBytes: 20 }],
  ])('refuses a key that is %s with KEY_FILE_INVALID', (_name, content, extra) => {
    const path = keyFile(keyDir(), content);
    const error = thrown(() => loadKeyFile(path));
    expect(error.code).toBe('KEY_FILE_INVALID');
    expect(error.details).toEqual({ path, ...extra });
  });
});

describe('key ring', () => {
  it('checks the folder: mode 0700 and owner', () => {
    const dir = keyDir();
    keyFile(dir);
    chmodSync(dir, 0o750);
    const error = thrown(() => KeyRing.load(dir, [DEVICE_KEY_FILE]));
    expect(error.code).toBe('KEY_FILE_MODE');
    expect(error.details).toEqual({ path: dir, mode: '0750', expected: '0700' });
    expect(thrown(() => KeyRing.load(dir, [DEVICE_KEY_FILE], { uid: uid + 1 })).code).toBe('KEY_FILE_OWNER');
  });

  it('zeroes every loaded key on wipe', () => {
    const dir = keyDir();
    keyFile(dir);
    keyFile(dir, 'ab'.repeat(16), 0o400, 'other.key');
    const ring = KeyRing.load(dir, [DEVICE_KEY_FILE, 'other.key']);
    const views = [ring.get(DEVICE_KEY_FILE).reveal(), ring.get('other.key').reveal()];
    ring.wipe();
    for (const view of views) expect(view.every((b) => b === 0)).toBe(true);
    expect(ring.get('other.key').wiped).toBe(true);
  });

  it('loads all or nothing', () => {
    const dir = keyDir();
    keyFile(dir);
    expect(thrown(() => KeyRing.load(dir, [DEVICE_KEY_FILE, 'missing.key'])).details).toEqual({ path: join(dir, 'missing.key') });
  });
});
