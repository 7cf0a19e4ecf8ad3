/**
 * ISO 4217 currency codes (numeric code, alphabetic code, minor-unit
 * exponent) and ISO 3166-1 numeric country codes, as EMV carries them in
 * 5F2A, 9F42, 5F28 and 9F1A (Book 3 Annex A: n 3, right-justified in 2 bytes).
 * The currencies a terminal meets in practice, not the whole standard; an
 * unknown code is shown by number.
 */

export interface CurrencyInfo {
  readonly numeric: number;
  readonly alpha: string;
  readonly name: string;
  /** Digits after the decimal point (ISO 4217 minor unit). */
  readonly exponent: number;
}

type CurrencyRow = readonly [numeric: number, alpha: string, name: string, exponent: number];

const CURRENCY_ROWS: readonly CurrencyRow[] = [
  [36, 'AUD', 'Australian Dollar', 2],
  [48, 'BHD', 'Bahraini Dinar', 3],
  [124, 'CAD', 'Canadian Dollar', 2],
  [152, 'CLP', 'Chilean Peso', 0],
  [156, 'CNY', 'Yuan Renminbi', 2],
  [170, 'COP', 'Colombian Peso', 2],
  [203, 'CZK', 'Czech Koruna', 2],
  [208, 'DKK', 'Danish Krone', 2],
  [344, 'HKD', 'Hong Kong Dollar', 2],
  [348, 'HUF', 'Forint', 2],
  [352, 'ISK', 'Iceland Krona', 0],
  [356, 'INR', 'Indian Rupee', 2],
  [360, 'IDR', 'Rupiah', 2],
  [368, 'IQD', 'Iraqi Dinar', 3],
  [376, 'ILS', 'New Israeli Sheqel', 2],
  [392, 'JPY', 'Yen', 0],
  [400, 'JOD', 'Jordanian Dinar', 3],
  [404, 'KES', 'Kenyan Shilling', 2],
  [410, 'KRW', 'Won', 0],
  [414, 'KWD', 'Kuwaiti Dinar', 3],
  [434, 'LYD', 'Libyan Dinar', 3],
  [458, 'MYR', 'Malaysian Ringgit', 2],
  [484, 'MXN', 'Mexican Peso', 2],
  [504, 'MAD', 'Moroccan Dirham', 2],
  [512, 'OMR', 'Rial Omani', 3],
  [554, 'NZD', 'New Zealand Dollar', 2],
  [566, 'NGN', 'Naira', 2],
  [578, 'NOK', 'Norwegian Krone', 2],
  [586, 'PKR', 'Pakistan Rupee', 2],
  [608, 'PHP', 'Philippine Peso', 2],
  [634, 'QAR', 'Qatari Rial', 2],
  [643, 'RUB', 'Russian Ruble', 2],
  [682, 'SAR', 'Saudi Riyal', 2],
  [702, 'SGD', 'Singapore Dollar', 2],
  [704, 'VND', 'Dong', 0],
  [710, 'ZAR', 'Rand', 2],
  [752, 'SEK', 'Swedish Krona', 2],
  [756, 'CHF', 'Swiss Franc', 2],
  [764, 'THB', 'Baht', 2],
  [784, 'AED', 'UAE Dirham', 2],
  [788, 'TND', 'Tunisian Dinar', 3],
  [818, 'EGP', 'Egyptian Pound', 2],
  [826, 'GBP', 'Pound Sterling', 2],
  [840, 'USD', 'US Dollar', 2],
  [901, 'TWD', 'New Taiwan Dollar', 2],
  [941, 'RSD', 'Serbian Dinar', 2],
  [946, 'RON', 'Romanian Leu', 2],
  [949, 'TRY', 'Turkish Lira', 2],
  [952, 'XOF', 'CFA Franc BCEAO', 0],
  [953, 'XPF', 'CFP Franc', 0],
  [975, 'BGN', 'Bulgarian Lev', 2],
  [978, 'EUR', 'Euro', 2],
  [980, 'UAH', 'Hryvnia', 2],
  [985, 'PLN', 'Zloty', 2],
  [986, 'BRL', 'Brazilian Real', 2],
  [990, 'CLF', 'Unidad de Fomento', 4],
];

