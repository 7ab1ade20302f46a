use super::*;
use proptest::prelude::*;

fn skus(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn identity(name: &str, domain: Option<&str>, city: Option<&str>) -> CustomerIdentity {
    CustomerIdentity::from_raw(name, domain, None, city, None, "us")
}

#[test]
fn abbreviations_and_legal_forms_normalise_equal() {
    assert_eq!(
        normalize_name("Springfield Sch. Dist."),
        normalize_name("Springfield School District, Inc.")
    );
    assert_eq!(normalize_name("Springfield Sch. Dist."), "springfield school district");
}

#[test]
fn legal_forms_are_dropped() {
    for raw in ["ACME Corporation", "Acme Corp.", "acme, inc", "The Acme Company LLC"] {
        assert_eq!(normalize_name(raw), "acme", "{raw}");
    }
    assert_eq!(normalize_name("Acme Holdings, Inc."), "acme holdings");
    assert_eq!(normalize_name("Müller GmbH & Co. KG"), "muller");
    assert_eq!(normalize_name("Acme L.L.C."), "acme");
    assert_eq!(normalize_name("Fiat S.p.A."), "fiat");
    assert_eq!(normalize_name("Bosch G.m.b.H."), "bosch");
    assert_eq!(normalize_name("Renault S.A.S."), "renault");
}

#[test]
fn names_are_never_emptied() {
    assert_eq!(normalize_name("Company"), "company");
    assert_eq!(normalize_name("Co. Inc."), "co inc");
    assert_eq!(normalize_name("The"), "the");
    assert_eq!(normalize_name("The Co."), "co");
    assert_eq!(normalize_name(""), "");
    assert_eq!(normalize_name(" .,- "), "");
}

#[test]
fn legal_form_after_of_is_kept() {
    assert_eq!(normalize_name("Texas Dept. of Ag"), "texas department of ag");
}

#[test]
fn diacritics_and_punctuation_fold() {
    assert_eq!(
        normalize_name("Zürich Versicherungs-Gesellschaft AG"),
        "zurich versicherungs gesellschaft"
    );
    assert_eq!(normalize_name("Société Générale"), "societe generale");
    assert_eq!(normalize_name("O'Brien Plumbing"), "obrien plumbing");
    assert_eq!(normalize_name("St. Mary’s Hospital"), "saint marys hospital");
    assert_eq!(normalize_name("12 Main St. Partners"), "12 main street partners");
}

#[test]
fn ampersand_and_plus_are_and() {
    assert_eq!(
        normalize_name("Smith & Sons Ltd"),
        normalize_name("Smith and Sons Limited")
    );
    assert_eq!(normalize_name("Smith+Sons"), "smith and sons");
}

#[test]
fn abbreviations_expand_as_whole_tokens() {
    assert_eq!(
        normalize_name("Univ. of Texas at Austin"),
        "university of texas at austin"
    );
    assert_eq!(
        normalize_name("Acme Int'l Mfg. Co."),
        "acme international manufacturing"
    );
    assert_eq!(
        normalize_name("Orange Co. Public Schools"),
        "orange county public schools"
    );
    assert_eq!(
        normalize_name("Round Rock ISD"),
        "round rock independent school district"
    );
    assert_eq!(normalize_name("Lincoln HS"), "lincoln high school");
    assert_eq!(normalize_name("Mt. Sinai Med. Ctr."), "mount sinai medical center");
    assert_eq!(normalize_name("Stanford"), "stanford");
}

#[test]
fn domains_normalise() {
    let acme = Some("acme.com".to_owned());
    for raw in [
        "https://www.Acme.com/about",
        "ACME.COM",
        "sales@acme.com",
        "www.acme.com:8080",
        "http://user:pw@www2.acme.com:443/x?y=1#z",
        "acme.com.",
        "mailto:Sales@ACME.com",
    ] {
        assert_eq!(normalize_domain(raw), acme, "{raw}");
    }
    assert_eq!(normalize_domain("http://acme.co.uk"), Some("acme.co.uk".to_owned()));
    assert_eq!(normalize_domain("www.com"), Some("www.com".to_owned()));
}

#[test]
fn unusable_domains_are_none() {
    for raw in [
        "localhost",
        "",
        "jane@gmail.com",
        "https://www.gmail.com",
        "someone@GMX.de",
        "acme..com",
        ".acme.com",
        "acme com.org",
        "münchen.de",
        "http://[::1]/",
    ] {
        assert_eq!(normalize_domain(raw), None, "{raw}");
    }
}

#[test]
fn tax_ids_postal_codes_and_cities_normalise() {
    assert_eq!(normalize_tax_id("de 123.456-789"), Some("DE123456789".to_owned()));
    assert_eq!(normalize_tax_id("12-3"), None);
    assert_eq!(normalize_postal_code("sw1a 1aa"), Some("SW1A1AA".to_owned()));
    assert_eq!(normalize_postal_code(" - "), None);
    assert_eq!(normalize_city("Zürich"), Some("zurich".to_owned()));
    assert_eq!(normalize_city("St. Gallen"), Some("saint gallen".to_owned()));
    assert_eq!(normalize_city("Acme Co"), Some("acme co".to_owned()));
    assert_eq!(normalize_city("  "), None);
}

#[test]
fn similarity_examples() {
    assert_eq!(name_similarity("acme", "acme"), 1.0);
    let typo = name_similarity("springfield school district", "springfeld school district");
    assert!(typo > 0.8, "{typo}");
    let unrelated = name_similarity("acme", "globex");
    assert!(unrelated < 0.2, "{unrelated}");
    assert_eq!(
        name_similarity("acme widgets", "globex"),
        name_similarity("globex", "acme widgets")
    );
    assert_eq!(name_similarity("", "acme"), 0.0);
    assert_eq!(name_similarity("acme", ""), 0.0);
}

#[test]
fn index_keys() {
    assert_eq!(
        name_index_keys("springfield school district"),
        vec!["=springfield", "spri"]
    );
    let typo = name_index_keys("springfeld school district");
    assert!(typo.contains(&"spri".to_owned()));
    assert_eq!(
        name_index_keys(&normalize_name("City School District")),
        vec!["=district", "=school", "city", "dist", "scho"]
    );
    assert_eq!(name_index_keys("bob and bobby co"), vec!["=bobby", "bob", "bobb"]);
    assert_eq!(name_index_keys(&normalize_name("HP Inc.")), vec!["hp"]);
    assert!(name_index_keys("").is_empty());
}

#[test]
fn same_domain_different_name_is_conflict() {
    let new = identity("Acme Corp", Some("https://www.acme.com/contact"), None);
    let existing = identity("Roadrunner Holdings", Some("sales@acme.com"), None);
    let found = score_match(&new, &skus(&["X1", "Y2"]), &existing, &skus(&["Y2", "Z3"]));
    assert_eq!(
        found,
        Some(MatchScore {
            score: 1.0,
            is_conflict: true,
            reasons: vec![
                MatchReason::SameDomain {
                    domain: "acme.com".to_owned()
                },
                MatchReason::OverlappingProducts { skus: skus(&["Y2"]) },
            ],
        })
    );
}

#[test]
fn same_tax_id_beats_different_country() {
    let new = CustomerIdentity::from_raw("Acme", None, Some("DE 123 456 789"), None, None, "de");
    let existing = CustomerIdentity::from_raw("Acme GmbH", None, Some("de123456789"), None, None, "AT");
    let found = score_match(&new, &skus(&["A"]), &existing, &skus(&["A"]));
    let found = found.expect("same tax id must be reported");
    assert_eq!(found.score, 1.0);
    assert!(found.is_conflict);
    assert_eq!(found.reasons[0], MatchReason::SameTaxId);
}

#[test]
fn same_customer_different_products_is_no_conflict() {
    let new = CustomerIdentity::from_raw("Acme Inc", None, None, Some("Austin"), Some("78701"), "US");
    let existing = CustomerIdentity::from_raw("ACME Corporation", None, None, Some("austin"), Some("78701"), "us");
    let found = score_match(&new, &skus(&["A"]), &existing, &skus(&["B"])).expect("same customer must be reported");
    assert_eq!(found.score, 0.75);
    assert!(!found.is_conflict);
    assert_eq!(found.reasons.last(), Some(&MatchReason::NoProductOverlap));
}

#[test]
fn unrelated_customers_are_not_reported() {
    let new = identity("Acme", Some("acme.com"), Some("Austin"));
    let existing = identity("Globex", Some("globex.com"), Some("Austin"));
    assert_eq!(score_match(&new, &skus(&["A"]), &existing, &skus(&["A"])), None);
}

#[test]
fn name_match_across_countries_is_not_reported() {
    let new = CustomerIdentity::from_raw("Acme", None, None, None, None, "US");
    let existing = CustomerIdentity::from_raw("Acme", None, None, None, None, "CA");
    assert_eq!(score_match(&new, &skus(&["A"]), &existing, &skus(&["A"])), None);
    let (score, reasons) = customer_score(&new, &existing);
    assert_eq!(round2(score), 0.4);
    assert_eq!(reasons.last(), Some(&MatchReason::DifferentCountry));
}

#[test]
fn misspelled_name_in_same_city_is_conflict() {
    let new = identity("Springfield Sch. Dist.", None, Some("Springfield"));
    let existing = identity("Springfeld School District", None, Some("springfield"));
    let found = score_match(&new, &skus(&["B", "A", "A"]), &existing, &skus(&["A", "C"]))
        .expect("misspelled name in same city must be reported");
    assert!(found.is_conflict);
    assert!(found.score >= REPORT_THRESHOLD && found.score <= 1.0);
    assert_eq!(found.reasons.len(), 3);
    assert!(matches!(found.reasons[0], MatchReason::SimilarName { similarity } if similarity > 0.8));
    assert_eq!(found.reasons[1], MatchReason::SameCity);
    assert_eq!(
        found.reasons[2],
        MatchReason::OverlappingProducts { skus: skus(&["A"]) }
    );
}

/// Words and separators that exercise every rule, so that idempotence is
/// tested on rule interactions and not only on random noise.
fn name_like() -> impl Strategy<Value = String> {
    let words = prop::sample::select(vec![
        "The",
        "the",
        "St.",
        "st",
        "Co.",
        "co",
        "Inc",
        "L",
        "C",
        "S",
        "A",
        "G",
        "and",
        "&",
        "+",
        "of",
        "ag",
        "Sch",
        "Dist",
        "HS",
        "ISD",
        "Zürich",
        "O'Brien",
        "İstanbul",
        "Acme",
        "3M",
        "ß",
        "Ǆ",
        "㎁",
    ]);
    let seps = prop::sample::select(vec![" ", ", ", ". ", "-", "'", ""]);
    prop::collection::vec((words, seps), 0..8)
        .prop_map(|parts| parts.into_iter().map(|(w, s)| format!("{w}{s}")).collect::<String>())
}

proptest! {
    #[test]
    fn normalize_name_is_idempotent(raw in any::<String>()) {
        let once = normalize_name(&raw);
        prop_assert_eq!(normalize_name(&once), once);
    }

    #[test]
    fn normalize_name_is_idempotent_on_name_like_input(raw in name_like()) {
        let once = normalize_name(&raw);
        prop_assert_eq!(normalize_name(&once), once);
    }

    #[test]
    fn normalize_city_is_idempotent(raw in name_like()) {
        let once = normalize_city(&raw);
        prop_assert_eq!(once.as_deref().and_then(normalize_city), once);
    }

    #[test]
    fn similarity_is_bounded_and_symmetric(a in "\\PC{0,30}", b in "\\PC{0,30}") {
        let ab = name_similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&ab));
        prop_assert_eq!(ab, name_similarity(&b, &a));
    }

    #[test]
    fn similarity_of_normalised_names_is_bounded_and_symmetric(a in name_like(), b in name_like()) {
        let (a, b) = (normalize_name(&a), normalize_name(&b));
        let ab = name_similarity(&a, &b);
        prop_assert!((0.0..=1.0).contains(&ab));
        prop_assert_eq!(ab, name_similarity(&b, &a));
    }

    #[test]
    fn normalize_domain_never_panics_and_is_stable(raw in any::<String>()) {
        if let Some(domain) = normalize_domain(&raw) {
            prop_assert_eq!(normalize_domain(&domain), Some(domain.clone()));
        }
    }

    #[test]
    fn normalize_domain_is_stable_on_url_like_input(
        raw in "(https?://)?([a-z]{1,3}@)?(www[0-9]?\\.){0,2}[a-zA-Z0-9-]{0,4}(\\.[a-z]{0,3}){0,3}\\.?(:[0-9]{1,4})?(/[a-z]{0,3})?"
    ) {
        if let Some(domain) = normalize_domain(&raw) {
            prop_assert!(domain.contains('.'));
            prop_assert_eq!(normalize_domain(&domain), Some(domain.clone()));
        }
    }
}

#[test]
fn could_match_agrees_with_score_match() {
    let school = CustomerIdentity::from_raw(
        "Springfield School District",
        None,
        None,
        Some("Springfield"),
        Some("62701"),
        "US",
    );
    let variant = CustomerIdentity::from_raw(
        "Springfeld Sch. Dist.",
        None,
        None,
        Some("Springfield"),
        Some("62701"),
        "US",
    );
    let other = CustomerIdentity::from_raw("Globex Corporation", None, None, Some("Cypress Creek"), None, "US");
    let skus = vec!["MB-100".to_owned()];
    assert!(could_match(&variant, &school));
    assert!(score_match(&variant, &skus, &school, &skus).is_some());
    assert!(!could_match(&other, &school));
    assert!(score_match(&other, &skus, &school, &skus).is_none());
}
