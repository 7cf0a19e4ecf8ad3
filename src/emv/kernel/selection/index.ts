/**
 * Application selection, EMV 4.4 Book 1 §12: the candidate list (§12.3) —
 * from the Payment System Environment's directory when the card has one
 * with a matching entry (§12.3.2, `pse.ts`), else from the terminal's list
 * of AIDs with partial selection and next-occurrence SELECT (§12.3.3,
 * `aid-list.ts`) — then final selection (§12.4, `final-select.ts`).
 * Matching, priorities and display names: `candidate.ts`; the FCI and the
 * SELECT command: `fci.ts`.
 */
import type { Transmit } from '../apdu.js';
import type { KernelConfig } from '../config.js';
import { candidatesFromAidList } from './aid-list.js';
import type { Candidate } from './candidate.js';
import { applicationsBlocked } from './final-select.js';
import { candidatesFromPse } from './pse.js';

export type { Candidate, ChooseApplication } from './candidate.js';
export { applicationsBlocked, finalSelect, type Selected } from './final-select.js';

/**
 * The applications both the card and the terminal support, in the order
 * the card gave them (final selection orders them by priority). 6A81 to a
 * SELECT terminates (`EMV_CARD_BLOCKED`); blocked applications (6283) are
 * left out, and when nothing else is left, selection ends with
 * `EMV_APPLICATION_BLOCKED` (the card answered, so no fallback applies).
 */
export async function buildCandidateList(transmit: Transmit, config: KernelConfig): Promise<Candidate[]> {
  const fromPse = await candidatesFromPse(transmit, config);
  if (fromPse !== undefined && fromPse.length > 0) return fromPse;
  let blocked = 0;
  const candidates = await candidatesFromAidList(transmit, config, () => blocked++);
  if (candidates.length === 0 && blocked > 0) throw applicationsBlocked(blocked);
  return candidates;
}
