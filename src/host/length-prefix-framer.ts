/** Moved to `channels/length-prefix-framer.ts`; re-exported here for existing imports. */
export * from './channels/length-prefix-framer.js';
