//! Channel-conflict detection for deal registrations.
//!
//! The first partner to register an opportunity is protected. A new
//! registration whose end customer is the same as another partner's active
//! registration (exact on tax id or domain, fuzzy on the name, supported by
//! city and postal code) and whose products overlap is flagged to the approver
//! together with the reasons, so the approver never grants both by accident.
//!
//! Everything here is pure: normalisers turn raw user input into comparable
//! keys, [`name_index_keys`] gives the keys a repository indexes names under
//! (candidate lookup is an index probe, not a scan), and [`score_match`]
//! explains how alike two registrations are.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lowest score worth showing to an approver; lower scores are noise.
pub const REPORT_THRESHOLD: f64 = 0.6;

/// Legal-form words: they say how a company is incorporated, not who it is,
/// so "Acme Corp." and "ACME, Inc." must compare equal.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "llp",
    "lp",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "kg",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "plc",
    "pty",
    "pte",
    "srl",
    "spa",
    "oy",
    "ab",
    "as",
    "aps",
    "kk",
];

/// Longest run of single-letter tokens ("g m b h" from "G.m.b.H.") that is
/// tried as a dotted legal form.
const MAX_DOTTED_LETTERS: usize = 4;

/// Apostrophes vanish without splitting the word ("O'Brien" -> "obrien").
const APOSTROPHES: &[char] = &['\'', '\u{2018}', '\u{2019}', '\u{02BC}', '`'];

/// E-mail domains that say nothing about the organisation behind them.
const FREE_MAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "live.com",
    "icloud.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
];

/// Words so common in organisation names that indexing them would make every
/// school district a candidate for every other one.
const GENERIC_WORDS: &[&str] = &[
    "school",
    "schools",
    "district",
    "university",
    "college",
    "county",
    "city",
    "state",
    "of",
    "and",
    "the",
    "for",
    "public",
    "community",
    "unified",
    "independent",
    "high",
    "middle",
    "elementary",
    "academy",
    "institute",
    "department",
    "center",
    "hospital",
    "medical",
    "health",
    "group",
    "services",
    "systems",
    "solutions",
    "technology",
    "technologies",
    "international",
    "national",
    "global",
    "holdings",
    "partners",
    "associates",
    "enterprises",
    "industries",
    "government",
    "education",
    "board",
    "church",
    "foundation",
    "bank",
    "management",
    "consulting",
    "township",
    "saint",
    "mount",
    "north",
    "south",
    "east",
    "west",
    "new",
];

/// Organisation name in comparable form.
///
/// Folds away what people write differently for the same customer:
/// diacritics, case, punctuation, `&`/`+` (become "and"), a leading "the",
/// trailing legal forms ("Acme Holdings, Inc." -> "acme holdings",
/// "Müller GmbH & Co. KG" -> "muller") and common abbreviations
/// ("Sch. Dist." -> "school district"). A legal form right after "of" is kept
/// ("Dept. of Ag" is a department, not a stock company), and a name made only
/// of legal-form words is kept whole rather than emptied. Idempotent.
pub fn normalize_name(raw: &str) -> String {
    let mut tokens = fold(raw);
    let leading_the = tokens
        .iter()
        .take_while(|t| *t == "the")
        .count()
        .min(tokens.len().saturating_sub(1));
    tokens.drain(..leading_the);

    let end = end_without_legal_forms(&tokens);
    if end == 0 {
        // Only legal-form words: keep them rather than lose the name.
        return tokens.join(" ");
    }
    let kept = &tokens[..end];
    let mut words: Vec<&str> = Vec::with_capacity(kept.len());
    for (i, token) in kept.iter().enumerate() {
        words.push(expand_abbreviation(token, i == 0, i + 1 == kept.len()).unwrap_or(token));
    }
    words.join(" ")
}

