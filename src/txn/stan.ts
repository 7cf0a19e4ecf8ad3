/**
 * DE 11, the systems trace audit number: six digits, 000001–999999, one per
 * request, wrapping after 999999 (000000 is not used).
 */

export interface StanSource {
  next(): string;
}
