/**
 * The keys the virtual encrypting MagTek reader is injected with, shared with
 * the bank-host simulator so the host side can decrypt what it sends.
 *
 * BDK: the ANSI X9.24-1 2009 Annex A test BDK. Initial KSN: a prefix of our
 * own (`FFFF` issuer, `0801` MagTek's USB vendor ID, `A5B3C` device, counter
 * 0) — a test key for test cards, never a production one.
 */
export const TWIN_BDK_HEX = '0123456789ABCDEFFEDCBA9876543210';
export const TWIN_INITIAL_KSN_HEX = 'FFFF0801A5B3C4E00000';
