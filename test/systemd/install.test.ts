/** install.sh: --dry-run lists every action and changes nothing; two installs into a temp root give the same tree. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = 'systemd/install.sh';

/** A built project as install.sh expects it: dist, manifest, unit and rules. */
function fakeSource(): string {
  const src = mkdtempSync(join(tmpdir(), 'pos-src-'));
  mkdirSync(join(src, 'dist/src/cli'), { recursive: true });
  writeFileSync(join(src, 'dist/src/cli/main.js'), '// built\n');
  mkdirSync(join(src, 'dist/pos'));
  writeFileSync(join(src, 'dist/pos/pos.js'), '// bundled\n');
  writeFileSync(join(src, 'package.json'), '{"name":"pos-terminal"}\n');
  mkdirSync(join(src, 'systemd'));
  for (const f of ['pos-terminal.service', '99-pos-terminal.rules', 'notify-exec']) copyFileSync(join('systemd', f), join(src, 'systemd', f));
  return src;
}

function install(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8' });
}

/** Every path under `root` with its type, mode and content hash. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const st = statSync(path);
      const mode = (st.mode & 0o7777).toString(8);
      const rel = relative(root, path);
      if (st.isDirectory()) {
        out.push(`d ${mode} ${rel}`);
        walk(path);
      } else {
        out.push(`f ${mode} ${rel} ${createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16)}`);
      }
    }
  };
  walk(root);
  return out;
}

describe('install.sh', () => {
  it('--dry-run prints every action and changes nothing', () => {
    const root = mkdtempSync(join(tmpdir(), 'pos-root-'));
    const run = install('--dry-run', '--root', root, '--source', fakeSource());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const actions = run.stdout.split('\n').filter((l) => l.startsWith('+ '));
    for (const expected of [
      `install -d -m 0755 ${root}/opt/pos-terminal`,
      `install -d -m 0755 ${root}/etc/pos-terminal`,
      `install -d -m 0700 ${root}/var/lib/pos-terminal`,
      `install -d -m 0700 ${root}/etc/pos-terminal/keys`,
      `cp -R`,
      `${root}/etc/systemd/system/pos-terminal.service`,
      `${root}/etc/udev/rules.d/99-pos-terminal.rules`,
      `write ${root}/etc/pos-terminal/config.json`,
      `write ${root}/etc/pos-terminal/keys/ecr.token (32 random bytes as hex, mode 0600)`,
      `install -m 0755 `,
      `${root}/opt/pos-terminal/bin/notify-exec`,
    ]) {
      expect(actions.some((a) => a.includes(expected))).toBe(true);
    }
    expect(readdirSync(root)).toEqual([]);
  });

  it('--dry-run on the real system also lists the user, packages and systemd steps', () => {
    const run = install('--dry-run', '--source', fakeSource());
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^(\+ useradd --system .*--groups dialout,plugdev pos-terminal|\+ usermod -a -G dialout,plugdev pos-terminal)$/m);
    expect(run.stdout).toContain('-o pos-terminal -g pos-terminal /var/lib/pos-terminal');
    expect(run.stdout).toContain('+ systemctl daemon-reload');
    expect(run.stdout).toContain('+ systemctl enable pos-terminal.service');
    expect(run.stdout).toContain('+ udevadm control --reload-rules');
  });

  it('installs into a temp root with the right modes, and a second run gives the same tree', () => {
    const root = mkdtempSync(join(tmpdir(), 'pos-root-'));
    const source = fakeSource();
    const first = install('--root', root, '--source', source);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const once = tree(root);
    expect(once).toEqual(
      expect.arrayContaining([
        'd 755 opt/pos-terminal',
        'd 700 var/lib/pos-terminal',
        'd 700 etc/pos-terminal/keys',
        expect.stringMatching(/^f 600 etc\/pos-terminal\/keys\/ecr\.token /),
        expect.stringMatching(/^f 755 opt\/pos-terminal\/bin\/notify-exec /),
        expect.stringMatching(/^f 640 etc\/pos-terminal\/config\.json /),
        expect.stringMatching(/^f 644 etc\/systemd\/system\/pos-terminal\.service /),
        expect.stringMatching(/^f 644 etc\/udev\/rules\.d\/99-pos-terminal\.rules /),
        expect.stringMatching(/^f \d+ opt\/pos-terminal\/dist\/src\/cli\/main\.js /),
      ]),
    );
    const token = readFileSync(join(root, 'etc/pos-terminal/keys/ecr.token'), 'utf8');
    expect(token).toMatch(/^[0-9a-f]{64}\n$/);
    // No PAN-hash key and no symmetric advice key: nothing on the device opens card data.
    expect(readdirSync(join(root, 'etc/pos-terminal/keys'))).toEqual(['ecr.token']);
    expect(JSON.parse(readFileSync(join(root, 'etc/pos-terminal/config.json'), 'utf8'))).toMatchObject({ journal: { dir: '/var/lib/pos-terminal' } });

    const second = install('--root', root, '--source', source);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('= keep existing /etc/pos-terminal/keys/ecr.token');
    expect(tree(root)).toEqual(once);
    expect(readFileSync(join(root, 'etc/pos-terminal/keys/ecr.token'), 'utf8')).toBe(token);
  });

  it('refuses an unknown option with exit 2', () => {
    const run = install('--bogus');
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('install.sh: unknown option --bogus\n');
  });
});
