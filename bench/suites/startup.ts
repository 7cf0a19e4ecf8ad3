/**
 * How fast `pos` starts and how much memory it holds (issue 12 §5), each
 * figure also as a ratio to a bare `node -e 0` measured in the same run, so
 * the numbers carry over to a slower machine (a Pi is 3–5× slower):
 *
 *   node -e 0                  wall time to exit, peak RSS: the floor
 *   pos --help                 wall time to exit, peak RSS
 *   pos run (real devices)     serial reader, PIN pad and display on socat ptys,
 *                              ISO 8583 host on loopback (`pos host-sim`, started
 *                              before any clock), started as the systemd unit
 *                              starts it: time to ready, RSS at ready and after
 *                              2 s idle
 *   pos run (simulated)        no config: virtual devices, in-process host simulator
 *   … (compiled tree)          the same from `dist/src` without the unit's node
 *                              flags, for comparison: what the bundle saves
 *
 * `pos` is the package's `bin`, the bundle (`scripts/bundle.mjs`).
 *
 * "Ready" is the ECR API's `GET /v1/health` answering 200 (`startup/timing.ts`).
 * Each command runs once untimed (disk cache, a simulated terminal's first-start
 * keys), then `ROUNDS` times, the commands interleaved round by round so that a
 * busy spell of the machine falls on all of them alike. Reports median and p90
 * (nearest rank) and the main thread's CPU time (which a busy machine hardly
 * moves, unlike wall time), and checks the targets both as written
 * (milliseconds, megabytes on this machine) and as ratios to `node -e 0`
 * (the target ÷ what `node -e 0` took when the targets were set), which
 * still mean something when other work shares the cores.
 */
import { cpus, loadavg } from 'node:os';
import type { BenchOptions, BenchSuite, CaseResult, SuiteReport } from '../harness.js';
import { POS_CLI, POS_COMPILED, quietEnv, realDeviceTerminal, simulatedDefaultTerminal } from '../startup/setups.js';
import { median, percentile } from '../startup/stats.js';
import { timeToExit, timeToReady, type Launch } from '../startup/timing.js';

const ROUNDS = 10;
const QUICK_ROUNDS = 3;
/** The "after 2 s idle". */
const IDLE_MS = 2_000;
const MB = 1024 * 1024;
const READY_LINE = /^pos-terminal ready: ECR API on (https?:\/\/\S+)$/m;

/** What `node -e 0` took on the machine the targets were set on (issue 12 §5): the targets' own floor. */
const TARGET_FLOOR = { ms: 60, mb: 40 } as const;

interface Target {
  readonly what: 'median ms' | 'idle RSS MB';
  readonly below: number;
}

type Command =
  | { readonly name: string; readonly kind: 'exit'; readonly launch: Launch; readonly targets: readonly Target[] }
  | { readonly name: string; readonly kind: 'ready'; readonly launch: Launch; readonly token: () => string; readonly targets: readonly Target[] };

interface Samples {
  readonly ms: number[];
  readonly cpuMs: number[];
  readonly peakBytes: number[];
  readonly readyRssBytes: number[];
  readonly idleRssBytes: number[];
}

async function once(command: Command, into?: Samples): Promise<void> {
  if (command.kind === 'exit') {
    const run = await timeToExit(command.launch);
    into?.ms.push(run.wallMs);
    into?.cpuMs.push(run.cpuMs);
    into?.peakBytes.push(run.peakBytes);
    return;
  }
  const run = await timeToReady(command.launch, { readyLine: READY_LINE, token: command.token, idleMs: IDLE_MS });
  into?.ms.push(run.readyMs);
  into?.cpuMs.push(run.cpuMs);
  into?.peakBytes.push(run.afterIdle.peakBytes);
  into?.readyRssBytes.push(run.atReady.rssBytes);
  into?.idleRssBytes.push(run.afterIdle.rssBytes);
}

export const suite: BenchSuite = {
  name: 'startup',
  async run(options: BenchOptions): Promise<SuiteReport> {
    const rounds = options.quick ? QUICK_ROUNDS : ROUNDS;
    const load = loadavg()[0] ?? 0;
    const real = await realDeviceTerminal();
    const simulated = simulatedDefaultTerminal();
    try {
      const commands: readonly Command[] = [
        { name: 'node -e 0', kind: 'exit', launch: { args: ['-e', '0'], env: quietEnv() }, targets: [] },
        { name: 'pos --help', kind: 'exit', launch: { args: [POS_CLI, '--help'], env: quietEnv() }, targets: [{ what: 'median ms', below: 150 }] },
        {
          name: 'pos run (real devices)',
          kind: 'ready',
          launch: real.launch,
          token: real.token,
          targets: [
            { what: 'median ms', below: 300 },
            { what: 'idle RSS MB', below: 70 },
          ],
        },
        { name: 'pos run (simulated default)', kind: 'ready', launch: simulated.launch, token: simulated.token, targets: [{ what: 'median ms', below: 500 }] },
        { name: 'pos --help (compiled tree)', kind: 'exit', launch: { args: [POS_COMPILED, '--help'], env: quietEnv() }, targets: [] },
        { name: 'pos run (real devices, compiled tree)', kind: 'ready', launch: real.compiledLaunch, token: real.token, targets: [] },
      ];
      const samples = new Map<string, Samples>(commands.map((c) => [c.name, { ms: [], cpuMs: [], peakBytes: [], readyRssBytes: [], idleRssBytes: [] }]));
      for (const command of commands) await once(command);
      for (let round = 0; round < rounds; round++) {
        for (const command of commands) await once(command, samples.get(command.name));
      }
      return report(commands, samples, rounds, load);
    } finally {
      await real.close();
      await simulated.close();
    }
  },
};

