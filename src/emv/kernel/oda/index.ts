/**
 * Offline data authentication, EMV 4.4 Book 2 §5 (SDA), §6 (DDA and CDA),
 * §11 (the CA public keys) and Book 3 §10.3 (choosing and performing it).
 *
 *   capk-table.ts    §11, §5.2, §6.2: the CA public keys (checksum, expiry) and the revocation list
 *   capk-lab-set.ts  the published scheme TEST CA public keys, a named lab set (never production)
 *   method.ts        Book 3 §10.3: CDA, DDA, SDA or none
 *   rsa.ts           Annex A2.1 / B2.1: RSA recovery on node:crypto
 *   signed-data.ts   what every recovered block shares: header, format, hash, trailer, expiry
 *   certificates.ts  §5.3 / §6.3 issuer key, §6.4 ICC key
 *   signatures.ts    §5.4 SDA, §6.5.2 DDA, §6.6.2 CDA signatures
 *   perform.ts       Book 3 §10.3: the step, its TVR and TSI bits, INTERNAL AUTHENTICATE
 */
export { CapkTable, capkChecksum } from './capk-table.js';
export { CAPK_LAB_SETS, type CapkLabSetName, type LabCapk } from './capk-lab-set.js';
export { chooseOdaMethod, type OdaMethod } from './method.js';
export type { RsaPublicKey } from './rsa.js';
export type { OdaFailureReason } from './signed-data.js';
export { performOfflineDataAuthentication, type OdaResult } from './perform.js';
export { verifyCdaSignature } from './signatures.js';
