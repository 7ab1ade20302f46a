//! Every request body the API parses: JSON into the input types, then the domain's checks. Never a
//! panic; whatever is accepted is within the documented bounds.
#![no_main]

use domain::FieldErrors;
use domain::access::input::{UserInput, parse_user};
use domain::directory::customers::{CustomerInput, parse_customer};
use domain::directory::input::{PartnerInput, RegionInput, parse_partner, parse_region};
use domain::directory::products::{MAX_QUANTITY, ProductInput, parse_product};
use domain::money::MAX_AMOUNT_MINOR;
use domain::orders::input::{OrderInput, parse_order};
use domain::registrations::input::{
    ApproveInput, ChangeRequestInput, ClaimCheckInput, CloseInput, DeclineInput, NewRegistrationInput, ReasonInput,
    parse_approval, parse_change_request, parse_claim_check, parse_close, parse_decline, parse_new_registration,
    parse_optional_reason,
};
use libfuzzer_sys::fuzz_target;

fn body<T: serde::de::DeserializeOwned>(data: &[u8]) -> Option<T> {
    serde_json::from_slice(data).ok()
}

fuzz_target!(|data: &[u8]| {
    let today = jiff::civil::date(2026, 11, 22);
    if let Some(input) = body::<NewRegistrationInput>(data)
        && let Ok(r) = parse_new_registration(&input, today)
    {
        assert!((1..=MAX_AMOUNT_MINOR).contains(&r.estimated_value.amount_minor));
        assert!(r.lines.iter().all(|l| (1..=MAX_QUANTITY).contains(&l.quantity)));
    }
    if let Some(input) = body::<OrderInput>(data)
        && let Ok(o) = parse_order(&input)
    {
        assert!(o.lines.iter().all(|l| (1..=MAX_QUANTITY).contains(&l.quantity)));
    }
    if let Some(input) = body::<CustomerInput>(data) {
        let _ = parse_customer(&input, "", &mut FieldErrors::default());
    }
    if let Some(input) = body::<ProductInput>(data) {
        let _ = parse_product(&input);
    }
    if let Some(input) = body::<PartnerInput>(data) {
        let _ = parse_partner(&input);
    }
    if let Some(input) = body::<UserInput>(data) {
        let _ = parse_user(&input);
    }
    if let Some(input) = body::<RegionInput>(data) {
        let _ = parse_region(&input);
    }
    if let Some(input) = body::<ApproveInput>(data) {
        let _ = parse_approval(&input);
    }
    if let Some(input) = body::<ChangeRequestInput>(data) {
        let _ = parse_change_request(&input, today);
    }
    if let Some(input) = body::<ClaimCheckInput>(data) {
        let _ = parse_claim_check(&input);
    }
    if let Some(input) = body::<CloseInput>(data) {
        let _ = parse_close(&input);
    }
    if let Some(input) = body::<DeclineInput>(data) {
        let _ = parse_decline(&input);
    }
    if let Some(input) = body::<ReasonInput>(data) {
        let _ = parse_optional_reason(&input);
    }
});
