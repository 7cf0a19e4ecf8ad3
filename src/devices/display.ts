/**
 * The customer-facing display. A `Screen` is what to show, as data; each
 * display renders it its own way (console lines, a 20×2 VFD, a web page).
 * A screen never carries card data: only masked PANs reach it.
 */
import type { DeviceState } from './card-reader.js';

export type ScreenKind = 'idle' | 'present-card' | 'enter-tip' | 'enter-pin' | 'processing' | 'approved' | 'declined' | 'cancelled' | 'failed' | 'message';

export interface Screen {
  readonly kind: ScreenKind;
  /** The main line, e.g. `PRESENT CARD`, `APPROVED`. */
  readonly prompt: string;
  /** Amount in minor units with its ISO 4217 numeric currency, when one applies. */
  readonly amount?: { readonly minor: number; readonly currency: string };
  /** Why, for declined/failed/cancelled: a short, customer-readable reason. */
  readonly reason?: string;
}

export interface Display {
  readonly name: string;
  /** Shows the screen, replacing the previous one. Rejects only on a device fault (kind `disconnected` or `io`). */
  show(screen: Screen): Promise<void>;
  /**
   * `connected` while it can show, `disconnected` while its device is gone
   * (a wired display; it is reopened in the background), `closed` after
   * `close()`. A display with no device (the console) is never `disconnected`.
   */
  state(): DeviceState;
  /** Idempotent. */
  close(): Promise<void>;
}