/// Registrable domain from a URL, bare host or e-mail address.
///
/// Exact domain equality is strong evidence of the same customer, so the
/// scheme, credentials or e-mail local part, port, path, query, trailing dot
/// and leading `www.`/`www2.` are removed. No public-suffix logic beyond that.
/// `None` for anything that is not a plausible host name and for free-mail
/// providers, whose domain would wrongly match unrelated customers.
pub fn normalize_domain(raw: &str) -> Option<String> {
    let lowered = raw.trim().to_lowercase();
    let mut rest = lowered.as_str();
    rest = rest.strip_prefix("mailto:").unwrap_or(rest);
    if let Some((_, after_scheme)) = rest.split_once("://") {
        rest = after_scheme;
    }
    rest = rest.split(['/', '?', '#']).next().unwrap_or_default();
    rest = rest.rsplit('@').next().unwrap_or_default();
    rest = rest.split(':').next().unwrap_or_default();
    rest = rest.strip_suffix('.').unwrap_or(rest);
    while let Some(stripped) = strip_www_label(rest) {
        rest = stripped;
    }

    let valid_chars = rest
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-');
    let valid_labels = rest.contains('.') && rest.split('.').all(|label| !label.is_empty());
    if !valid_chars || !valid_labels || FREE_MAIL_DOMAINS.contains(&rest) {
        return None;
    }
    Some(rest.to_owned())
}

/// Tax/VAT/EIN identifier: ASCII uppercase alphanumerics only ("de 123.456-789" -> "DE123456789"); None if fewer than 4 chars remain.
///
/// People type separators and spaces freely; what identifies the company is
/// the characters, and anything shorter than 4 is too weak to trust.
pub fn normalize_tax_id(raw: &str) -> Option<String> {
    let id = ascii_alphanumeric_upper(raw);
    (id.len() >= 4).then_some(id)
}

/// Postal code: uppercase alphanumerics only; None if empty.
///
/// "sw1a 1aa" and "SW1A-1AA" are the same code; only ASCII letters and
/// digits are kept, as postal codes use no others.
pub fn normalize_postal_code(raw: &str) -> Option<String> {
    let code = ascii_alphanumeric_upper(raw);
    (!code.is_empty()).then_some(code)
}

/// City: same folding as names (diacritics, case, punctuation) but no suffix/abbreviation rules except st->saint as first token; None if empty.
///
/// City names carry no legal forms, and "St. Gallen" / "Saint Gallen" must
/// still compare equal.
pub fn normalize_city(raw: &str) -> Option<String> {
    let mut tokens = fold(raw);
    if let Some(first) = tokens.first_mut()
        && first == "st"
    {
        *first = "saint".to_owned();
    }
    (!tokens.is_empty()).then(|| tokens.join(" "))
}

/// Keys under which a normalised name is indexed for candidate lookup, so that finding candidates is an index probe, not a scan: for each token of the normalised name with >= 3 chars that is not a generic word, its first 4 characters (whole token if shorter) and, if longer, the whole token marked `=`; deduplicated, sorted. If every token is generic, use the first 4 chars of every token of length >= 3 instead (so "City School District" still gets keys).
///
/// A 4-character prefix survives most typos after the first letters
/// ("springfeld" still yields "spri"). If no token has 3 characters either
/// ("HP", "3M"), every token is used whole so that no name is unfindable.
pub fn name_index_keys(normalized: &str) -> Vec<String> {
    let long = |t: &&str| t.chars().count() >= 3;
    // The prefix, and for longer words the whole word too ("=springfield"): a conflict check
    // probes the rarest keys first, and whole words are far rarer than their prefixes.
    let keys_of = |t: &str| {
        let prefix: String = t.chars().take(4).collect();
        let whole = (t.chars().count() > 4).then(|| format!("={t}"));
        std::iter::once(prefix).chain(whole)
    };
    let tokens = || normalized.split_whitespace();

    let mut keys: BTreeSet<String> = tokens()
        .filter(long)
        .filter(|t| !GENERIC_WORDS.contains(t))
        .flat_map(keys_of)
        .collect();
    if keys.is_empty() {
        keys = tokens().filter(long).flat_map(keys_of).collect();
    }
    if keys.is_empty() {
        keys = tokens().map(str::to_owned).collect();
    }
    keys.into_iter().collect()
}

