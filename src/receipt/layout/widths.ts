/**
 * What changes with the paper: the rows (`rows.ts`) are the same at every
 * width; a width says how many columns a line has, whether two short pairs
 * share a line, and how the signature space is drawn.
 *
 *   32  58 mm paper, font A     pairs stacked: one fact a line
 *   42  80 mm paper, font B / 76 mm impact
 *   48  80 mm paper, font A
 */
export const RECEIPT_WIDTHS = [32, 42, 48] as const;
export type ReceiptWidth = (typeof RECEIPT_WIDTHS)[number];

export interface WidthLayout {
  readonly columns: ReceiptWidth;
  /** `TID … MID …` on one line (when they fit). */
  readonly sideBySide: boolean;
  /** Blank lines to sign on above the line. */
  readonly signatureSpace: number;
  /** The line signed on: `X` then this character. */
  readonly signatureChar: string;
}

export const WIDTH_LAYOUTS: Readonly<Record<ReceiptWidth, WidthLayout>> = {
  32: { columns: 32, sideBySide: false, signatureSpace: 2, signatureChar: '_' },
  42: { columns: 42, sideBySide: true, signatureSpace: 2, signatureChar: '_' },
  48: { columns: 48, sideBySide: true, signatureSpace: 3, signatureChar: '_' },
};

export function isReceiptWidth(value: number): value is ReceiptWidth {
  return (RECEIPT_WIDTHS as readonly number[]).includes(value);
}

/** The widest receipt a printer of `columns` characters takes (32 for anything narrower than 42). */
export function receiptWidthFor(columns: number): ReceiptWidth {
  return [...RECEIPT_WIDTHS].reverse().find((width) => width <= columns) ?? 32;
}
