//! Enums that travel as snake_case strings (JSON, forms, CSV, SQL): `ALL`, `as_str`, `parse`,
//! `Display` and the label people read, from one list of names. The label is the name in sentence
//! case ("fully_operational" → "Fully operational") unless the list gives one (`Won => "close_won"
//! as "Won"`): the one place a page or a message finds the words for a code.

macro_rules! str_enum {
    ($ty:ty { $($variant:ident => $name:literal $(as $label:literal)?),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $name),+ }
            }
            pub fn parse(raw: &str) -> Result<Self, String> {
                Self::ALL.iter().copied().find(|v| v.as_str() == raw).ok_or_else(|| {
                    let names: Vec<_> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    format!("unknown value '{raw}'; one of: {}", names.join(", "))
                })
            }
            /// What a person reads for this value.
            pub fn label(self) -> ::std::borrow::Cow<'static, str> {
                match self {
                    $(<$ty>::$variant => $crate::str_enum::labelled($name, [$($label)?].first().copied())),+
                }
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}
pub(crate) use str_enum;

/// The given label, or the snake_case name in sentence case.
pub fn labelled(name: &'static str, label: Option<&'static str>) -> std::borrow::Cow<'static, str> {
    if let Some(label) = label {
        return label.into();
    }
    let mut words = name.replace('_', " ");
    if let Some(first) = words.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    words.into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_read_as_words() {
        assert_eq!(super::labelled("fully_operational", None), "Fully operational");
        assert_eq!(super::labelled("close_won", Some("Won")), "Won");
        assert_eq!(super::labelled("gold", None), "Gold");
    }
}
