/**
 * `npm run bench [<suite>…] [-- --json] [-- --quick]` (e.g. `npm run bench
 * startup`): runs every suite in `bench/suites/` (or the named ones) in this
 * one process and prints ops/s and ratios to each peer, or a suite's own
 * table (`startup`: start times and memory of `pos` processes).
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchSuite, SuiteReport } from './harness.js';

const args = process.argv.slice(2);
const json = args.includes('--json');
const quick = args.includes('--quick');
const only = args.filter((a) => !a.startsWith('--'));

const dir = join(dirname(fileURLToPath(import.meta.url)), 'suites');
const files = readdirSync(dir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();

const reports: SuiteReport[] = [];
for (const file of files) {
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { suite?: BenchSuite };
  if (!mod.suite || (only.length > 0 && !only.includes(mod.suite.name))) continue;
  if (!json) process.stdout.write(`\n== ${mod.suite.name} ==\n`);
  const report = await mod.suite.run({ quick });
  reports.push(report);
  if (!json) printReport(report);
}
if (json) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');

function printReport(report: SuiteReport): void {
  if (report.table !== undefined) process.stdout.write(report.table);
  for (const c of report.table === undefined ? report.cases : []) {
    const parts = Object.entries(c.opsPerSec).map(([name, hz]) => `${name} ${hz === null ? 'failed' : fmt(hz)} ops/s`);
    const ratios = Object.entries(c.ratio).map(([name, r]) => `×${r === null ? '—' : r.toFixed(2)} vs ${name}`);
    const extra = c.extra ? Object.entries(c.extra).map(([k, v]) => `${k}=${typeof v === 'number' ? v.toFixed(2) : v}`) : [];
    process.stdout.write(`${c.case.padEnd(40)} ${parts.join(' | ')}${ratios.length ? '  ' + ratios.join(', ') : ''}${extra.length ? '  ' + extra.join(' ') : ''}\n`);
  }
  for (const n of report.notes) process.stdout.write(`  note: ${n}\n`);
}

function fmt(hz: number): string {
  return hz >= 1e6 ? `${(hz / 1e6).toFixed(2)}M` : hz >= 1e3 ? `${(hz / 1e3).toFixed(1)}k` : hz.toFixed(0);
}
