//! Places a document names: the ISO 3166-1 alpha-3 countries (the relay's and the providers'
//! codes) and the US states a US driver's license is issued by. One list for the relay's checks
//! and, later, the widget's pickers (which add names in the user's language from the alpha-2
//! code).

/// Every country of ISO 3166-1 as alpha-3 then alpha-2 code, five letters each, sorted by
/// alpha-3 ([`countries`] reads it): the 249 officially assigned codes, and Kosovo's
/// `XKX`/`XK`. Assumption (ISO leaves Kosovo to user-assigned codes): Kosovo issues passports
/// and identity cards a KYC product must take, and `XKX` is the code the EU and most
/// verification vendors use for it. One string, not a table of pairs: the widget carries it,
/// and 250 pairs of string references would weigh four times its letters.
const COUNTRY_CODES: &str = concat!(
    "ABWAWAFGAFAGOAOAIAAIALAAXALBALANDADAREAEARGARARMAMASMASATAAQATFTFATGAGAUSAUAUTATAZEAZBDIBI",
    "BELBEBENBJBESBQBFABFBGDBDBGRBGBHRBHBHSBSBIHBABLMBLBLRBYBLZBZBMUBMBOLBOBRABRBRBBBBRNBNBTNBT",
    "BVTBVBWABWCAFCFCANCACCKCCCHECHCHLCLCHNCNCIVCICMRCMCODCDCOGCGCOKCKCOLCOCOMKMCPVCVCRICRCUBCU",
    "CUWCWCXRCXCYMKYCYPCYCZECZDEUDEDJIDJDMADMDNKDKDOMDODZADZECUECEGYEGERIERESHEHESPESESTEEETHET",
    "FINFIFJIFJFLKFKFRAFRFROFOFSMFMGABGAGBRGBGEOGEGGYGGGHAGHGIBGIGINGNGLPGPGMBGMGNBGWGNQGQGRCGR",
    "GRDGDGRLGLGTMGTGUFGFGUMGUGUYGYHKGHKHMDHMHNDHNHRVHRHTIHTHUNHUIDNIDIMNIMINDINIOTIOIRLIEIRNIR",
    "IRQIQISLISISRILITAITJAMJMJEYJEJORJOJPNJPKAZKZKENKEKGZKGKHMKHKIRKIKNAKNKORKRKWTKWLAOLALBNLB",
    "LBRLRLBYLYLCALCLIELILKALKLSOLSLTULTLUXLULVALVMACMOMAFMFMARMAMCOMCMDAMDMDGMGMDVMVMEXMXMHLMH",
    "MKDMKMLIMLMLTMTMMRMMMNEMEMNGMNMNPMPMOZMZMRTMRMSRMSMTQMQMUSMUMWIMWMYSMYMYTYTNAMNANCLNCNERNE",
    "NFKNFNGANGNICNINIUNUNLDNLNORNONPLNPNRUNRNZLNZOMNOMPAKPKPANPAPCNPNPERPEPHLPHPLWPWPNGPGPOLPL",
    "PRIPRPRKKPPRTPTPRYPYPSEPSPYFPFQATQAREUREROURORUSRURWARWSAUSASDNSDSENSNSGPSGSGSGSSHNSHSJMSJ",
    "SLBSBSLESLSLVSVSMRSMSOMSOSPMPMSRBRSSSDSSSTPSTSURSRSVKSKSVNSISWESESWZSZSXMSXSYCSCSYRSYTCATC",
    "TCDTDTGOTGTHATHTJKTJTKLTKTKMTMTLSTLTONTOTTOTTTUNTNTURTRTUVTVTWNTWTZATZUGAUGUKRUAUMIUMURYUY",
    "USAUSUZBUZVATVAVCTVCVENVEVGBVGVIRVIVNMVNVUTVUWLFWFWSMWSXKXXKYEMYEZAFZAZMBZMZWEZW",
);

/// How many letters one country takes in [`COUNTRY_CODES`].
const COUNTRY_LETTERS: usize = 5;

/// Every country as `(alpha-3, alpha-2)`, sorted by alpha-3.
///
/// # Examples
/// ```
/// let mut countries = kyc_core::places::countries();
/// assert_eq!(countries.next(), Some(("ABW", "AW")));
/// assert_eq!(kyc_core::places::countries().count(), 250);
/// ```
pub fn countries() -> impl ExactSizeIterator<Item = (&'static str, &'static str)> {
    (0..COUNTRY_CODES.len() / COUNTRY_LETTERS).map(country)
}

/// The country at `index` of [`COUNTRY_CODES`].
fn country(index: usize) -> (&'static str, &'static str) {
    let entry = &COUNTRY_CODES[index * COUNTRY_LETTERS..][..COUNTRY_LETTERS];
    (&entry[..3], &entry[3..])
}

/// The index of `alpha3` in [`COUNTRY_CODES`].
fn country_index(alpha3: &str) -> Option<usize> {
    let (mut low, mut high) = (0, COUNTRY_CODES.len() / COUNTRY_LETTERS);
    while low < high {
        let middle = (low + high) / 2;
        match country(middle).0.cmp(alpha3) {
            std::cmp::Ordering::Less => low = middle + 1,
            std::cmp::Ordering::Greater => high = middle,
            std::cmp::Ordering::Equal => return Some(middle),
        }
    }
    None
}