export const CURRENCIES: ReadonlyMap<number, CurrencyInfo> = new Map(
  CURRENCY_ROWS.map(([numeric, alpha, name, exponent]) => [numeric, { numeric, alpha, name, exponent }]),
);

const COUNTRY_ROWS: readonly (readonly [number, string, string])[] = [
  [36, 'AU', 'Australia'],
  [40, 'AT', 'Austria'],
  [56, 'BE', 'Belgium'],
  [76, 'BR', 'Brazil'],
  [100, 'BG', 'Bulgaria'],
  [124, 'CA', 'Canada'],
  [152, 'CL', 'Chile'],
  [156, 'CN', 'China'],
  [170, 'CO', 'Colombia'],
  [191, 'HR', 'Croatia'],
  [196, 'CY', 'Cyprus'],
  [203, 'CZ', 'Czechia'],
  [208, 'DK', 'Denmark'],
  [233, 'EE', 'Estonia'],
  [246, 'FI', 'Finland'],
  [250, 'FR', 'France'],
  [276, 'DE', 'Germany'],
  [300, 'GR', 'Greece'],
  [344, 'HK', 'Hong Kong'],
  [348, 'HU', 'Hungary'],
  [352, 'IS', 'Iceland'],
  [356, 'IN', 'India'],
  [360, 'ID', 'Indonesia'],
  [372, 'IE', 'Ireland'],
  [376, 'IL', 'Israel'],
  [380, 'IT', 'Italy'],
  [392, 'JP', 'Japan'],
  [400, 'JO', 'Jordan'],
  [404, 'KE', 'Kenya'],
  [410, 'KR', 'Korea, Republic of'],
  [414, 'KW', 'Kuwait'],
  [428, 'LV', 'Latvia'],
  [440, 'LT', 'Lithuania'],
  [442, 'LU', 'Luxembourg'],
  [458, 'MY', 'Malaysia'],
  [470, 'MT', 'Malta'],
  [484, 'MX', 'Mexico'],
  [504, 'MA', 'Morocco'],
  [528, 'NL', 'Netherlands'],
  [554, 'NZ', 'New Zealand'],
  [566, 'NG', 'Nigeria'],
  [578, 'NO', 'Norway'],
  [586, 'PK', 'Pakistan'],
  [608, 'PH', 'Philippines'],
  [616, 'PL', 'Poland'],
  [620, 'PT', 'Portugal'],
  [634, 'QA', 'Qatar'],
  [642, 'RO', 'Romania'],
  [643, 'RU', 'Russian Federation'],
  [682, 'SA', 'Saudi Arabia'],
  [688, 'RS', 'Serbia'],
  [702, 'SG', 'Singapore'],
  [703, 'SK', 'Slovakia'],
  [704, 'VN', 'Viet Nam'],
  [705, 'SI', 'Slovenia'],
  [710, 'ZA', 'South Africa'],
  [724, 'ES', 'Spain'],
  [752, 'SE', 'Sweden'],
  [756, 'CH', 'Switzerland'],
  [764, 'TH', 'Thailand'],
  [784, 'AE', 'United Arab Emirates'],
  [788, 'TN', 'Tunisia'],
  [792, 'TR', 'Türkiye'],
  [804, 'UA', 'Ukraine'],
  [818, 'EG', 'Egypt'],
  [826, 'GB', 'United Kingdom'],
  [840, 'US', 'United States of America'],
];

export interface CountryInfo {
  readonly numeric: number;
  readonly alpha2: string;
  readonly name: string;
}

export const COUNTRIES: ReadonlyMap<number, CountryInfo> = new Map(COUNTRY_ROWS.map(([numeric, alpha2, name]) => [numeric, { numeric, alpha2, name }]));

export function currencyByNumeric(code: number): CurrencyInfo | undefined {
  return CURRENCIES.get(code);
}

export function countryByNumeric(code: number): CountryInfo | undefined {
  return COUNTRIES.get(code);
}