interface Figures {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly cpuMs: number;
  readonly peakMB: number;
  readonly readyRssMB?: number;
  readonly idleRssMB?: number;
}

function figuresOf(s: Samples): Figures {
  return {
    medianMs: median(s.ms),
    p90Ms: percentile(s.ms, 90),
    cpuMs: median(s.cpuMs),
    peakMB: median(s.peakBytes) / MB,
    ...(s.readyRssBytes.length === 0 ? {} : { readyRssMB: median(s.readyRssBytes) / MB, idleRssMB: median(s.idleRssBytes) / MB }),
  };
}

/** Each figure ÷ the same figure of `node -e 0` (memory: ÷ its peak RSS, all it has). */
function ratiosOf(f: Figures, floor: Figures): Record<string, number> {
  const perMB = (mb: number | undefined): number | undefined => (mb === undefined ? undefined : mb / floor.peakMB);
  const ratios: Record<string, number | undefined> = {
    medianMs: f.medianMs / floor.medianMs,
    p90Ms: f.p90Ms / floor.p90Ms,
    cpuMs: f.cpuMs / floor.cpuMs,
    readyRssMB: perMB(f.readyRssMB),
    idleRssMB: perMB(f.idleRssMB),
    peakMB: perMB(f.peakMB),
  };
  return Object.fromEntries(Object.entries(ratios).filter((e): e is [string, number] => e[1] !== undefined));
}

function report(commands: readonly Command[], samples: ReadonlyMap<string, Samples>, rounds: number, load: number): SuiteReport {
  const floorSamples = samples.get(commands[0]?.name ?? '');
  if (floorSamples === undefined) throw new Error('no node -e 0 samples');
  const floor = figuresOf(floorSamples);
  const cases: CaseResult[] = [];
  const notes: string[] = [`${rounds} runs each after one untimed; ${cpus().length} CPUs, load average ${load.toFixed(2)} at the start; node ${process.version}`];
  const rows: string[][] = [['command', 'median ms', 'p90 ms', 'main-thread CPU ms', 'RSS at ready MB', 'RSS idle 2 s MB', 'peak RSS MB']];
  for (const command of commands) {
    const s = samples.get(command.name);
    if (s === undefined) continue;
    const figures = figuresOf(s);
    const ratios = ratiosOf(figures, floor);
    const cell = (key: keyof Figures, digits: number): string => {
      const value = figures[key];
      return value === undefined ? '-' : `${value.toFixed(digits)} (×${(ratios[key] ?? Number.NaN).toFixed(1)})`;
    };
    rows.push([command.name, cell('medianMs', 0), cell('p90Ms', 0), cell('cpuMs', 0), cell('readyRssMB', 1), cell('idleRssMB', 1), cell('peakMB', 1)]);
    cases.push({
      suite: 'startup',
      case: command.name,
      opsPerSec: {},
      ratio: { 'node -e 0': ratios['medianMs'] ?? null },
      extra: { ...figures, ...Object.fromEntries(Object.entries(ratios).map(([k, v]) => [`${k}VsNode`, v])) },
    });
    for (const target of command.targets) notes.push(verdict(command.name, target, figures, ratios));
  }
  return { suite: 'startup', cases, notes, table: formatTable(rows) };
}

/** `pos --help: median ms 160 < 150: NOT met; ×1.7 < ×2.5 of node -e 0: met`. */
function verdict(name: string, target: Target, figures: Figures, ratios: Readonly<Record<string, number>>): string {
  const time = target.what === 'median ms';
  const value = time ? figures.medianMs : figures.idleRssMB;
  const ratio = ratios[time ? 'medianMs' : 'idleRssMB'];
  const ratioTarget = target.below / (time ? TARGET_FLOOR.ms : TARGET_FLOOR.mb);
  const met = (v: number | undefined, below: number): string => (v !== undefined && v < below ? 'met' : 'NOT met');
  return (
    `${name}: ${target.what} ${value?.toFixed(time ? 0 : 1) ?? '?'} < ${target.below}: ${met(value, target.below)}; ` +
    `×${ratio?.toFixed(2) ?? '?'} < ×${ratioTarget.toFixed(2)} of node -e 0: ${met(ratio, ratioTarget)}`
  );
}

function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n') + '\n';
}