/// The US states and the District of Columbia as `(USPS code, name)`: who issues a US driver's
/// license. Assumption: the territories (Puerto Rico, Guam, ...) have their own ISO codes
/// (`PRI`, `GUM`, ...), so their licenses name those countries, not `USA`.
pub const US_STATES: &[(&str, &str)] = &[
    ("AL", "Alabama"),
    ("AK", "Alaska"),
    ("AZ", "Arizona"),
    ("AR", "Arkansas"),
    ("CA", "California"),
    ("CO", "Colorado"),
    ("CT", "Connecticut"),
    ("DE", "Delaware"),
    ("DC", "District of Columbia"),
    ("FL", "Florida"),
    ("GA", "Georgia"),
    ("HI", "Hawaii"),
    ("ID", "Idaho"),
    ("IL", "Illinois"),
    ("IN", "Indiana"),
    ("IA", "Iowa"),
    ("KS", "Kansas"),
    ("KY", "Kentucky"),
    ("LA", "Louisiana"),
    ("ME", "Maine"),
    ("MD", "Maryland"),
    ("MA", "Massachusetts"),
    ("MI", "Michigan"),
    ("MN", "Minnesota"),
    ("MS", "Mississippi"),
    ("MO", "Missouri"),
    ("MT", "Montana"),
    ("NE", "Nebraska"),
    ("NV", "Nevada"),
    ("NH", "New Hampshire"),
    ("NJ", "New Jersey"),
    ("NM", "New Mexico"),
    ("NY", "New York"),
    ("NC", "North Carolina"),
    ("ND", "North Dakota"),
    ("OH", "Ohio"),
    ("OK", "Oklahoma"),
    ("OR", "Oregon"),
    ("PA", "Pennsylvania"),
    ("RI", "Rhode Island"),
    ("SC", "South Carolina"),
    ("SD", "South Dakota"),
    ("TN", "Tennessee"),
    ("TX", "Texas"),
    ("UT", "Utah"),
    ("VT", "Vermont"),
    ("VA", "Virginia"),
    ("WA", "Washington"),
    ("WV", "West Virginia"),
    ("WI", "Wisconsin"),
    ("WY", "Wyoming"),
];

/// Whether `alpha3` (upper case, as [`crate::country_code`] gives it) is a country of
/// [`countries`].
#[must_use]
pub fn is_country(alpha3: &str) -> bool {
    country_index(alpha3).is_some()
}

/// The alpha-2 code of the country `alpha3` (e.g. for `Intl.DisplayNames`).
#[must_use]
pub fn alpha2(alpha3: &str) -> Option<&'static str> {
    country_index(alpha3).map(|index| country(index).1)
}

/// The USPS code of the US state `raw` names by its code (trimmed, any case), e.g. `" ca"` is
/// `CA`; `None` for anything else.
///
/// # Examples
/// ```
/// assert_eq!(kyc_core::places::us_state(" ca"), Some("CA"));
/// assert_eq!(kyc_core::places::us_state("ZZ"), None);
/// assert_eq!(kyc_core::places::us_state("California"), None);
/// ```
#[must_use]
pub fn us_state(raw: &str) -> Option<&'static str> {
    let raw = raw.trim();
    US_STATES
        .iter()
        .find(|(code, _)| code.eq_ignore_ascii_case(raw))
        .map(|(code, _)| *code)
}

/// The longest region (state, province) of a country other than the USA, in characters.
pub const MAX_REGION_CHARS: usize = 64;

/// Why a document's `state` was refused ([`document_state`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateProblem {
    /// Issued in the USA and not the USPS code of a state or DC.
    NotUsState,
    /// Issued elsewhere and not a region's name or code.
    NotRegion,
}

impl StateProblem {
    /// What is wrong and what is taken, for the developer (it quotes nothing of the input).
    pub fn describe(self) -> String {
        match self {
            StateProblem::NotUsState => "state must be the two-letter USPS code of a US state \
                                         or DC, such as CA, for a document issued in the USA"
                .to_owned(),
            StateProblem::NotRegion => format!(
                "state must be the name or code of the region that issued the document: 1 to \
                 {MAX_REGION_CHARS} letters, digits, spaces, hyphens, apostrophes or dots"
            ),
        }
    }
}

/// The `state` of a document issued by `issuing_country` (alpha-3), as it is sent on: a USA
/// document's is the USPS code of a state or DC (upper-cased); another country's is a region's
/// name or code (B: "optional for a DRIVERS_LICENSE issued elsewhere", format not given).
/// Assumption: letters of any script, digits, spaces, `-`, `'` and `.` name every region; an
/// emoji, a control or a bidi override character names none and would reach the provider's
/// records.
///
/// # Examples
/// ```
/// use kyc_core::places::{document_state, StateProblem};
/// assert_eq!(document_state("USA", "ny"), Ok("NY".to_owned()));
/// assert_eq!(document_state("USA", "ZZ"), Err(StateProblem::NotUsState));
/// assert_eq!(document_state("CAN", " Québec "), Ok("Québec".to_owned()));
/// assert_eq!(document_state("CAN", "On\u{202e}"), Err(StateProblem::NotRegion));
/// ```
pub fn document_state(issuing_country: &str, raw: &str) -> Result<String, StateProblem> {
    if issuing_country == "USA" {
        return us_state(raw)
            .map(str::to_owned)
            .ok_or(StateProblem::NotUsState);
    }
    crate::text::one_line(raw, MAX_REGION_CHARS)
        .filter(|region| {
            region.chars().any(char::is_alphanumeric)
                && region
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\'' | '.'))
        })
        .map(str::to_owned)
        .ok_or(StateProblem::NotRegion)
}
