//! The form kit the pages share: choices of a `<select>`, field errors shown beside their fields,
//! blank fields, and the product rows of the registration and PO forms.

use domain::FieldErrors;
use domain::directory::Segment;
use domain::directory::files::parse_decimal_minor;
use domain::directory::products::ProductLineInput;
use std::collections::BTreeMap;
use store::Product;

/// One option of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn choices(values: impl IntoIterator<Item = (String, String)>, chosen: &str) -> Vec<Choice> {
    values
        .into_iter()
        .map(|(value, label)| Choice {
            selected: value == chosen,
            value,
            label,
        })
        .collect()
}

/// A query parameter as typed, trimmed; absent is empty.
pub fn query_text(v: &Option<String>) -> String {
    v.as_deref().map(str::trim).unwrap_or_default().to_owned()
}

/// A list's filter by status and (for staff) partner, as `partials/status_filter.html` draws it.
pub struct StatusFilter {
    pub action: &'static str,
    /// The status parameter's name and label: `status`, "Status".
    pub name: &'static str,
    pub label: &'static str,
    pub statuses: Vec<Choice>,
    /// Empty for a partner, who sees its own records only.
    pub partners: Vec<Choice>,
}

/// The customer's segment, from the domain's list, by its label.
pub fn segments(chosen: &str) -> Vec<Choice> {
    choices(
        Segment::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), s.label().into_owned())),
        chosen,
    )
}

/// Field errors by field path, for showing each beside its field.
#[derive(Default)]
pub struct FormErrors(BTreeMap<String, String>);

