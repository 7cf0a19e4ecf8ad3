/**
 * Reconnect backoff: exponential, capped, with "full jitter" (the delay is
 * drawn uniformly between half and all of the capped exponential step), so a
 * fleet of terminals that lost the host together does not return together.
 *
 *   step(n) = min(maxMs, initialMs × factor^n);  delay(n) = step(n) × (1 − jitter × r),  r ∈ [0, 1)
 *
 * Pure: the random source is passed in.
 */
export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** Growth per attempt; default 2. */
  readonly factor?: number;
  /** Share of the step that is random, 0–1; default 0.5. */
  readonly jitter?: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5 };

/** The delay before reconnect attempt `attempt` (0 for the first retry). */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, random: () => number = Math.random): number {
  const factor = policy.factor ?? 2;
  const jitter = Math.min(Math.max(policy.jitter ?? 0.5, 0), 1);
  const step = Math.min(policy.maxMs, policy.initialMs * factor ** Math.max(0, attempt));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(step * (1 - jitter * r));
}
