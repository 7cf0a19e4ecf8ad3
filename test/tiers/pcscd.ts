/**
 * pcscd for the tiers that plug virtual cards into it through vpcd (wire and
 * system; vitest.config.ts): if it is not running, it is started here for the
 * run — as root (CI, `.ci/run`, a container without systemd) — and stopped at
 * the end; a developer's machine normally has it from systemd's socket. When
 * it can be neither found nor started, the tests that need it learn why
 * through `inject('pcscd')` and fail under CI=true, skip elsewhere
 * (`test/drivers/pcsc/pcscd-harness.ts`).
 */
import type { TestProject } from 'vitest/node';
import { ensurePcscd } from '../../hw-mocks/vpcd/pcscd-daemon.js';

/** What the tests learn of pcscd: there, or why not. */
export interface PcscdForTests {
  readonly available: boolean;
  readonly reason?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pcscd: PcscdForTests;
  }
}

export default async function startPcscd(project: TestProject): Promise<() => Promise<void>> {
  const pcscd = await ensurePcscd();
  project.provide('pcscd', pcscd.status === 'running' ? { available: true } : { available: false, reason: pcscd.reason });
  return async () => {
    if (pcscd.status === 'running' && pcscd.started) await pcscd.stop();
  };
}
