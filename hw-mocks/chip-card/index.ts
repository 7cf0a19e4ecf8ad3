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
export { buildContactlessCard } from './contactless-cards.js';
export { ContactlessCard, PPSE_NAME, CONTACTLESS_ATR, type ContactlessCardOptions, type ContactlessSnapshot } from './contactless-card.js';
export { QvsdcCard, buildQvsdcCard, TTQ, CTQ } from './qvsdc-card.js';
export { MchipContactlessCard, buildMchipContactlessCard } from './mchip-contactless-card.js';
export { personaliseContactless, type ContactlessImage, type ContactlessPersonaliseOptions } from './contactless-personalise.js';
export { loadContactlessProfile, contactlessProfileNames, contactlessProfileSchema, type ContactlessProfile } from './contactless-profile.js';
export { tap, type TapTerminal, type TapResult, type TapOutcome, type TapCvm } from './contactless-tap.js';
export { TRACK2_LAYOUT, readDynamicTrack2, computeCvc3, ivCvc3, cvc3Key, type MagstripeLayout } from './contactless-magstripe.js';
