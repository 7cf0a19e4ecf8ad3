import { defineConfig } from 'vitest/config';
import { includePattern, TIERS, type TierName } from './test/tiers/tiers.js';

/** What each tier adds to the shared options (test/tiers/tiers.ts says what the tiers are). */
const TIER_SETUP: Record<TierName, { setupFiles?: string[]; globalSetup?: string[] }> = {
  unit: { setupFiles: ['test/tiers/unit-setup.ts'] },
  // pcscd.ts: pcscd running for the tests that put virtual cards into it through vpcd.
  wire: { setupFiles: ['test/tiers/wire-setup.ts'], globalSetup: ['test/tiers/pcscd.ts'] },
  system: { globalSetup: ['test/tiers/fresh-dist.ts', 'test/tiers/pcscd.ts'] },
};

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores: keep integration tests with real processes from starving each other.
    maxWorkers: 2,
    projects: TIERS.map((tier) => ({
      extends: true,
      test: { name: tier.name, include: tier.members.map(includePattern), ...TIER_SETUP[tier.name] },
    })),
  },
});
