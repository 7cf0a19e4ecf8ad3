/** Waiting for a PC/SC slot's state in tests, over the fake pcscd or the real one. */
import type { PcscSlot, SlotState, SlotStatus } from '../../../drivers/pcsc/pcsc-slot.js';

/** Resolves when the slot reaches `state` (at once if it is there). */
export function reaches(slot: PcscSlot, state: SlotState): Promise<SlotStatus> {
  if (slot.state().state === state) return Promise.resolve(slot.state());
  return new Promise((resolve) => {
    const off = slot.onReaderChange((status) => {
      if (status.state !== state) return;
      off();
      resolve(status);
    });
  });
}
