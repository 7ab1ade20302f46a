//! Fixtures shared by the tests of several features.

use crate::directory::customers::CustomerInput;
use crate::roles::{Actor, Role};

pub fn actor(role: Role, user_id: i64, partner_id: Option<i64>) -> Actor {
    Actor {
        user_id,
        email: format!("u{user_id}@example.com"),
        role,
        partner_id,
    }
}

/// A complete, valid end customer.
pub fn school_district() -> CustomerInput {
    CustomerInput {
        name: Some("Springfield School District".into()),
        domain: Some("https://www.springfield.k12.il.us".into()),
        tax_id: None,
        city: Some("Springfield".into()),
        postal_code: Some("62701".into()),
        country: Some("us".into()),
        segment: Some("education".into()),
    }
}

/// The schema the OpenAPI document gives `T`. utoipa's bounds are literals, so the tests that use this
/// check them against the parser's constants.
#[cfg(feature = "openapi")]
pub fn documented<T: utoipa::PartialSchema>() -> serde_json::Value {
    serde_json::to_value(T::schema()).unwrap()
}

/// Hostile input for property tests: arbitrary, malformed and malicious values.
pub mod hostile {
    use crate::directory::customers::CustomerInput;
    use proptest::prelude::*;

    pub fn text() -> impl Strategy<Value = Option<String>> {
        proptest::option::of(prop_oneof![
            any::<String>(),
            "[ -~]{0,40}",
            Just("'; DROP TABLE registrations; --".to_owned()),
            Just("<script>alert(1)</script>".to_owned()),
            Just("9999-99-99".to_owned()),
        ])
    }

    pub fn number() -> impl Strategy<Value = Option<i64>> {
        proptest::option::of(prop_oneof![any::<i64>(), -5i64..5, Just(i64::MAX), Just(i64::MIN)])
    }

    prop_compose! {
        pub fn customer()(name in text(), domain in text(), tax_id in text(), city in text(),
                          postal_code in text(), country in text(), segment in text()) -> CustomerInput {
            CustomerInput { name, domain, tax_id, city, postal_code, country, segment }
        }
    }
}
