/**
 * The virtual cardholder's side of a PC/SC reader: deck cards personalised
 * from a chip profile (`hw-mocks/chip-card/profiles/`), certified by the
 * simulation's CAs, and put into the real pcscd through vpcd, so the
 * terminal reads them exactly as cards in a USB CCID reader.
 *
 * The simulation CAs are made once per process, one per scheme RID the
 * profiles use; their public keys reach the terminal's kernel only in
 * simulation, never a configured CAPK set.
 */
import { buildChipCard, cardProfileNames, deckChipProfile, makeSimulationCa, type SimulationCa } from '../../../hw-mocks/chip-card/index.js';
import type { ApduCard } from '../../../hw-mocks/chip-card/apdu-card.js';
import { declinesAtSecondAc, pulledAtSecondAc, unreadableChip } from '../../../hw-mocks/chip-card/card-faults.js';
import type { DeckCard } from '../../../hw-mocks/cards/deck.js';
import { insertIntoVpcd, type VpcdInsertion } from '../../../hw-mocks/vpcd/vpcd-card.js';
import type { Capk } from '../../emv/kernel/config.js';
import type { Logger } from '../../log/logger.js';
import { PosError } from '../../util/errors.js';

/** Card-side faults a contact card can have. */
export type ContactFault = 'chip-failure' | 'decline-after-approval' | 'card-pulled';

export interface ContactInsert {
  /** The chip profile; default the deck card's brand profile. */
  readonly profile?: string;
  readonly fault?: ContactFault;
}

/** CA public key index of the simulation CAs: unused by the shipped lab set under either RID. */
const SIMULATION_CAPK_INDEX = 0xf8;
const SIMULATION_CA_BITS = 1152;
const SCHEME_RIDS = ['A000000003', 'A000000004'] as const;
/** How long the cardholder holds an inserted card before letting go, if the terminal does not take it: it stays seated for the next read. */
const TAKEN_WAIT_MS = 10_000;

/** pcscd polls vpcd every 400 ms: how long a pulled card may still show. */
const REMOVAL_SEEN_MS = 2_000;

let cas: readonly SimulationCa[] | undefined;

/** The simulation CAs: made on first use (RSA key generation is the slow part). */
export function simulationCas(): readonly SimulationCa[] {
  return (cas ??= SCHEME_RIDS.map((rid) => makeSimulationCa({ rid: Buffer.from(rid, 'hex'), index: SIMULATION_CAPK_INDEX, modulusBits: SIMULATION_CA_BITS })));
}

/** The terminal's CAPK entries for the simulation CAs. */
export function simulationCapks(): readonly Capk[] {
  return simulationCas().map((ca) => ca.capk);
}

export class ContactSlotTwin {
  readonly #port: number;
  readonly #logger: Logger;
  readonly #readerSeesCard: () => boolean;
  #inserted: VpcdInsertion | undefined;

  /** `readerSeesCard`: whether pcscd still shows a card in the slot (it polls vpcd, so a card pulled shows for up to 400 ms). */
  constructor(options: { readonly port: number; readonly logger: Logger; readonly readerSeesCard: () => boolean }) {
    this.#port = options.port;
    this.#logger = options.logger;
    this.#readerSeesCard = options.readerSeesCard;
  }

  /**
   * Inserts `card`'s chip; resolves once the terminal has sent it a command
   * (it took the card), or after a while with the card left seated.
   * Throws `ECR_BAD_REQUEST` for an unknown profile.
   */
  async insert(card: DeckCard, options: ContactInsert = {}): Promise<void> {
    const profile = options.profile ?? deckChipProfile(card);
    if (!cardProfileNames().includes(profile)) {
      throw new PosError('ECR_BAD_REQUEST', `profile: no chip profile "${profile}"`, { fields: ['profile'], problems: ['no such chip profile'] });
    }
    await this.remove();
    // A card put back before pcscd saw the last one go would look, to pcscd, like the same card never removed.
    await waitFor(() => !this.#readerSeesCard(), REMOVAL_SEEN_MS);
    const chip = buildChipCard({ profile, card, ca: simulationCas() });
    const inserted = await insertIntoVpcd(this.#withFault(chip, options.fault), { port: this.#port, logger: this.#logger });
    this.#inserted = inserted;
    let gone = false;
    void inserted.closed.then(() => (gone = true));
    await waitFor(() => inserted.commands() > 0 || gone, TAKEN_WAIT_MS);
  }

  /** Takes the card out, if one is in. */
  async remove(): Promise<void> {
    const inserted = this.#inserted;
    this.#inserted = undefined;
    await inserted?.remove();
  }

  #withFault(chip: ApduCard, fault: ContactFault | undefined): ApduCard {
    switch (fault) {
      case undefined:
        return chip;
      case 'chip-failure':
        return unreadableChip(chip.atr);
      case 'decline-after-approval':
        return declinesAtSecondAc(chip);
      case 'card-pulled':
        return pulledAtSecondAc(chip, () => void this.remove());
    }
  }
}

/** Resolves when `condition` holds, or after `timeoutMs` regardless. */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}
