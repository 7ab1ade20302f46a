//! The parse kit every feature's input uses. Every problem is reported with the path of the field
//! it concerns, all at once, so a form can show each error beside its field.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// JSON path of the field, e.g. `customer.name` or `products[2].quantity`; in a CSV file, the
    /// column name.
    pub field: String,
    pub message: String,
    /// In a CSV file, the line the field is on (the header is line 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
            line: None,
        });
    }

    /// Records a problem with a CSV column on one line of the file.
    pub fn add_at_line(&mut self, line: u64, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
            line: Some(line),
        });
    }

    /// Moves these errors, found in one CSV record, onto its line.
    pub fn at_line(self, line: u64) -> FieldErrors {
        FieldErrors(
            self.0
                .into_iter()
                .map(|e| FieldError { line: Some(line), ..e })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        errors
    }

    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }

    /// Records a missing value and returns it as an Option for further checks.
    pub(crate) fn required<'a, T>(&mut self, field: &str, value: &'a Option<T>) -> Option<&'a T> {
        if value.is_none() {
            self.add(field, "is required");
        }
        value.as_ref()
    }

    /// A required, trimmed, non-empty text of at most `max` characters without control characters.
    pub(crate) fn text(&mut self, field: &str, value: &Option<String>, max: usize) -> Option<String> {
        let raw = self.required(field, value)?;
        self.optional_text(field, &Some(raw.clone()), max).or_else(|| {
            if raw.trim().is_empty() && !self.0.iter().any(|e| e.field == field) {
                self.add(field, "must not be blank");
            }
            None
        })
    }

    /// Line breaks arrive as browsers send them (`\r\n`) or as `\r`: stored as `\n`, the one
    /// line break of the system; every other control character is refused.
    pub(crate) fn optional_text(&mut self, field: &str, value: &Option<String>, max: usize) -> Option<String> {
        let normalised = value.as_deref()?.replace("\r\n", "\n").replace('\r', "\n");
        let trimmed = normalised.trim();
        if trimmed.is_empty() {
            return None;
        }
        if trimmed.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
            return None;
        }
        if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.add(field, "must not contain control characters");
            return None;
        }
        Some(trimmed.to_owned())
    }

    pub(crate) fn date(&mut self, field: &str, value: &Option<String>) -> Option<Date> {
        let raw = value.as_deref()?;
        match raw.trim().parse::<Date>() {
            Ok(d) => Some(d),
            Err(_) => {
                self.add(field, format!("'{raw}' is not a date (YYYY-MM-DD)"));
                None
            }
        }
    }

    /// A date that must be given.
    pub(crate) fn required_date(&mut self, field: &str, value: &Option<String>) -> Option<Date> {
        self.required(field, value)?;
        self.date(field, value)
    }

    pub(crate) fn parsed<T>(&mut self, field: &str, value: Result<T, String>) -> Option<T> {
        value.map_err(|message| self.add(field, message)).ok()
    }
}

/// Any character but the control characters `optional_text` refuses (line breaks — LF, CR — and
/// tabs pass).
#[cfg(feature = "openapi")]
const ALLOWED: &str = r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]";

/// The document's schema for what `FieldErrors::text` accepts: not blank, no control characters, at
/// most `MAX` characters (the parser counts them after trimming, so the document is a little stricter).
#[cfg(feature = "openapi")]
pub(crate) fn text_schema<const MAX: usize>() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(MAX))
        .pattern(Some(format!(r"^{ALLOWED}*[^\s\u0000-\u001F\u007F-\u009F]{ALLOWED}*$")))
        .build()
}

/// The document's schema for what `FieldErrors::optional_text` accepts: absent, blank, or a text
/// without control characters of at most `MAX` characters.
#[cfg(feature = "openapi")]
pub(crate) fn optional_text_schema<const MAX: usize>() -> utoipa::openapi::schema::Object {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
        .max_length(Some(MAX))
        .pattern(Some(format!("^{ALLOWED}*$")))
        .build()
}