/// Similarity of two normalised names in 0.0..=1.0: Sørensen–Dice coefficient over character trigrams of each word padded with two leading spaces and one trailing space (as PostgreSQL pg_trgm does), computed on multisets->sets; 1.0 for equal non-empty strings, 0.0 if either is empty.
///
/// Trigrams tolerate typos and word-order changes, and padding weights the
/// start of words, where people misspell least. Words are the runs of
/// alphanumeric characters, so a string without any counts as empty.
pub fn name_similarity(a: &str, b: &str) -> f64 {
    let (ta, tb) = (trigrams(a), trigrams(b));
    if ta.is_empty() || tb.is_empty() {
        return 0.0;
    }
    if ta == tb {
        return 1.0;
    }
    let common = count_common(&ta, &tb);
    (2 * common) as f64 / (ta.len() + tb.len()) as f64
}

/// Elements common to two sorted, deduplicated slices, by one merge pass.
fn count_common(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common
}

/// The end customer of a registration, in normalised form, so that two
/// registrations can be compared field by field without re-normalising.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CustomerIdentity {
    /// Normalised with [`normalize_name`].
    pub name: String,
    /// Normalised with [`normalize_domain`].
    pub domain: Option<String>,
    /// Normalised with [`normalize_tax_id`].
    pub tax_id: Option<String>,
    /// Normalised with [`normalize_city`].
    pub city: Option<String>,
    /// Normalised with [`normalize_postal_code`].
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2, uppercase.
    pub country: String,
}

impl CustomerIdentity {
    /// Builds the identity from raw user input, normalising every field.
    ///
    /// Unusable optional input (blank, free-mail domain, too-short tax id)
    /// becomes `None` so it can never produce a false exact match.
    pub fn from_raw(
        name: &str,
        domain: Option<&str>,
        tax_id: Option<&str>,
        city: Option<&str>,
        postal_code: Option<&str>,
        country: &str,
    ) -> Self {
        Self {
            name: normalize_name(name),
            domain: domain.and_then(normalize_domain),
            tax_id: tax_id.and_then(normalize_tax_id),
            city: city.and_then(normalize_city),
            postal_code: postal_code.and_then(normalize_postal_code),
            country: country.trim().to_ascii_uppercase(),
        }
    }
}

/// One piece of evidence behind a [`MatchScore`], shown to the approver so
/// the decision is explainable.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MatchReason {
    /// Both registrations carry the same tax id.
    SameTaxId,
    /// Both registrations carry the same domain.
    SameDomain {
        /// The shared normalised domain.
        domain: String,
    },
    /// The names are alike.
    SimilarName {
        /// [`name_similarity`], rounded to 2 decimals.
        similarity: f64,
    },
    /// Same normalised city.
    SameCity,
    /// Same normalised postal code.
    SamePostalCode,
    /// The countries differ, which halves a name-based score.
    DifferentCountry,
    /// Products registered on both.
    OverlappingProducts {
        /// Common SKUs, sorted and deduplicated.
        skus: Vec<String>,
    },
    /// No product in common: the same customer, but not a channel conflict.
    NoProductOverlap,
}

impl std::fmt::Display for MatchReason {
    /// How an approver reads the evidence.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MatchReason::SameTaxId => f.write_str("same tax id"),
            MatchReason::SameDomain { domain } => write!(f, "same domain {domain}"),
            MatchReason::SimilarName { similarity } => write!(f, "names {:.0}% alike", similarity * 100.0),
            MatchReason::SameCity => f.write_str("same city"),
            MatchReason::SamePostalCode => f.write_str("same postal code"),
            MatchReason::DifferentCountry => f.write_str("different country"),
            MatchReason::OverlappingProducts { skus } => write!(f, "both register {}", skus.join(", ")),
            MatchReason::NoProductOverlap => f.write_str("no product in common"),
        }
    }
}

/// How likely an existing registration is the same opportunity as a new one.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MatchScore {
    /// 0.0..=1.0, rounded to 2 decimals
    pub score: f64,
    /// true when the customer is the same (score >= REPORT_THRESHOLD) AND products overlap: the approver must not grant both
    pub is_conflict: bool,
    /// The evidence, in the order: customer, country, products.
    pub reasons: Vec<MatchReason>,
}

