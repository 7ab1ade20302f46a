//! Customer name, domain and tax id normalisation and matching: never panics, normalising twice
//! changes nothing, and similarity stays within 0..=1.
#![no_main]

use domain::registrations::matching::{
    CustomerIdentity, name_index_keys, name_similarity, normalize_domain, normalize_name, normalize_tax_id, score_match,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (a, b) = text.split_at(
        text.char_indices()
            .nth(text.chars().count() / 2)
            .map_or(text.len(), |(i, _)| i),
    );
    let name = normalize_name(a);
    assert_eq!(normalize_name(&name), name, "normalising twice changes {a:?}");
    let _ = name_index_keys(&name);
    if let Some(domain) = normalize_domain(a) {
        assert_eq!(normalize_domain(&domain).as_deref(), Some(domain.as_str()));
    }
    let _ = normalize_tax_id(b);
    let similarity = name_similarity(&name, &normalize_name(b));
    assert!((0.0..=1.0).contains(&similarity), "{similarity}");
    let left = CustomerIdentity::from_raw(a, Some(a), Some(b), Some(b), Some(a), "US");
    let right = CustomerIdentity::from_raw(b, Some(b), Some(a), Some(a), Some(b), "DE");
    let skus = [a.to_owned(), b.to_owned()];
    if let Some(score) = score_match(&left, &skus, &right, &skus[..1]) {
        assert!((0.0..=1.0).contains(&score.score), "{}", score.score);
    }
});
