/**
 * A contact card for tests that records what happens to it, in one ordered
 * log: power events as words (`on`, `reset`, `off`) and each command as
 * `apdu <HEX>`. It answers every command 90 00; a test card that answers
 * otherwise overrides `answer`.
 */
import type { ApduCard } from '../../../hw-mocks/chip-card/apdu-card.js';

const APDU = 'apdu ';

export class RecordingCard implements ApduCard {
  readonly atr: Buffer;
  readonly events: string[] = [];

  constructor(atr: Buffer) {
    this.atr = atr;
  }

  powerOn(): void {
    this.events.push('on');
  }

  reset(): void {
    this.events.push('reset');
  }

  powerOff(): void {
    this.events.push('off');
  }

  transmit(command: Buffer): Buffer | Promise<Buffer> {
    this.events.push(`${APDU}${command.toString('hex').toUpperCase()}`);
    return this.answer(command);
  }

  /** The commands received, in order, as upper-case hex. */
  get commands(): string[] {
    return this.events.filter((e) => e.startsWith(APDU)).map((e) => e.slice(APDU.length));
  }

  /** The power events alone, in order. */
  get powerEvents(): string[] {
    return this.events.filter((e) => !e.startsWith(APDU));
  }

  protected answer(_command: Buffer): Buffer | Promise<Buffer> {
    return Buffer.from('9000', 'hex');
  }
}