/// Scores how likely `existing` is the same opportunity as `new`; None below REPORT_THRESHOLD.
///
/// Kept simple so an approver can follow it from the reasons:
///
/// * Customer score: 1.0 when the tax ids or the domains are equal
///   (`SameTaxId`, `SameDomain`). Otherwise `0.8 * s` for the name similarity
///   `s` (`SimilarName` when `s >= 0.5`), `+ 0.1` for the same city
///   (`SameCity`) and `+ 0.1` for the same postal code (`SamePostalCode`);
///   when both countries are given and differ, that is halved
///   (`DifferentCountry`). Capped at 1.0.
/// * Overall score: the customer score when SKUs overlap
///   (`OverlappingProducts`, with the common SKUs); otherwise 0.75 times it
///   (`NoProductOverlap`), since a different product for the same customer
///   deserves a look but is no conflict.
/// * `is_conflict` when products overlap and the customer score reaches
///   [`REPORT_THRESHOLD`]. SKUs compare exactly after trimming.
pub fn score_match(
    new: &CustomerIdentity,
    new_skus: &[String],
    existing: &CustomerIdentity,
    existing_skus: &[String],
) -> Option<MatchScore> {
    let (customer, mut reasons) = customer_score(new, existing);

    let new_set: BTreeSet<&str> = sku_set(new_skus);
    let common: Vec<String> = sku_set(existing_skus)
        .intersection(&new_set)
        .map(|s| (*s).to_owned())
        .collect();
    let overlaps = !common.is_empty();
    let overall = if overlaps {
        reasons.push(MatchReason::OverlappingProducts { skus: common });
        customer
    } else {
        reasons.push(MatchReason::NoProductOverlap);
        customer * 0.75
    };

    let score = round2(overall);
    if score < REPORT_THRESHOLD {
        return None;
    }
    Some(MatchScore {
        score,
        is_conflict: overlaps && round2(customer) >= REPORT_THRESHOLD,
        reasons,
    })
}

/// Whether `existing` can be reported as a match of `new` for any products: the overall score never
/// exceeds the customer score, so a customer below the threshold can be skipped before its
/// registrations are even loaded.
pub fn could_match(new: &CustomerIdentity, existing: &CustomerIdentity) -> bool {
    round2(customer_score(new, existing).0) >= REPORT_THRESHOLD
}

/// Customer part of [`score_match`]: the score before products are looked at.
fn customer_score(new: &CustomerIdentity, existing: &CustomerIdentity) -> (f64, Vec<MatchReason>) {
    let mut reasons = Vec::new();
    if same_some(&new.tax_id, &existing.tax_id) {
        reasons.push(MatchReason::SameTaxId);
    }
    if let Some(domain) = new.domain.as_ref().filter(|_| same_some(&new.domain, &existing.domain)) {
        reasons.push(MatchReason::SameDomain { domain: domain.clone() });
    }
    if !reasons.is_empty() {
        return (1.0, reasons);
    }

    let similarity = name_similarity(&new.name, &existing.name);
    let mut score = 0.8 * similarity;
    if similarity >= 0.5 {
        reasons.push(MatchReason::SimilarName {
            similarity: round2(similarity),
        });
    }
    if same_some(&new.city, &existing.city) {
        score += 0.1;
        reasons.push(MatchReason::SameCity);
    }
    if same_some(&new.postal_code, &existing.postal_code) {
        score += 0.1;
        reasons.push(MatchReason::SamePostalCode);
    }
    if !new.country.is_empty() && !existing.country.is_empty() && new.country != existing.country {
        score *= 0.5;
        reasons.push(MatchReason::DifferentCountry);
    }
    (score.min(1.0), reasons)
}

/// Both present and equal: a missing value is no evidence either way.
fn same_some(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x == y)
}

