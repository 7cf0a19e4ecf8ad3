/**
 * Final selection, EMV 4.4 Book 1 §12.4:
 *
 * 1. No candidate left → the card and the terminal share no application:
 *    terminate (`EMV_NO_APPLICATION`; `EMV_APPLICATION_BLOCKED` when the
 *    card answered 6283, application blocked, for one of them).
 * 2. A terminal that cannot ask the cardholder drops every candidate whose
 *    priority indicator requires confirmation, and takes the highest
 *    priority of the rest.
 * 3. A terminal that can ask offers the list in priority order when there
 *    is more than one candidate, or asks for confirmation of the only one
 *    when it requires it; a lone candidate that needs none is taken. The
 *    cardholder cancelling ends selection (`EMV_SELECTION_CANCELLED`).
 * 4. Final SELECT of the chosen DF name. 9000 with an FCI whose DF name is
 *    the one selected: done. 6A81: the card is blocked, terminate. Any other
 *    answer (6283 application blocked, 6A82, a malformed FCI…): the
 *    candidate is taken off the list and selection starts again at 1.
 *
 * `remaining` is what is left for a new selection when GET PROCESSING
 * OPTIONS answers 6985 (Book 3 §10.1): the candidates not yet tried.
 */
import { PosError } from '../../../util/errors.js';
import { SW, swHex, type Transmit } from '../apdu.js';
import { inPriorityOrder, type Candidate, type ChooseApplication } from './candidate.js';
import { parseFci, selectByName } from './fci.js';

export interface Selected {
  readonly candidate: Candidate;
  /** The FCI template 6F's value. */
  readonly fci: Buffer;
  readonly remaining: readonly Candidate[];
}

export async function finalSelect(transmit: Transmit, candidates: readonly Candidate[], choose?: ChooseApplication): Promise<Selected> {
  let remaining = inPriorityOrder(candidates).filter((candidate) => choose !== undefined || !candidate.confirmationRequired);
  let blocked = 0;
  for (;;) {
    if (remaining.length === 0 && blocked > 0) throw applicationsBlocked(blocked);
    if (remaining.length === 0) throw new PosError('EMV_NO_APPLICATION', 'No application left that both the card and the terminal support', { candidates: candidates.length });
    const chosen = await pick(remaining, choose);
    remaining = remaining.filter((candidate) => candidate !== chosen);
    const response = await selectByName(transmit, chosen.aid, 'first');
    if (response.sw === SW.FUNCTION_NOT_SUPPORTED) {
      throw new PosError('EMV_CARD_BLOCKED', 'The card answered the final SELECT with 6A81', { command: 'SELECT', target: 'ADF', sw: swHex(response.sw) });
    }
    if (response.sw === SW.SELECTED_FILE_INVALIDATED) blocked++;
    if (response.sw !== SW.OK) continue;
    const fci = parseFci(response.data);
    if (fci?.dfName.equals(chosen.aid) !== true) continue;
    return { candidate: chosen, fci: fci.value, remaining };
  }
}

/** Selection ends: of the applications both sides support, the card blocked `blocked` and no other was left. */
export function applicationsBlocked(blocked: number): PosError {
  return new PosError('EMV_APPLICATION_BLOCKED', 'The applications this terminal supports are blocked on the card', { blocked });
}

async function pick(remaining: readonly Candidate[], choose: ChooseApplication | undefined): Promise<Candidate> {
  const first = remaining[0] as Candidate;
  if (choose === undefined || (remaining.length === 1 && !first.confirmationRequired)) return first;
  const chosen = await choose(remaining);
  if (chosen === undefined) throw new PosError('EMV_SELECTION_CANCELLED', 'The cardholder cancelled application selection', { candidates: remaining.length });
  const listed = remaining.find((candidate) => candidate === chosen) ?? remaining.find((candidate) => candidate.aid.equals(chosen.aid));
  if (listed === undefined) throw new PosError('INTERNAL', 'The application chooser answered with an application it was not offered', { where: 'emv/kernel/selection' });
  return listed;
}
