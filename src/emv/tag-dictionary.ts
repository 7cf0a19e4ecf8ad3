/**
 * The EMV data element dictionary as data: EMV 4.4 Book 3 Annex A (data
 * element dictionary) in full, EMV Book 4 terminal elements, and the scheme,
 * contactless kernel (Book C-2, C-3) and reader tags a terminal meets in
 * practice. Lengths are in bytes; `0` as `minLength` means "may be empty".
 *
 * Where two schemes use one proprietary tag for different things (9F6E, 9F7C,
 * 9F5A…), the name says both. Formats follow Book 3 section 4.3: `a` is
 * listed as `an`.
 */

export type DataFormat = 'n' | 'cn' | 'an' | 'ans' | 'b';
export type DataSource = 'card' | 'terminal' | 'issuer';

export interface TagInfo {
  readonly tag: string;
  readonly name: string;
  readonly source: DataSource;
  readonly format: DataFormat;
  readonly minLength: number;
  readonly maxLength: number;
  /** Templates the object appears in; empty where it stands alone or is terminal-only. */
  readonly templates: readonly string[];
  /** PAN, track data, cardholder name, PIN data, card verification values: masked in every output. */
  readonly sensitive: boolean;
}

type Row = readonly [tag: string, name: string, source: DataSource, format: DataFormat, min: number, max: number, templates: readonly string[], sensitive?: 'sensitive'];

/** Certificates and other fields whose length depends on a key modulus. */
const KEY_MAX = 248;
/** A template or DOL: one short APDU response. */
const VAR = 252;

const R77_80 = ['77', '80'] as const;
const R70_77 = ['70', '77'] as const;
const FCI_A5 = ['A5'] as const;
const FCI_BF0C = ['BF0C'] as const;
const DIR_61 = ['61'] as const;
const SCRIPT = ['71', '72'] as const;
const NONE = [] as const;