fn sku_set(skus: &[String]) -> BTreeSet<&str> {
    skus.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Shared folding of names and cities: compatibility decomposition, lowercase,
/// diacritics dropped, `&`/`+` as "and", apostrophes dropped, every other
/// non-alphanumeric character a separator. Returns the tokens.
fn fold(raw: &str) -> Vec<String> {
    // Decompose before and after lowercasing: compatibility characters can
    // decompose into uppercase letters ("㎁" -> "nA"), and lowercasing can
    // yield combining marks ("İ" -> "i̇").
    let lowered: String = raw.nfkd().flat_map(char::to_lowercase).collect();
    let mut folded = String::with_capacity(lowered.len());
    for c in lowered.nfkd() {
        if is_combining_mark(c) || APOSTROPHES.contains(&c) {
            continue;
        }
        match c {
            '&' | '+' => folded.push_str(" and "),
            c if c.is_alphanumeric() => folded.push(c),
            _ => folded.push(' '),
        }
    }
    folded.split_whitespace().map(str::to_owned).collect()
}

/// Number of leading tokens left once trailing legal forms (and the "and" of
/// "& Co.") are stripped repeatedly; 0 when nothing would be left.
fn end_without_legal_forms(tokens: &[String]) -> usize {
    let mut end = tokens.len();
    loop {
        let len = trailing_legal_form_len(&tokens[..end]);
        if len == 0 {
            return end;
        }
        end -= len;
        if end > 0 && tokens[end - 1] == "and" {
            end -= 1;
        }
    }
}

/// How many trailing tokens form one legal form: a legal-form word, or a run
/// of single letters spelling one ("l l c" from "L.L.C."); 0 if none, or if
/// it follows "of".
fn trailing_legal_form_len(tokens: &[String]) -> usize {
    let Some(last) = tokens.last() else {
        return 0;
    };
    let len = if last.chars().count() > 1 {
        usize::from(LEGAL_FORMS.contains(&last.as_str()))
    } else {
        let letters = tokens
            .iter()
            .rev()
            .take_while(|t| t.chars().count() == 1)
            .count()
            .min(MAX_DOTTED_LETTERS);
        (2..=letters)
            .rev()
            .find(|&k| {
                let spelled: String = tokens[tokens.len() - k..].concat();
                LEGAL_FORMS.contains(&spelled.as_str())
            })
            .unwrap_or(0)
    };
    let follows_of = len > 0 && tokens.len() > len && tokens[tokens.len() - len - 1] == "of";
    if follows_of { 0 } else { len }
}

/// Whole-token abbreviation expansion. "st" is "saint" only as the first
/// token and "street" elsewhere; "co" is "county" except at the end, where it
/// is the legal form kept after "of".
fn expand_abbreviation(token: &str, first: bool, last: bool) -> Option<&'static str> {
    let expanded = match token {
        "sch" | "schl" => "school",
        "dist" | "dst" => "district",
        "univ" | "uni" => "university",
        "intl" => "international",
        "dept" => "department",
        "st" if first => "saint",
        "st" => "street",
        "mt" => "mount",
        "ctr" | "cntr" | "centre" => "center",
        "hosp" => "hospital",
        "med" => "medical",
        "assn" | "assoc" => "association",
        "inst" => "institute",
        "acad" => "academy",
        "elem" => "elementary",
        "co" if !last => "county",
        "cty" => "county",
        "twp" => "township",
        "mfg" => "manufacturing",
        "svcs" | "svc" => "services",
        "tech" => "technology",
        "natl" => "national",
        "govt" => "government",
        "hs" => "high school",
        "isd" => "independent school district",
        "usd" => "unified school district",
        "bd" => "board",
        "ed" | "edu" => "education",
        "coll" => "college",
        "cmty" | "comm" => "community",
        "sys" => "systems",
        "grp" => "group",
        _ => return None,
    };
    Some(expanded)
}

fn ascii_alphanumeric_upper(raw: &str) -> String {
    raw.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// `www.` or `www<digits>.` removed from the front, if a dotted name remains.
fn strip_www_label(host: &str) -> Option<&str> {
    let (label, rest) = host.split_once('.')?;
    let digits = label.strip_prefix("www")?;
    (digits.chars().all(|c| c.is_ascii_digit()) && rest.contains('.')).then_some(rest)
}

/// Padded trigrams of every word, as pg_trgm builds them.
/// The set of padded character trigrams of each word, as a sorted vector of packed chars: a
/// conflict check compares hundreds of names, so this avoids a tree allocation per trigram.
fn trigrams(s: &str) -> Vec<u64> {
    let mut set = Vec::with_capacity(s.len() + 8);
    for word in s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let padded: Vec<char> = "  ".chars().chain(word.chars()).chain([' ']).collect();
        set.extend(
            padded
                .windows(3)
                .map(|w| (u64::from(w[0]) << 42) | (u64::from(w[1]) << 21) | u64::from(w[2])),
        );
    }
    set.sort_unstable();
    set.dedup();
    set
}

#[cfg(test)]
mod tests;