impl FormErrors {
    pub fn from_fields(errors: FieldErrors) -> FormErrors {
        let mut map = BTreeMap::new();
        for e in errors.0 {
            map.entry(e.field).or_insert(e.message);
        }
        FormErrors(map)
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Messages for fields the form does not show beside an input: any but those starting with one of
    /// `groups` or named in `fields`.
    pub fn others(&self, groups: &[&str], fields: &[&str]) -> Vec<String> {
        self.0
            .iter()
            .filter(|(field, _)| !groups.iter().any(|g| field.starts_with(g)) && !fields.contains(&field.as_str()))
            .map(|(field, message)| format!("{field}: {message}"))
            .collect()
    }
}

/// A message for a person: starts with a capital and ends with a full stop.
pub fn sentence(message: &str) -> String {
    let mut out = message.trim().to_owned();
    if let Some(first) = out.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// An amount as people type it — "12000.50", "12,000.50", "12 000" — in minor units. Commas and
/// spaces count only where they group thousands, so "12,5" is refused rather than guessed.
pub fn typed_amount(raw: &str) -> Result<i64, String> {
    parse_decimal_minor(&ungrouped(raw)).map_err(|_| format!("'{}' is not an amount like 12,000.50", raw.trim()))
}

/// An amount of `currency` as people type it, with its own decimals: "12,000.50" dollars, "12,345" yen.
pub fn typed_amount_in(raw: &str, currency: domain::Currency) -> Result<i64, String> {
    domain::money::parse_decimal_amount(&ungrouped(raw), currency).map_err(|_| {
        let example = domain::Money {
            amount_minor: 1_200_050,
            currency,
        };
        format!(
            "'{}' is not an amount like {}",
            raw.trim(),
            example.to_string().trim_end_matches(currency.as_str()).trim()
        )
    })
}

/// "12,000.50" or "12 000.50" → "12000.50": thousands grouped by comma or space, only in threes.
fn ungrouped(raw: &str) -> String {
    let raw = raw.trim();
    let (whole, cents) = raw.split_once('.').map_or((raw, None), |(w, c)| (w, Some(c)));
    let groups: Vec<&str> = whole.split([',', ' ', '\u{a0}']).collect();
    let grouped = groups.len() > 1 && (1..=3).contains(&groups[0].len()) && groups[1..].iter().all(|g| g.len() == 3);
    let plain = if grouped { groups.concat() } else { whole.to_owned() };
    match cents {
        Some(c) => format!("{plain}.{c}"),
        None => plain,
    }
}

/// A number as typed into `field` (degrees, a count): blank is absent, anything else must read as
/// one, or the form says so beside the field.
pub fn typed_number<T: std::str::FromStr>(
    field: &str,
    raw: &str,
    example: &str,
    errors: &mut FieldErrors,
) -> Option<T> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    raw.parse()
        .map_err(|_| errors.add(field, format!("'{raw}' is not a number like {example}")))
        .ok()
}

/// A parser's result after the errors of reading the form's typed numbers: either kind fails it,
/// and every error is kept for its field.
pub fn after_typed<T>(mut typed: FieldErrors, parsed: Result<T, FieldErrors>) -> Result<T, FieldErrors> {
    match parsed {
        Ok(value) if typed.is_empty() => Ok(value),
        Ok(_) => Err(typed),
        Err(more) => {
            typed.0.extend(more.0);
            Err(typed)
        }
    }
}

pub fn blank_to_none(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// The product a line's text names: the SKU before " — " of a picked "SKU — name", or a SKU or a
/// product's name typed in full (any case); `None` when no product on the list is meant.
pub fn resolve_sku(typed: &str, products: &[Product]) -> Option<String> {
    let typed = typed.trim();
    let code = sku_text(typed);
    products
        .iter()
        .find(|p| p.sku.eq_ignore_ascii_case(code) || p.name.eq_ignore_ascii_case(typed))
        .map(|p| p.sku.clone())
}

/// The SKU part of a line's text as typed or picked ("MB-100 — MimioBoard 100" → "MB-100").
pub fn sku_text(typed: &str) -> &str {
    typed.split_once(" — ").map_or(typed, |(sku, _)| sku).trim()
}

/// The product rows a form filled in (as typed, product and quantity), the SKU each names by
/// `resolve`, and for each line the form row it came from (errors name the n-th filled line; the
/// page shows them on their own row).
pub fn product_rows(
    typed: &[(String, String)],
    resolve: impl Fn(&str) -> Option<String>,
) -> (Vec<ProductLineInput>, Vec<usize>, FieldErrors) {
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    let mut errors = FieldErrors::default();
    for (row, (product, qty)) in typed.iter().enumerate() {
        let product = product.trim();
        if product.is_empty() {
            // A quantity typed on a row without a product is a mistake to show, not a row to drop.
            if !qty.trim().is_empty() {
                errors.add(format!("row{row}.sku"), "Choose the product for this quantity.");
            }
            continue;
        }
        let Some(sku) = resolve(product) else {
            errors.add(
                format!("row{row}.sku"),
                format!("“{product}” is not on the price list: choose a product from the list."),
            );
            continue;
        };
        let quantity = qty.trim().parse::<i64>();
        if quantity.is_err() {
            errors.add(format!("row{row}.quantity"), "a whole number of units");
        }
        rows.push(row);
        lines.push(ProductLineInput {
            sku: Some(sku),
            quantity: quantity.ok(),
        });
    }
    (lines, rows, errors)
}

/// The products as a picker offers them: by product family, then name (a family's products side by
/// side, as in the price list), each as "SKU — name" labelled with its family.
pub fn product_options(products: &[Product]) -> Vec<Choice> {
    let mut sorted: Vec<&Product> = products.iter().collect();
    sorted.sort_by(|a, b| (&a.category, &a.name).cmp(&(&b.category, &b.name)));
    sorted
        .into_iter()
        .map(|p| Choice {
            value: format!("{} — {}", p.sku, p.name),
            label: sentence_case(&p.category),
            selected: false,
        })
        .collect()
}

/// "displays" → "Displays".
fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The countries by name, each storing its ISO code.
pub fn countries(chosen: &str) -> Vec<Choice> {
    let chosen = chosen.trim().to_ascii_uppercase();
    choices(
        domain::directory::countries::by_name()
            .into_iter()
            .map(|(code, name)| (code.to_owned(), name.to_owned())),
        &chosen,
    )
}

/// `products[2].quantity` → `(2, "quantity")` for the list `products`.
pub fn line_field<'a>(field: &'a str, list: &str) -> Option<(usize, &'a str)> {
    let (index, field) = field.strip_prefix(list)?.strip_prefix('[')?.split_once("].")?;
    Some((index.parse().ok()?, field))
}

/// `products[2].quantity` → `row4.quantity` when the third filled line is on form row 4.
pub fn to_rows(errors: FieldErrors, list: &str, rows: &[usize]) -> FieldErrors {
    FieldErrors(
        errors
            .0
            .into_iter()
            .map(|mut e| {
                if let Some((index, field)) = line_field(&e.field, list)
                    && let Some(row) = rows.get(index)
                {
                    e.field = format!("row{row}.{field}");
                }
                e
            })
            .collect(),
    )
}

/// One product row of a form, as typed, with its errors.
pub struct FormLine {
    pub row: usize,
    pub sku: String,
    pub qty: String,
    pub sku_error: Option<String>,
    pub qty_error: Option<String>,
    /// Offered a "Remove" button: every line while there are two or more.
    pub removable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(lines: &[(&str, &str)]) -> Vec<(String, String)> {
        lines.iter().map(|(p, q)| ((*p).to_owned(), (*q).to_owned())).collect()
    }

