//! The CSV imports: any bytes give rows or errors that name a line, never a panic; a price list that
//! parses reads back the same after writing it out.
#![no_main]

use domain::directory::files::{
    PRICE_LIST_COLUMNS, format_minor, parse_customers, parse_partners, parse_price_list, write_csv,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let today = jiff::civil::date(2026, 11, 22);
    match parse_price_list(text, today) {
        Ok(rows) => {
            let again = write_csv(
                PRICE_LIST_COLUMNS,
                rows.iter().map(|r| {
                    let p = &r.value;
                    vec![
                        p.sku.clone(),
                        p.name.clone(),
                        p.category.clone(),
                        if p.is_accessory { "yes" } else { "no" }.to_owned(),
                        p.maintenance_term_months.map(|m| m.to_string()).unwrap_or_default(),
                        p.currency.to_string(),
                        format_minor(p.list_price_minor),
                        format_minor(p.partner_price_minor),
                        format_minor(p.msrp_minor),
                        format_minor(p.rrsp_minor),
                        p.effective_from.map(|d| d.to_string()).unwrap_or_default(),
                    ]
                }),
            );
            let reread = parse_price_list(&again, today).expect("a written price list reads back");
            let values: Vec<_> = rows.into_iter().map(|r| r.value).collect();
            let reread: Vec<_> = reread.into_iter().map(|r| r.value).collect();
            assert_eq!(values, reread);
        }
        Err(errors) => assert!(errors.0.iter().all(|e| !e.message.is_empty())),
    }
    let _ = parse_partners(text);
    let _ = parse_customers(text);
});
