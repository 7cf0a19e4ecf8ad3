/**
 * A contact card as a reader sees it (ISO/IEC 7816-3 and -4): it is powered
 * on (answering with its ATR), takes command APDUs and answers each with a
 * response APDU, and is reset or powered off. The virtual chip cards
 * implement it; the vpcd bridge puts one into the real pcscd, and tests can
 * call it in process.
 */
export interface ApduCard {
  /** The Answer To Reset the card gives at power on and reset. */
  readonly atr: Buffer;
  /** Power on (cold reset): the card starts a new session and forgets any transaction state. */
  powerOn(): void;
  /** Warm reset: as power on. */
  reset(): void;
  /** Power off: the card forgets its session (keys, pending GENERATE AC). */
  powerOff(): void;
  /** One command APDU → its whole response APDU (data ‖ SW1 SW2). */
  transmit(command: Buffer): Buffer | Promise<Buffer>;
}