    fn product(sku: &str, name: &str, category: &str) -> Product {
        Product {
            id: 1,
            sku: sku.into(),
            name: name.into(),
            category: category.into(),
            is_accessory: false,
            maintenance_term_months: None,
            price: None,
            next_price: None,
        }
    }

    #[test]
    fn a_quantity_without_a_product_is_shown_not_dropped() {
        let (lines, rows, errors) =
            product_rows(&typed(&[("MB-100", "2"), ("", "5"), ("", "")]), |t| Some(t.to_owned()));
        assert_eq!((lines.len(), rows), (1, vec![0]));
        assert_eq!(
            errors.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
            ["row1.sku"]
        );
    }

    /// Issue 13, defect 12: the picker's "SKU — name", a SKU or a product's name in any case all
    /// name the product; anything else is refused on its own line, in words.
    #[test]
    fn a_picked_or_typed_product_is_read_back_to_its_sku() {
        let products = [
            product("MB-100", "MimioBoard 100 interactive display", "displays"),
            product("PEN-2", "Replacement pen, 2 pack", "accessories"),
        ];
        let resolve = |t: &str| resolve_sku(t, &products);
        assert_eq!(
            resolve("MB-100 — MimioBoard 100 interactive display").as_deref(),
            Some("MB-100")
        );
        assert_eq!(resolve(" pen-2 ").as_deref(), Some("PEN-2"));
        assert_eq!(resolve("replacement PEN, 2 pack").as_deref(), Some("PEN-2"));
        assert_eq!(resolve("MB-999 — A board"), None);
        let (lines, rows, errors) = product_rows(&typed(&[("whiteboard", "1"), ("PEN-2", "3")]), resolve);
        assert_eq!((lines[0].sku.as_deref(), rows), (Some("PEN-2"), vec![1]));
        assert_eq!(errors.0[0].field, "row0.sku");
        assert_eq!(
            errors.0[0].message,
            "“whiteboard” is not on the price list: choose a product from the list."
        );
        let offered: Vec<_> = product_options(&products)
            .into_iter()
            .map(|c| (c.label, c.value))
            .collect();
        assert_eq!(
            offered,
            [
                ("Accessories".to_owned(), "PEN-2 — Replacement pen, 2 pack".to_owned()),
                (
                    "Displays".to_owned(),
                    "MB-100 — MimioBoard 100 interactive display".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn amounts_are_read_as_people_type_them() {
        assert_eq!(typed_amount("12,000.50"), Ok(1_200_050));
        assert_eq!(typed_amount("12000.50"), Ok(1_200_050));
        assert_eq!(typed_amount("1 250 000"), Ok(125_000_000));
        assert_eq!(typed_amount("35000"), Ok(3_500_000));
        assert!(typed_amount("12,5").is_err());
        assert!(typed_amount("1,2345").is_err());
        assert!(typed_amount("twelve").is_err());
    }

    #[test]
    fn messages_read_as_sentences() {
        assert_eq!(sentence("is required"), "Is required.");
        assert_eq!(sentence("Done."), "Done.");
    }

    #[test]
    fn line_errors_land_on_the_form_row_they_came_from() {
        let errors = FieldErrors::single("products[1].sku", "MB-9 is not on the price list");
        let moved = to_rows(errors, "products", &[0, 3]);
        assert_eq!(moved.0[0].field, "row3.sku");
    }
}
