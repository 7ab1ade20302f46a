//! The end customer's contact on a registration: the person the partner works with, whom the approver
//! may call to check the opportunity is real (seed 000: a registration is filed once the opportunity
//! is "identified and qualified"; seed 002 asks for the "end user contact" at the latest at the win).

use crate::FieldErrors;
use crate::access::input::Email;
use serde::{Deserialize, Serialize};

/// The contact as sent: every part optional, but a contact given has a name and a way to reach them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactInput {
    /// The person's name; required when an e-mail address or phone number is given.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<200>))]
    pub name: Option<String>,
    /// An e-mail address (`buyer@example.org`).
    #[cfg_attr(feature = "openapi", schema(schema_with = email_schema))]
    pub email: Option<String>,
    /// Digits, spaces and `+ ( ) - .`, with 6 to 20 digits (`+1 (217) 555-0142`).
    #[cfg_attr(feature = "openapi", schema(schema_with = phone_schema))]
    pub phone: Option<String>,
}

/// A checked contact: a name, and an e-mail address or a phone number or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerContact {
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub email: Option<Email>,
    pub phone: Option<String>,
}

impl CustomerContact {
    /// The contact as the input that would file it again (demo data, tests).
    pub fn to_input(&self) -> ContactInput {
        ContactInput {
            name: Some(self.name.clone()),
            email: self.email.as_ref().map(|e| e.as_str().to_owned()),
            phone: self.phone.clone(),
        }
    }
}

#[cfg(feature = "openapi")]
fn email_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Null,
        ]))
        .format(Some(utoipa::openapi::SchemaFormat::Custom("email".into())))
        .max_length(Some(254))
        .build()
}

#[cfg(feature = "openapi")]
fn phone_schema() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Null,
        ]))
        .pattern(Some(r"^[0-9 +().\-]+$"))
        .max_length(Some(40))
        .build()
}

/// Fewest and most digits of a phone number: a short extension is not enough to call, and E.164
/// numbers have at most 15 (the rest is room for an extension).
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 6..=20;

/// A phone number as people write it: digits, spaces and `+ ( ) - .`, 6 to 20 digits; kept as typed
/// (trimmed, inner runs of spaces made one), since its format is the customer's country's.
pub fn parse_phone(raw: &str) -> Result<String, String> {
    let phone = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone.chars().all(|c| c.is_ascii_digit() || " +()-.".contains(c));
    if !allowed {
        return Err(format!(
            "'{raw}' is not a phone number: use digits, spaces and + ( ) - . only"
        ));
    }
    if !PHONE_DIGITS.contains(&digits) {
        return Err(format!(
            "'{raw}' is not a phone number: it needs {} to {} digits",
            PHONE_DIGITS.start(),
            PHONE_DIGITS.end()
        ));
    }
    Ok(phone)
}

/// The contact of `input`, errors named `{field}.name`, `.email`, `.phone`; `None` when nothing was
/// given (a contact is optional, see DECISIONS).
pub fn parse_contact(input: &Option<ContactInput>, field: &str, errors: &mut FieldErrors) -> Option<CustomerContact> {
    let input = input.as_ref()?;
    let f = |name: &str| format!("{field}.{name}");
    let before = errors.0.len();
    let name = errors.optional_text(&f("name"), &input.name, 200);
    let email = errors
        .optional_text(&f("email"), &input.email, 254)
        .and_then(|e| errors.parsed(&f("email"), Email::parse(&e)));
    let phone = errors
        .optional_text(&f("phone"), &input.phone, 40)
        .and_then(|p| errors.parsed(&f("phone"), parse_phone(&p)));
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let reachable = given(&input.email) || given(&input.phone);
    if name.is_none() && reachable && errors.0.len() == before {
        errors.add(f("name"), "give the name of the person to contact");
    }
    if name.is_some() && !reachable {
        errors.add(f("email"), "give an e-mail address or a phone number to reach them");
    }
    Some(CustomerContact {
        name: name?,
        email,
        phone,
    })
    .filter(|_| errors.0.len() == before)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(name: &str, email: &str, phone: &str) -> Option<ContactInput> {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Some(ContactInput {
            name: some(name),
            email: some(email),
            phone: some(phone),
        })
    }

    fn parse(input: Option<ContactInput>) -> Result<Option<CustomerContact>, Vec<(String, String)>> {
        let mut errors = FieldErrors::default();
        let parsed = parse_contact(&input, "customer_contact", &mut errors);
        if errors.0.is_empty() {
            Ok(parsed)
        } else {
            Err(errors.0.into_iter().map(|e| (e.field, e.message)).collect())
        }
    }

    #[test]
    fn a_contact_keeps_name_email_and_phone_as_written() {
        let c = parse(contact(
            "  Dana Whitfield ",
            " Dana.Whitfield@Springfield.K12.il.us ",
            " +1  (217) 555-0142 ",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(c.name, "Dana Whitfield");
        assert_eq!(c.email.unwrap().as_str(), "dana.whitfield@springfield.k12.il.us");
        assert_eq!(c.phone.as_deref(), Some("+1 (217) 555-0142"));
        let phone_only = parse(contact("Ravi Menon", "", "030 1234.5678")).unwrap().unwrap();
        assert_eq!(
            (phone_only.email, phone_only.phone.as_deref()),
            (None, Some("030 1234.5678"))
        );
    }

    #[test]
    fn no_contact_is_no_contact() {
        assert_eq!(parse(None), Ok(None));
    }

    #[test]
    fn bad_parts_are_named() {
        let err = parse(contact("Dana", "dana@", "555-01x2")).unwrap_err();
        let fields: Vec<_> = err.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["customer_contact.email", "customer_contact.phone"]);
        assert_eq!(err[0].1, "'dana@' is not an e-mail address");
        assert!(err[1].1.contains("digits, spaces and + ( ) - . only"), "{}", err[1].1);
        for (phone, ok) in [
            ("12345", false),
            ("123456", true),
            ("+44 20 7946 0958", true),
            ("1".repeat(21).as_str(), false),
            ("(0) 89-1", false),
            ("(0) 89-12.345", true),
        ] {
            assert_eq!(parse_phone(phone).is_ok(), ok, "{phone}");
        }
    }

    #[test]
    fn a_contact_has_a_name_and_a_way_to_reach_them() {
        let err = parse(contact("", "dana@springfield.example", "")).unwrap_err();
        assert_eq!(err[0].0, "customer_contact.name");
        let err = parse(contact("Dana Whitfield", "", "")).unwrap_err();
        assert_eq!(err[0].0, "customer_contact.email");
        assert_eq!(
            parse(contact("", "", "")),
            Ok(None),
            "a form left blank files no contact"
        );
    }
}