const ROWS: readonly Row[] = [
  // ── EMV 4.4 Book 3 Annex A: card data ─────────────────────────────────────
  ['42', 'Issuer Identification Number (IIN)', 'card', 'n', 3, 3, FCI_BF0C],
  ['4F', 'Application Identifier (AID) – card', 'card', 'b', 5, 16, DIR_61],
  ['50', 'Application Label', 'card', 'ans', 1, 16, ['61', 'A5']],
  ['57', 'Track 2 Equivalent Data', 'card', 'b', 0, 19, R70_77, 'sensitive'],
  ['5A', 'Application Primary Account Number (PAN)', 'card', 'cn', 0, 10, R70_77, 'sensitive'],
  ['5F20', 'Cardholder Name', 'card', 'ans', 2, 26, R70_77, 'sensitive'],
  ['5F24', 'Application Expiration Date', 'card', 'n', 3, 3, R70_77],
  ['5F25', 'Application Effective Date', 'card', 'n', 3, 3, R70_77],
  ['5F28', 'Issuer Country Code', 'card', 'n', 2, 2, R70_77],
  ['5F2D', 'Language Preference', 'card', 'an', 2, 8, FCI_A5],
  ['5F30', 'Service Code', 'card', 'n', 2, 2, R70_77],
  ['5F34', 'Application PAN Sequence Number', 'card', 'n', 1, 1, R70_77],
  ['5F50', 'Issuer URL', 'card', 'ans', 0, VAR, FCI_BF0C],
  ['5F53', 'International Bank Account Number (IBAN)', 'card', 'b', 0, 34, FCI_BF0C],
  ['5F54', 'Bank Identifier Code (BIC)', 'card', 'b', 8, 11, FCI_BF0C],
  ['5F55', 'Issuer Country Code (alpha2 format)', 'card', 'an', 2, 2, FCI_BF0C],
  ['5F56', 'Issuer Country Code (alpha3 format)', 'card', 'an', 3, 3, FCI_BF0C],
  ['61', 'Application Template', 'card', 'b', 0, VAR, ['70', 'BF0C']],
  ['6F', 'File Control Information (FCI) Template', 'card', 'b', 0, VAR, NONE],
  ['70', 'READ RECORD Response Message Template', 'card', 'b', 0, VAR, NONE],
  ['73', 'Directory Discretionary Template', 'card', 'b', 0, VAR, DIR_61],
  ['77', 'Response Message Template Format 2', 'card', 'b', 0, VAR, NONE],
  ['80', 'Response Message Template Format 1', 'card', 'b', 0, VAR, NONE],
  ['82', 'Application Interchange Profile (AIP)', 'card', 'b', 2, 2, R77_80],
  ['84', 'Dedicated File (DF) Name', 'card', 'b', 5, 16, ['6F']],
  ['87', 'Application Priority Indicator', 'card', 'b', 1, 1, ['61', 'A5']],
  ['88', 'Short File Identifier (SFI)', 'card', 'b', 1, 1, FCI_A5],
  ['8C', 'Card Risk Management Data Object List 1 (CDOL1)', 'card', 'b', 0, VAR, R70_77],
  ['8D', 'Card Risk Management Data Object List 2 (CDOL2)', 'card', 'b', 0, VAR, R70_77],
  ['8E', 'Cardholder Verification Method (CVM) List', 'card', 'b', 10, VAR, R70_77],
  ['8F', 'Certification Authority Public Key Index (card)', 'card', 'b', 1, 1, R70_77],
  ['90', 'Issuer Public Key Certificate', 'card', 'b', 0, KEY_MAX, R70_77],
  ['92', 'Issuer Public Key Remainder', 'card', 'b', 0, KEY_MAX, R70_77],
  ['93', 'Signed Static Application Data', 'card', 'b', 0, KEY_MAX, R70_77],
  ['94', 'Application File Locator (AFL)', 'card', 'b', 4, VAR, R77_80],
  ['97', 'Transaction Certificate Data Object List (TDOL)', 'card', 'b', 0, VAR, R70_77],
  ['9D', 'Directory Definition File (DDF) Name', 'card', 'b', 5, 16, DIR_61],
  ['9F05', 'Application Discretionary Data', 'card', 'b', 1, 32, R70_77],
  ['9F07', 'Application Usage Control (AUC)', 'card', 'b', 2, 2, R70_77],
  ['9F08', 'Application Version Number (card)', 'card', 'b', 2, 2, R70_77],
  ['9F0B', 'Cardholder Name Extended', 'card', 'ans', 27, 45, R70_77, 'sensitive'],
  ['9F0D', 'Issuer Action Code – Default', 'card', 'b', 5, 5, R70_77],
  ['9F0E', 'Issuer Action Code – Denial', 'card', 'b', 5, 5, R70_77],
  ['9F0F', 'Issuer Action Code – Online', 'card', 'b', 5, 5, R70_77],
  ['9F10', 'Issuer Application Data (IAD)', 'card', 'b', 0, 32, R77_80],
  ['9F11', 'Issuer Code Table Index', 'card', 'n', 1, 1, FCI_A5],
  ['9F12', 'Application Preferred Name', 'card', 'ans', 1, 16, ['61', 'A5']],
  ['9F13', 'Last Online Application Transaction Counter (ATC) Register', 'card', 'b', 2, 2, NONE],
  ['9F14', 'Lower Consecutive Offline Limit', 'card', 'b', 1, 1, R70_77],
  ['9F17', 'Personal Identification Number (PIN) Try Counter', 'card', 'b', 1, 1, NONE],
  ['9F1F', 'Track 1 Discretionary Data', 'card', 'ans', 0, 54, R70_77, 'sensitive'],
  ['9F20', 'Track 2 Discretionary Data', 'card', 'cn', 0, 16, R70_77, 'sensitive'],
  ['9F23', 'Upper Consecutive Offline Limit', 'card', 'b', 1, 1, R70_77],
  ['9F26', 'Application Cryptogram (AC)', 'card', 'b', 8, 8, R77_80],
  ['9F27', 'Cryptogram Information Data (CID)', 'card', 'b', 1, 1, R77_80],
  ['9F2D', 'ICC PIN Encipherment Public Key Certificate', 'card', 'b', 0, KEY_MAX, R70_77],
  ['9F2E', 'ICC PIN Encipherment Public Key Exponent', 'card', 'b', 1, 3, R70_77],
  ['9F2F', 'ICC PIN Encipherment Public Key Remainder', 'card', 'b', 0, KEY_MAX, R70_77],
  ['9F32', 'Issuer Public Key Exponent', 'card', 'b', 1, 3, R70_77],
  ['9F36', 'Application Transaction Counter (ATC)', 'card', 'b', 2, 2, R77_80],
  ['9F38', 'Processing Options Data Object List (PDOL)', 'card', 'b', 0, VAR, FCI_A5],
  ['9F3B', 'Application Reference Currency', 'card', 'n', 2, 8, R70_77],
  ['9F42', 'Application Currency Code', 'card', 'n', 2, 2, R70_77],
  ['9F43', 'Application Reference Currency Exponent', 'card', 'n', 1, 4, R70_77],
  ['9F44', 'Application Currency Exponent', 'card', 'n', 1, 1, R70_77],
  ['9F45', 'Data Authentication Code', 'card', 'b', 2, 2, NONE],
  ['9F46', 'ICC Public Key Certificate', 'card', 'b', 0, KEY_MAX, R70_77],
  ['9F47', 'ICC Public Key Exponent', 'card', 'b', 1, 3, R70_77],
  ['9F48', 'ICC Public Key Remainder', 'card', 'b', 0, KEY_MAX, R70_77],
  ['9F49', 'Dynamic Data Authentication Data Object List (DDOL)', 'card', 'b', 0, VAR, R70_77],
  ['9F4A', 'Static Data Authentication Tag List', 'card', 'b', 0, VAR, R70_77],
  ['9F4B', 'Signed Dynamic Application Data', 'card', 'b', 0, KEY_MAX, R77_80],
  ['9F4C', 'ICC Dynamic Number', 'card', 'b', 2, 8, NONE],
  ['9F4D', 'Log Entry', 'card', 'b', 2, 2, FCI_BF0C],
  ['9F4F', 'Log Format', 'card', 'b', 0, VAR, NONE],
  ['A5', 'File Control Information (FCI) Proprietary Template', 'card', 'b', 0, VAR, ['6F']],
  ['BF0C', 'File Control Information (FCI) Issuer Discretionary Data', 'card', 'b', 0, 222, FCI_A5],

  // ── Book 3 Annex A: issuer data ───────────────────────────────────────────
  ['71', 'Issuer Script Template 1', 'issuer', 'b', 0, VAR, NONE],
  ['72', 'Issuer Script Template 2', 'issuer', 'b', 0, VAR, NONE],
  ['86', 'Issuer Script Command', 'issuer', 'b', 0, 261, SCRIPT],
  ['89', 'Authorisation Code', 'issuer', 'ans', 6, 6, NONE],
  ['8A', 'Authorisation Response Code', 'issuer', 'an', 2, 2, NONE],
  ['91', 'Issuer Authentication Data', 'issuer', 'b', 8, 16, NONE],
  ['9F18', 'Issuer Script Identifier', 'issuer', 'b', 4, 4, SCRIPT],

  // ── Book 3 Annex A and Book 4: terminal data ──────────────────────────────
  ['5F2A', 'Transaction Currency Code', 'terminal', 'n', 2, 2, NONE],
  ['5F36', 'Transaction Currency Exponent', 'terminal', 'n', 1, 1, NONE],
  ['5F57', 'Account Type', 'terminal', 'n', 1, 1, NONE],
  ['81', 'Amount, Authorised (Binary)', 'terminal', 'b', 4, 4, NONE],
  ['83', 'Command Template', 'terminal', 'b', 0, VAR, NONE],
  ['8B', 'Encrypted PIN Data', 'terminal', 'b', 0, VAR, NONE, 'sensitive'],
  ['95', 'Terminal Verification Results (TVR)', 'terminal', 'b', 5, 5, NONE],
  ['98', 'Transaction Certificate (TC) Hash Value', 'terminal', 'b', 20, 20, NONE],
  ['99', 'Transaction Personal Identification Number (PIN) Data', 'terminal', 'b', 0, VAR, NONE, 'sensitive'],
  ['9A', 'Transaction Date', 'terminal', 'n', 3, 3, NONE],
  ['9B', 'Transaction Status Information (TSI)', 'terminal', 'b', 2, 2, NONE],
  ['9C', 'Transaction Type', 'terminal', 'n', 1, 1, NONE],
  ['9F01', 'Acquirer Identifier', 'terminal', 'n', 6, 6, NONE],
  ['9F02', 'Amount, Authorised (Numeric)', 'terminal', 'n', 6, 6, NONE],
  ['9F03', 'Amount, Other (Numeric)', 'terminal', 'n', 6, 6, NONE],
  ['9F04', 'Amount, Other (Binary)', 'terminal', 'b', 4, 4, NONE],
  ['9F06', 'Application Identifier (AID) – terminal', 'terminal', 'b', 5, 16, NONE],
  ['9F09', 'Application Version Number (terminal)', 'terminal', 'b', 2, 2, NONE],
  ['9F15', 'Merchant Category Code', 'terminal', 'n', 2, 2, NONE],
  ['9F16', 'Merchant Identifier', 'terminal', 'ans', 15, 15, NONE],
  ['9F1A', 'Terminal Country Code', 'terminal', 'n', 2, 2, NONE],
  ['9F1B', 'Terminal Floor Limit', 'terminal', 'b', 4, 4, NONE],
  ['9F1C', 'Terminal Identification', 'terminal', 'an', 8, 8, NONE],
  ['9F1D', 'Terminal Risk Management Data', 'terminal', 'b', 1, 8, NONE],
  ['9F1E', 'Interface Device (IFD) Serial Number', 'terminal', 'an', 8, 8, NONE],
  ['9F21', 'Transaction Time', 'terminal', 'n', 3, 3, NONE],
  ['9F22', 'Certification Authority Public Key Index (terminal)', 'terminal', 'b', 1, 1, NONE],
  ['9F33', 'Terminal Capabilities', 'terminal', 'b', 3, 3, NONE],
  ['9F34', 'Cardholder Verification Method (CVM) Results', 'terminal', 'b', 3, 3, NONE],
  ['9F35', 'Terminal Type', 'terminal', 'n', 1, 1, NONE],
  ['9F37', 'Unpredictable Number', 'terminal', 'b', 4, 4, NONE],
  ['9F39', 'Point-of-Service (POS) Entry Mode', 'terminal', 'n', 1, 1, NONE],
  ['9F3A', 'Amount, Reference Currency', 'terminal', 'b', 4, 4, NONE],
  ['9F3C', 'Transaction Reference Currency Code', 'terminal', 'n', 2, 2, NONE],
  ['9F3D', 'Transaction Reference Currency Exponent', 'terminal', 'n', 1, 1, NONE],
  ['9F40', 'Additional Terminal Capabilities', 'terminal', 'b', 5, 5, NONE],
  ['9F41', 'Transaction Sequence Counter', 'terminal', 'n', 2, 4, NONE],
  ['9F4E', 'Merchant Name and Location', 'terminal', 'ans', 0, VAR, NONE],

  // ── Payment tokenisation and account data (EMV Payment Tokenisation, Book 3 bulletins) ──
  ['9F19', 'Token Requestor ID', 'card', 'n', 6, 6, R70_77],
  ['9F24', 'Payment Account Reference (PAR)', 'card', 'an', 29, 29, R70_77],
  ['9F25', 'Last 4 Digits of PAN', 'card', 'n', 2, 2, R70_77],

  // ── Contactless: Entry Point (Book B) and kernels (Books C-2 Mastercard, C-3 Visa) ──
  ['56', 'Track 1 Data', 'card', 'ans', 0, 76, R70_77, 'sensitive'],
  ['9F0A', 'Application Selection Registered Proprietary Data', 'card', 'b', 0, VAR, ['61', 'BF0C']],
  ['9F29', 'Extended Selection', 'card', 'b', 0, 11, DIR_61],
  ['9F2A', 'Kernel Identifier', 'card', 'b', 1, 8, DIR_61],
  ['9F50', 'Offline Accumulator Balance', 'card', 'n', 6, 6, NONE],
  ['9F51', 'Application Currency Code (Visa) / DRDOL (Mastercard)', 'card', 'b', 0, VAR, R70_77],
  ['9F53', 'Transaction Category Code (Mastercard)', 'terminal', 'an', 1, 1, NONE],
  ['9F54', 'DS ODS Card', 'card', 'b', 0, 160, R70_77],
  ['9F5A', 'Application Program Identifier (Visa) / Terminal Transaction Type (Interac)', 'card', 'b', 1, 16, FCI_BF0C],
  ['9F5B', 'Issuer Script Results', 'terminal', 'b', 0, VAR, NONE],
  ['9F5C', 'DS Requested Operator ID', 'terminal', 'b', 8, 8, NONE],
  ['9F5D', 'Available Offline Spending Amount (Visa) / Application Capabilities Information (Mastercard)', 'card', 'b', 3, 6, R70_77],
  ['9F5E', 'DS ID', 'card', 'b', 8, 11, R70_77],
  ['9F5F', 'DS Slot Availability', 'card', 'b', 1, 1, R70_77],
  ['9F60', 'CVC3 (Track 1)', 'card', 'b', 2, 2, ['77'], 'sensitive'],
  ['9F61', 'CVC3 (Track 2)', 'card', 'b', 2, 2, ['77'], 'sensitive'],
  ['9F62', 'PCVC3 (Track 1)', 'card', 'b', 6, 6, R70_77],
  ['9F63', 'PUNATC (Track 1)', 'card', 'b', 6, 6, R70_77],
  ['9F64', 'NATC (Track 1)', 'card', 'b', 1, 1, R70_77],
  ['9F65', 'PCVC3 (Track 2)', 'card', 'b', 2, 2, R70_77],
  ['9F66', 'Terminal Transaction Qualifiers (TTQ)', 'terminal', 'b', 4, 4, NONE],
  ['9F67', 'NATC (Track 2) / MSD Offset (Visa)', 'card', 'b', 1, 1, R70_77],
  ['9F68', 'Card Additional Processes (Visa)', 'card', 'b', 4, 4, R70_77],
  ['9F69', 'UDOL (Mastercard) / Card Authentication Related Data (Visa)', 'card', 'b', 0, VAR, R70_77],
  ['9F6A', 'Unpredictable Number (Numeric)', 'terminal', 'n', 4, 4, NONE],
  ['9F6B', 'Track 2 Data', 'card', 'b', 0, 19, R70_77, 'sensitive'],
  ['9F6C', 'Card Transaction Qualifiers (CTQ) / Mag-stripe Application Version Number (card)', 'card', 'b', 2, 2, R77_80],
  ['9F6D', 'Mag-stripe Application Version Number (Reader) / VLP Reset Threshold', 'terminal', 'b', 2, 6, NONE],
  ['9F6E', 'Form Factor Indicator (Visa) / Third Party Data (Mastercard)', 'card', 'b', 4, 32, R70_77],
  ['9F6F', 'DS Slot Management Control', 'card', 'b', 1, 1, R70_77],
  ['9F70', 'Protected Data Envelope 1', 'card', 'b', 0, 192, R70_77],
  ['9F71', 'Protected Data Envelope 2', 'card', 'b', 0, 192, R70_77],
  ['9F72', 'Protected Data Envelope 3', 'card', 'b', 0, 192, R70_77],
  ['9F73', 'Protected Data Envelope 4', 'card', 'b', 0, 192, R70_77],
  ['9F74', 'VLP Issuer Authorisation Code', 'card', 'an', 6, 6, R70_77],
  ['9F75', 'Unprotected Data Envelope 1', 'card', 'b', 0, 192, R70_77],
  ['9F7A', 'VLP Terminal Support Indicator', 'terminal', 'b', 1, 1, NONE],
  ['9F7B', 'VLP Terminal Transaction Limit', 'terminal', 'n', 6, 6, NONE],
  ['9F7C', 'Customer Exclusive Data (Visa) / Merchant Custom Data (Mastercard)', 'card', 'b', 0, 32, R77_80],
  ['9F7D', 'DS Summary 1', 'card', 'b', 8, 16, R70_77],
  ['9F7E', 'Mobile Support Indicator', 'terminal', 'b', 1, 1, NONE],
  ['9F7F', 'DS Unpredictable Number', 'terminal', 'b', 4, 4, NONE],
  ['BF63', 'Visa Proprietary Discretionary Template', 'card', 'b', 0, VAR, FCI_BF0C],

  // ── Kernel and reader data (Book C-2 Annex A, DF81xx / FF81xx) ────────────
  ['DF4B', 'POS Cardholder Interaction Information', 'card', 'b', 3, 3, ['77']],
  ['DF8101', 'DS Summary 2', 'card', 'b', 8, 16, NONE],
  ['DF8102', 'DS Summary 3', 'card', 'b', 8, 16, NONE],
  ['DF8104', 'Balance Read Before Gen AC', 'terminal', 'n', 6, 6, NONE],
  ['DF8105', 'Balance Read After Gen AC', 'terminal', 'n', 6, 6, NONE],
  ['DF8106', 'Data Needed', 'terminal', 'b', 0, VAR, NONE],
  ['DF8107', 'CDOL1 Related Data', 'terminal', 'b', 0, VAR, NONE],
  ['DF8108', 'DS AC Type', 'terminal', 'b', 1, 1, NONE],
  ['DF8109', 'DS Input (Term)', 'terminal', 'b', 8, 8, NONE],
  ['DF810A', 'DS ODS Info For Reader', 'terminal', 'b', 1, 1, NONE],
  ['DF810B', 'DS Summary Status', 'terminal', 'b', 1, 1, NONE],
  ['DF810C', 'Kernel ID', 'terminal', 'b', 1, 1, NONE],
  ['DF810D', 'DSVN Term', 'terminal', 'b', 0, VAR, NONE],
  ['DF810E', 'Post-Gen AC Put Data Status', 'terminal', 'b', 1, 1, NONE],
  ['DF810F', 'Pre-Gen AC Put Data Status', 'terminal', 'b', 1, 1, NONE],
  ['DF8110', 'Proceed To First Write Flag', 'terminal', 'b', 1, 1, NONE],
  ['DF8111', 'PDOL Related Data', 'terminal', 'b', 0, VAR, NONE],
  ['DF8112', 'Tags To Read', 'terminal', 'b', 0, VAR, NONE],
  ['DF8113', 'DRDOL Related Data', 'terminal', 'b', 0, VAR, NONE],
  ['DF8114', 'Reference Control Parameter', 'terminal', 'b', 1, 1, NONE],
  ['DF8115', 'Error Indication', 'terminal', 'b', 6, 6, NONE],
  ['DF8116', 'User Interface Request Data', 'terminal', 'b', 22, 22, NONE],
  ['DF8117', 'Card Data Input Capability', 'terminal', 'b', 1, 1, NONE],
  ['DF8118', 'CVM Capability – CVM Required', 'terminal', 'b', 1, 1, NONE],
  ['DF8119', 'CVM Capability – No CVM Required', 'terminal', 'b', 1, 1, NONE],
  ['DF811A', 'Default UDOL', 'terminal', 'b', 3, 3, NONE],
  ['DF811B', 'Kernel Configuration', 'terminal', 'b', 1, 1, NONE],
  ['DF811C', 'Max Lifetime of Torn Transaction Log Record', 'terminal', 'b', 2, 2, NONE],
  ['DF811D', 'Max Number of Torn Transaction Log Records', 'terminal', 'b', 1, 1, NONE],
  ['DF811E', 'Mag-stripe CVM Capability – CVM Required', 'terminal', 'b', 1, 1, NONE],
  ['DF811F', 'Security Capability', 'terminal', 'b', 1, 1, NONE],
  ['DF8120', 'Terminal Action Code – Default', 'terminal', 'b', 5, 5, NONE],
  ['DF8121', 'Terminal Action Code – Denial', 'terminal', 'b', 5, 5, NONE],
  ['DF8122', 'Terminal Action Code – Online', 'terminal', 'b', 5, 5, NONE],
  ['DF8123', 'Reader Contactless Floor Limit', 'terminal', 'n', 6, 6, NONE],
  ['DF8124', 'Reader Contactless Transaction Limit (No On-device CVM)', 'terminal', 'n', 6, 6, NONE],
  ['DF8125', 'Reader Contactless Transaction Limit (On-device CVM)', 'terminal', 'n', 6, 6, NONE],
  ['DF8126', 'Reader CVM Required Limit', 'terminal', 'n', 6, 6, NONE],
  ['DF8127', 'Time Out Value', 'terminal', 'b', 2, 2, NONE],
  ['DF8128', 'IDS Status', 'terminal', 'b', 1, 1, NONE],
  ['DF8129', 'Outcome Parameter Set', 'terminal', 'b', 8, 8, NONE],
  ['DF812A', 'DD Card (Track 1)', 'terminal', 'ans', 0, 56, NONE, 'sensitive'],
  ['DF812B', 'DD Card (Track 2)', 'terminal', 'b', 0, 8, NONE, 'sensitive'],
  ['DF812C', 'Mag-stripe CVM Capability – No CVM Required', 'terminal', 'b', 1, 1, NONE],
  ['DF812D', 'Message Hold Time', 'terminal', 'n', 3, 3, NONE],
  ['DF8130', 'Hold Time Value', 'terminal', 'b', 1, 1, NONE],
  ['DF8131', 'Phone Message Table', 'terminal', 'b', 0, VAR, NONE],
  ['DF8132', 'Minimum Relay Resistance Grace Period', 'terminal', 'b', 2, 2, NONE],
  ['DF8133', 'Maximum Relay Resistance Grace Period', 'terminal', 'b', 2, 2, NONE],
  ['DF8134', 'Terminal Expected Transmission Time For Relay Resistance C-APDU', 'terminal', 'b', 2, 2, NONE],
  ['DF8135', 'Terminal Expected Transmission Time For Relay Resistance R-APDU', 'terminal', 'b', 2, 2, NONE],
  ['DF8136', 'Relay Resistance Accuracy Threshold', 'terminal', 'b', 2, 2, NONE],
  ['DF8137', 'Relay Resistance Transmission Time Mismatch Threshold', 'terminal', 'b', 1, 1, NONE],
  ['FF8101', 'Torn Record', 'terminal', 'b', 0, VAR, NONE],
  ['FF8102', 'Tags To Write Before Gen AC', 'terminal', 'b', 0, VAR, NONE],
  ['FF8103', 'Tags To Write After Gen AC', 'terminal', 'b', 0, VAR, NONE],
  ['FF8104', 'Data To Send', 'terminal', 'b', 0, VAR, NONE],
  ['FF8105', 'Data Record', 'terminal', 'b', 0, VAR, NONE],
  ['FF8106', 'Discretionary Data', 'terminal', 'b', 0, VAR, NONE],
];

function toInfo(row: Row): TagInfo {
  const [tag, name, source, format, minLength, maxLength, templates, sensitive] = row;
  return { tag, name, source, format, minLength, maxLength, templates, sensitive: sensitive === 'sensitive' };
}

/** Every known tag, keyed by uppercase hex. */
export const TAG_DICTIONARY: ReadonlyMap<string, TagInfo> = (() => {
  const map = new Map<string, TagInfo>();
  for (const row of ROWS) map.set(row[0], toInfo(row));
  return map;
})();

/** The dictionary entry for a tag (any case), or undefined for a tag the terminal does not know. */
export function lookupTag(tag: string): TagInfo | undefined {
  return TAG_DICTIONARY.get(tag.toUpperCase());
}

/** Whether a tag's value is card data that must never be printed in clear. */
export function isSensitiveTag(tag: string): boolean {
  return lookupTag(tag)?.sensitive === true;
}
