/** The virtual EMV chip cards: APDU-level cards personalised from profiles, their keys and the simulation CA. */
export { EmvChipCard, buildChipCard, CARD_SW, PSE_NAME, type EmvChipCardOptions, type ApplicationSnapshot } from './emv-chip-card.js';
export { personalise, type PersonaliseOptions, type CardImage, type ApplicationImage } from './personalise.js';
export { loadCardProfile, cardProfileNames, cardProfileSchema, type CardProfile, type ApplicationProfile } from './card-profile.js';
export { chipCardFor, deckChipProfile } from './deck-chip-cards.js';
export { issuerMasterKeyFor } from './issuer-keys.js';
export { makeSimulationCa, issueIssuerCertificate, issueIccCertificate, signStaticApplicationData, signDynamicData, type SimulationCa, type RsaKeyPair, type IssuerCertificate, type IccCertificate } from './simulation-ca.js';
export { cryptogramVersionOf, CRYPTOGRAM_VERSIONS, type CryptogramVersion, type CryptogramVersionName } from './cryptogram-versions.js';
export { type ApduCard } from './apdu-card.js';
export { ScriptedCard, type ScriptedExchange } from './scripted-card.js';
