/** `npm run crash-test -- [--transactions N] [--kills K] [--seed S] [--json] [--log-level L] [--keep] [--max-seconds T]` */
export interface CrashArgs {
  readonly transactions: number;
  readonly kills: number;
  readonly seed: number;
  readonly json: boolean;
  readonly keep: boolean;
  readonly logLevel: string;
  readonly maxSeconds: number;
}

export const USAGE = 'usage: crash-test [--transactions N (300)] [--kills K (30)] [--seed S (random)] [--json] [--log-level L (info)] [--keep] [--max-seconds T (900)]';

export function parseCrashArgs(argv: readonly string[], randomSeed: () => number): CrashArgs {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--json' || arg === '--keep') flags.add(arg);
    else if (['--transactions', '--kills', '--seed', '--log-level', '--max-seconds'].includes(arg) && argv[i + 1] !== undefined) values.set(arg, argv[++i] ?? '');
    else throw new Error(`unknown or incomplete argument ${arg}\n${USAGE}`);
  }
  const int = (name: string, fallback: number, min: number): number => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(text) || Number(text) < min) throw new Error(`${name} must be a whole number ≥ ${min}\n${USAGE}`);
    return Number(text);
  };
  return {
    transactions: int('--transactions', 300, 1),
    kills: int('--kills', 30, 0),
    seed: int('--seed', randomSeed(), 0),
    json: flags.has('--json'),
    keep: flags.has('--keep'),
    logLevel: values.get('--log-level') ?? 'info',
    maxSeconds: int('--max-seconds', 900, 1),
  };
}
