/**
 * The ECR API's `/v1/simulator/*` routes, served only in simulation (the
 * server asks them about routes it does not serve itself):
 *
 *   POST /v1/simulator/present  { card: "<deck id>", entry?, pin?, tip?, fault?, profile?, verifyOnDevice? } → 202 { presented, entry }
 *                               tip: the keys pressed at the PIN pad's tip prompt first ("450#")
 *                               entry "tap": the NEO 2 twin taps the contactless card of `profile`
 *   POST /v1/simulator/unplug   { device: "reader", forMs?: 2000 }        → 202 { unplugged, forMs }
 *   GET  /v1/simulator/printer                                            → 200 { receipts: [[line, …], …] } (each cut)
 *   POST /v1/simulator/printer  { paper: "out" | "in" }                   → 202 { paper }
 *                               the printer routes exist with a virtual printer only
 */
import { z } from 'zod';
import { parse, type EcrRoutes } from '../ecr-server.js';
import type { CardholderSimulator } from './cardholder.js';

const presentBody = z
  .object({
    card: z.string().min(1),
    entry: z.enum(['swipe', 'chip', 'swipe-stripe-only', 'tap']).default('swipe'),
    pin: z.union([z.string().regex(/^\d{4,12}$/, 'pin must be 4–12 digits'), z.literal('cancel'), z.literal('none')]).optional(),
    tip: z.string().regex(/^[0-9/]{0,12}[#*]$/, 'tip must be the keys pressed: digits and / (clear), then # (enter) or * (cancel)').optional(),
    fault: z.enum(['chip-failure', 'decline-after-approval', 'card-pulled']).optional(),
    profile: z.string().regex(/^[a-z0-9-]{1,64}$/, 'profile must name a chip profile').optional(),
    verifyOnDevice: z.boolean().optional(),
  })
  .strict();

const unplugBody = z
  .object({
    device: z.enum(['reader', 'pinpad', 'display']),
    forMs: z.number().int().min(0).max(60_000, 'forMs must be at most 60000').optional(),
  })
  .strict();

const printerBody = z.object({ paper: z.enum(['out', 'in']) }).strict();

/** What the routes see of the virtual printer: the receipts it cut, and its paper. */
export interface PrinterTwinControl {
  receipts(): string[][];
  paperOut(out: boolean): void;
}

export function simulatorRoutes(cardholder: CardholderSimulator, printer?: () => PrinterTwinControl | undefined): EcrRoutes {
  return {
    async answer(route, { readBody }) {
      switch (route) {
        case 'POST /v1/simulator/present': {
          const body = parse(presentBody, await readBody());
          await cardholder.present({
            card: body.card,
            entry: body.entry,
            ...(body.pin === undefined ? {} : { pin: body.pin }),
            ...(body.tip === undefined ? {} : { tip: body.tip }),
            ...(body.fault === undefined ? {} : { fault: body.fault }),
            ...(body.profile === undefined ? {} : { profile: body.profile }),
            ...(body.verifyOnDevice === undefined ? {} : { verifyOnDevice: body.verifyOnDevice }),
          });
          return { status: 202, body: { presented: body.card, entry: body.entry } };
        }
        case 'POST /v1/simulator/unplug': {
          if (!cardholder.unplug) return undefined;
          const body = parse(unplugBody, await readBody());
          await cardholder.unplug({ device: body.device, ...(body.forMs === undefined ? {} : { forMs: body.forMs }) });
          return { status: 202, body: { unplugged: body.device, forMs: body.forMs ?? 0 } };
        }
        case 'GET /v1/simulator/printer': {
          const twin = printer?.();
          if (twin === undefined) return undefined;
          return { status: 200, body: { receipts: twin.receipts() } };
        }
        case 'POST /v1/simulator/printer': {
          const twin = printer?.();
          if (twin === undefined) return undefined;
          const body = parse(printerBody, await readBody());
          twin.paperOut(body.paper === 'out');
          return { status: 202, body: { paper: body.paper } };
        }
        default:
          return undefined;
      }
    },
  };
}
