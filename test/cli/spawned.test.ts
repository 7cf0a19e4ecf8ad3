/**
 * The built `pos` as a user runs it, a process: exit codes and the exact bytes
 * on stdout and stderr. What the commands parse and print is tested in-process
 * (test/crypto/cli.test.ts, test/cli/usage.test.ts); these few prove the
 * process ends the same way.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const CLI = 'dist/src/cli/main.js';

function pos(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the built pos, as a process', () => {
  it('a result: its line on stdout, nothing on stderr, exit 0', () => {
    expect(pos('crypto', 'kcv', '--key', '3F419E1CB7079442AA37474C2EFBF8B8')).toEqual({ status: 0, stdout: 'kcv: 57C409\n', stderr: '' });
  });

  it('--json: the document on stdout, exit 0', () => {
    expect(pos('crypto', 'kcv', '--key', '3F419E1CB7079442AA37474C2EFBF8B8', '--alg', 'aes', '--json')).toEqual({ status: 0, stdout: '{\n  "kcv": "08793E25AB"\n}\n', stderr: '' });
  });

  it('bad input: one CODE line on stderr without the key or a stack, nothing on stdout, exit 1', () => {
    const bdk = '0023456789ABCDEFFEDCBA9876543210';
    const r = pos('crypto', 'dukpt', '--bdk', bdk, '--ksn', 'FFFF9876543210E00001');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^CRYPTO_KEY_PARITY: [^\n]*\n$/);
    expect(r.stderr).not.toContain(bdk.slice(0, 16));
  });

  it('a wrong command line: two lines on stderr, nothing on stdout, exit 2', () => {
    expect(pos('bogus', '--flag')).toEqual({ status: 2, stdout: '', stderr: "CLI_USAGE: unknown command 'bogus'\nsee 'pos --help'\n" });
  });
});
