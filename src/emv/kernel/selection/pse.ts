/**
 * Building the candidate list from the Payment System Environment, EMV 4.4
 * Book 1 §12.3.2 (the PSE and its directory, §12.2.2 and §12.2.3):
 *
 *   SELECT '1PAY.SYS.DDF01'       6A81 → the card is blocked: terminate
 *                                 any other failure, or an FCI without a
 *                                 directory SFI (88) → no PSE
 *   READ RECORD 1, 2, … of SFI    until 6A83 (record not found)
 *     70 [61 [4F ADF name][50 label][9F12 preferred name][87 priority]] …
 *
 * Each directory entry (61) whose ADF name the terminal supports (§12.3.1)
 * becomes a candidate, in the order of the directory. A directory record
 * that is not a 70 template, or a READ RECORD answered with another status
 * word, means the directory cannot be trusted: the PSE is abandoned and the
 * caller uses the list of AIDs (§12.3.3), as it does when the PSE is absent
 * or none of its entries matched. An entry without a valid ADF name is
 * skipped. The Issuer Code Table Index for the entries' preferred names is
 * the PSE's (9F11 in its FCI).
 */
import { PosError } from '../../../util/errors.js';
import type { TlvNode } from '../../ber-tlv.js';
import { SW, swHex, type Transmit } from '../apdu.js';
import type { KernelConfig } from '../config.js';
import { readRecord } from '../read-records.js';
import { toCandidate, type Candidate } from './candidate.js';
import { decodeOrUndefined, parseFci, primitiveChild, proprietaryValue, selectByName } from './fci.js';

export const PSE_NAME = Buffer.from('1PAY.SYS.DDF01', 'latin1');
const DIRECTORY_RECORD = '70';
const DIRECTORY_ENTRY = '61';
const MIN_SFI = 1;
const MAX_SFI = 30;
/** READ RECORD's P1 is one byte; record 0 does not exist. */
const LAST_RECORD_NUMBER = 0xff;

/** The PSE's candidates, or undefined when the card has no usable PSE. Throws `EMV_CARD_BLOCKED` on 6A81. */
export async function candidatesFromPse(transmit: Transmit, config: KernelConfig): Promise<Candidate[] | undefined> {
  const selected = await selectByName(transmit, PSE_NAME, 'first');
  if (selected.sw === SW.FUNCTION_NOT_SUPPORTED) {
    throw new PosError('EMV_CARD_BLOCKED', 'The card answered SELECT of the PSE with 6A81', { command: 'SELECT', target: 'PSE', sw: swHex(selected.sw) });
  }
  if (selected.sw !== SW.OK) return undefined;
  const fci = parseFci(selected.data);
  const sfiValue = fci === undefined ? undefined : proprietaryValue(fci, '88');
  if (fci === undefined || sfiValue?.length !== 1) return undefined;
  const sfi = sfiValue[0] as number;
  if (sfi < MIN_SFI || sfi > MAX_SFI) return undefined;
  const issuerCodeTableIndex = proprietaryValue(fci, '9F11');

  const candidates: Candidate[] = [];
  for (let record = 1; record <= LAST_RECORD_NUMBER; record++) {
    const response = await readRecord(transmit, sfi, record);
    if (response.sw === SW.RECORD_NOT_FOUND) break;
    if (response.sw !== SW.OK) return undefined;
    const entries = directoryEntries(response.data);
    if (entries === undefined) return undefined;
    for (const entry of entries) {
      const dfName = primitiveChild(entry, '4F');
      if (dfName === undefined) continue;
      const candidate = toCandidate(
        { dfName, label: primitiveChild(entry, '50'), preferredName: primitiveChild(entry, '9F12'), priorityIndicator: primitiveChild(entry, '87'), issuerCodeTableIndex },
        config,
      );
      if (candidate !== undefined && !candidates.some((c) => c.aid.equals(candidate.aid))) candidates.push(candidate);
    }
  }
  return candidates;
}

/** The children of each 61 entry of a directory record, or undefined when the record is not one 70 template. */
export function directoryEntries(data: Uint8Array): (readonly TlvNode[])[] | undefined {
  const nodes = decodeOrUndefined(data);
  if (nodes === undefined) return undefined;
  const record = nodes[0];
  if (nodes.length !== 1 || record?.tag !== DIRECTORY_RECORD || record.children === undefined) return undefined;
  return record.children.filter((node) => node.tag === DIRECTORY_ENTRY && node.children !== undefined).map((node) => node.children ?? []);
}
