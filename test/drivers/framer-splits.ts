/**
 * What the framer tests share: how they cut one wire into chunks (STYLE.md
 * "Byte-level code": every framer is fed its input split at every offset and
 * one byte at a time), a framer with its timeouts collected, and the fake
 * timers its inter-byte timeout runs on.
 */
import { afterEach, beforeEach, vi } from 'vitest';
import type { PosError } from '../../src/util/errors.js';

/** The wire cut in two at every offset, then byte by byte: each entry is one way to feed it. */
export function everySplit(wire: Uint8Array): Uint8Array[][] {
  const ways: Uint8Array[][] = [];
  for (let at = 0; at <= wire.length; at++) ways.push([wire.subarray(0, at), wire.subarray(at)]);
  ways.push([...wire].map((b) => Uint8Array.of(b)));
  return ways;
}

/** The wire in chunks of the given lengths, the rest as a last chunk (empty chunks past the end). */
export function cutInto(wire: Uint8Array, lengths: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (const length of lengths) {
    chunks.push(wire.subarray(at, at + length));
    at += length;
  }
  chunks.push(wire.subarray(at));
  return chunks;
}

/** A framer made with an `onTimeout` that collects what it reports, beside the list. */
export function collectingTimeouts<F>(make: (onTimeout: (error: PosError) => void) => F): { f: F; timeouts: PosError[] } {
  const timeouts: PosError[] = [];
  return { f: make((error) => timeouts.push(error)), timeouts };
}

/** Fake timers around each test of the calling `describe`, for the framers' inter-byte timeouts. */
export function fakeTimersInEachTest(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
