/** The udev rules: every line parses as udev rule syntax, and each device gets its stable name, group and mode. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const RULES = 'systemd/99-pos-terminal.rules';

interface Pair {
  readonly key: string;
  readonly attr: string | null;
  readonly op: string;
  readonly value: string;
}

const MATCH_KEYS = new Set(['ACTION', 'SUBSYSTEM', 'SUBSYSTEMS', 'KERNEL', 'KERNELS', 'ATTRS', 'ATTR', 'ENV', 'DRIVERS']);
const ASSIGN_KEYS = new Set(['SYMLINK', 'GROUP', 'MODE', 'OWNER', 'ENV', 'TAG']);

/** udev(7): comma-separated `KEY[{attr}]OP"value"`; match ops == and !=, assignment ops = += -= :=. */
function parseRule(line: string): Pair[] {
  const pairs: Pair[] = [];
  const re = /\s*([A-Z_]+)(?:\{([^}]+)\})?\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)/y;
  let at = 0;
  while (at < line.length) {
    re.lastIndex = at;
    const m = re.exec(line);
    if (!m) throw new Error(`not udev syntax at column ${at}: ${line}`);
    pairs.push({ key: m[1]!, attr: m[2] ?? null, op: m[3]!, value: m[4]! });
    at = re.lastIndex;
    if (m[5] === '') break;
  }
  for (const p of pairs) {
    const isMatch = p.op === '==' || p.op === '!=';
    if (!(isMatch ? MATCH_KEYS : ASSIGN_KEYS).has(p.key)) throw new Error(`${p.key}${p.op} is not a ${isMatch ? 'match' : 'assignment'} key`);
  }
  return pairs;
}

const lines = readFileSync(RULES, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
const rules = lines.map(parseRule);
const get = (rule: Pair[], key: string, attr: string | null = null) => rule.find((p) => p.key === key && p.attr === attr)?.value;

describe('99-pos-terminal.rules', () => {
  it('parses, and the parser rejects what udev would', () => {
    expect(rules.length).toBe(6);
    expect(() => parseRule('SUBSYSTEM=="tty", ATTRS{idVendor}="0403"')).toThrow(/assignment key/);
    expect(() => parseRule('SUBSYSTEM=="tty" SYMLINK+="x"')).toThrow(/not udev syntax/);
  });

  it('gives every device a stable name, its group and mode 0660, keyed by a 4-digit hex vendor', () => {
    for (const rule of rules) {
      expect(get(rule, 'ATTRS', 'idVendor')).toMatch(/^[0-9a-f]{4}$/);
      expect(['pos-reader', 'pos-pinpad', 'pos-display']).toContain(get(rule, 'SYMLINK'));
      expect(get(rule, 'MODE')).toBe('0660');
      expect(get(rule, 'GROUP')).toBe(get(rule, 'SUBSYSTEM') === 'hidraw' ? 'plugdev' : 'dialout');
    }
  });

  it.each([
    ['0801', null, 'hidraw', 'pos-reader'],
    ['1d5f', null, 'hidraw', 'pos-reader'],
    ['1d5f', null, 'tty', 'pos-reader'],
    ['11ca', null, 'tty', 'pos-pinpad'],
    ['0403', '6001', 'tty', 'pos-display'],
    ['067b', '2303', 'tty', 'pos-display'],
  ])('names %s:%s on %s as /dev/%s', (vendor, product, subsystem, name) => {
    const rule = rules.find((r) => get(r, 'ATTRS', 'idVendor') === vendor && get(r, 'SUBSYSTEM') === subsystem);
    expect(rule).toBeDefined();
    expect(get(rule!, 'ATTRS', 'idProduct')).toBe(product ?? undefined);
    expect(get(rule!, 'SYMLINK')).toBe(name);
  });

  const haveVerify = spawnSync('udevadm', ['verify', '--help']).status === 0;
  it.skipIf(!haveVerify)('passes udevadm verify', () => {
    const result = spawnSync('udevadm', ['verify', RULES], { encoding: 'utf8' });
    expect(result.status).toBe(0);
  });
});
