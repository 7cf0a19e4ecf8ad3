/**
 * Building the candidate list from the terminal's list of AIDs, EMV 4.4
 * Book 1 §12.3.3. For each AID the terminal supports, in its order:
 *
 *   SELECT AID (P2 00)           6A81 → card blocked or SELECT not
 *                                supported: terminate
 *                                not 9000 / 6283, or no valid FCI → next AID
 *   DF name = AID                9000 → candidate; 6283 (blocked) → not;
 *                                then the next AID
 *   DF name = AID ‖ more         9000 and partial selection allowed → candidate;
 *                                6283 → not; then SELECT AID again with
 *                                P2 02 (next occurrence), and so on
 *   any other DF name            the card answered for another application:
 *                                next AID
 *
 * A candidate keeps the terminal entry its DF name matches best (§12.3.1:
 * exact before partial, then the longest AID), whichever AID found it.
 * A longer DF name is followed by a next-occurrence SELECT whether or not
 * the AID allows partial selection: the application matching the AID
 * exactly may be a later occurrence. A card that repeats a DF name it
 * already gave for this AID has no further occurrences; the walk stops
 * there, so a card cannot keep the terminal selecting forever.
 */
import { PosError } from '../../../util/errors.js';
import { SW, swHex, type Transmit } from '../apdu.js';
import type { AidConfig, KernelConfig } from '../config.js';
import { toCandidate, type Candidate } from './candidate.js';
import { parseFci, proprietaryValue, selectByName, type Occurrence } from './fci.js';

/** At most this many occurrences of one AID are looked at (a card has a handful). */
const MAX_OCCURRENCES = 32;

/** `onBlocked` hears of each application the card answered 6283 (blocked) for: it is not a candidate. */
export async function candidatesFromAidList(transmit: Transmit, config: KernelConfig, onBlocked: () => void = () => undefined): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  for (const terminalAid of config.aids) {
    for (const candidate of await occurrencesOf(transmit, terminalAid, config, onBlocked)) {
      if (!candidates.some((c) => c.aid.equals(candidate.aid))) candidates.push(candidate);
    }
  }
  return candidates;
}

async function occurrencesOf(transmit: Transmit, terminalAid: AidConfig, config: KernelConfig, onBlocked: () => void): Promise<Candidate[]> {
  const found: Candidate[] = [];
  const seen = new Set<string>();
  let occurrence: Occurrence = 'first';
  for (let attempt = 0; attempt < MAX_OCCURRENCES; attempt++) {
    const response = await selectByName(transmit, terminalAid.aid, occurrence);
    if (response.sw === SW.FUNCTION_NOT_SUPPORTED) {
      throw new PosError('EMV_CARD_BLOCKED', 'The card answered SELECT of an AID with 6A81', { command: 'SELECT', target: 'AID', sw: swHex(response.sw) });
    }
    if (response.sw !== SW.OK && response.sw !== SW.SELECTED_FILE_INVALIDATED) break;
    const fci = parseFci(response.data);
    if (fci === undefined) break;
    const blocked = response.sw === SW.SELECTED_FILE_INVALIDATED;
    if (blocked) onBlocked();
    const { dfName } = fci;
    const candidate = (): Candidate | undefined =>
      toCandidate(
        {
          dfName,
          label: proprietaryValue(fci, '50'),
          preferredName: proprietaryValue(fci, '9F12'),
          priorityIndicator: proprietaryValue(fci, '87'),
          issuerCodeTableIndex: proprietaryValue(fci, '9F11'),
        },
        config,
      );

    if (dfName.equals(terminalAid.aid)) {
      const exact = blocked ? undefined : candidate();
      if (exact !== undefined) found.push(exact);
      break;
    }
    const longer = dfName.length > terminalAid.aid.length && dfName.subarray(0, terminalAid.aid.length).equals(terminalAid.aid);
    if (!longer || seen.has(dfName.toString('hex'))) break;
    seen.add(dfName.toString('hex'));
    if (!blocked && terminalAid.partialSelection) {
      const partial = candidate();
      if (partial !== undefined) found.push(partial);
    }
    occurrence = 'next';
  }
  return found;
}
