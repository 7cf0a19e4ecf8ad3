/**
 * The screen model: what the customer sees at each step, as data. Wording is
 * short and upper-case, as on a 20-character customer display; a reason never
 * holds card data.
 */
import type { Screen } from '../devices/display.js';

type Amount = { minor: number; currency: string };

export const screens = {
  idle: (): Screen => ({ kind: 'idle', prompt: 'WELCOME' }),
  presentCard: (amount: Amount, chip = false): Screen => ({ kind: 'present-card', prompt: chip ? 'INSERT OR SWIPE CARD' : 'SWIPE CARD', amount }),
  insertChip: (amount: Amount): Screen => ({ kind: 'present-card', prompt: 'INSERT CHIP', amount, reason: 'CHIP CARD - USE CHIP' }),
  useStripe: (amount: Amount): Screen => ({ kind: 'present-card', prompt: 'SWIPE CARD', amount, reason: 'CHIP ERROR - USE STRIPE' }),
  insertCard: (amount: Amount): Screen => ({ kind: 'present-card', prompt: 'INSERT CARD', amount, reason: 'TAP NOT ACCEPTED' }),
  enterPin: (amount: Amount): Screen => ({ kind: 'enter-pin', prompt: 'ENTER PIN', amount }),
  enterTip: (amount: Amount): Screen => ({ kind: 'enter-tip', prompt: 'ADD TIP ON PIN PAD', amount }),
  processing: (amount: Amount): Screen => ({ kind: 'processing', prompt: 'PROCESSING', amount }),
  approved: (amount: Amount, authCode: string | null): Screen => ({
    kind: 'approved',
    prompt: 'APPROVED',
    amount,
    ...(authCode ? { reason: `AUTH ${authCode}` } : {}),
  }),
  declined: (amount: Amount, reason: string): Screen => ({ kind: 'declined', prompt: 'DECLINED', amount, reason }),
  cancelled: (amount: Amount, reason: string): Screen => ({ kind: 'cancelled', prompt: 'CANCELLED', amount, reason }),
  failed: (amount: Amount, reason: string): Screen => ({ kind: 'failed', prompt: 'NOT COMPLETED', amount, reason }),
} as const;
