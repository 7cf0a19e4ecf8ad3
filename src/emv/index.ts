/**
 * The EMV data layer: BER-TLV codec (Book 3 Annex B), tag dictionary (Annex A
 * and scheme tags), interpreted values, and DOLs (section 5.4).
 */
export { decode, encode, encodeOne, tagClass, isConstructedTag, DEFAULT_MAX_DEPTH, type TlvNode, type TlvInput, type DecodeOptions, type TagClass } from './ber-tlv.js';
export { find, findAll, flatten } from './tlv-query.js';
export { lookupTag, isSensitiveTag, TAG_DICTIONARY, type TagInfo, type DataFormat, type DataSource } from './tag-dictionary.js';
export { interpret, type Interpretation, type InterpretContext, type Decoded, type JsonValue } from './interpret/index.js';
export { parseDol, buildDolData, type DolEntry, type DataStore } from './dol.js';
export { describe, maskedHex, type DescribedNode, type DescribeOptions } from './describe.js';
export { currencyByNumeric, countryByNumeric, type CurrencyInfo, type CountryInfo } from './iso-codes.js';
