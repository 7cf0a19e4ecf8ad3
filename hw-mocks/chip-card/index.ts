/** The virtual EMV chip card and its keys. */
export { VirtualChipCard, CID, DEFAULT_AIP, type VirtualChipCardOptions, type FirstAcResult, type SecondAcInput } from './virtual-chip-card.js';
export { issuerMasterKeyFor, chipCardFor } from './issuer-keys.js';
