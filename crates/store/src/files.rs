//! CSV renderings of store records, shared by the API's exports and the command line's, so that a
//! file exported either way imports back unchanged.

use crate::{CustomerRecord, Lead, Order, PartnerEntry, PriceListEntry};
use domain::directory::files::{CUSTOMER_COLUMNS, PARTNER_COLUMNS, PRICE_LIST_COLUMNS, format_minor, write_csv};
use domain::leads::files::LEAD_EXPORT_COLUMNS;

fn yes_no(flag: bool) -> String {
    if flag { "yes" } else { "no" }.to_owned()
}

fn or_blank<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

pub fn price_list_csv(entries: &[PriceListEntry]) -> String {
    write_csv(
        PRICE_LIST_COLUMNS,
        entries.iter().map(|e| {
            vec![
                e.sku.clone(),
                e.name.clone(),
                e.category.clone(),
                yes_no(e.is_accessory),
                or_blank(e.maintenance_term_months),
                e.price.list_price.currency.to_string(),
                format_minor(e.price.list_price.amount_minor),
                format_minor(e.price.partner_price.amount_minor),
                format_minor(e.price.msrp.amount_minor),
                format_minor(e.price.rrsp.amount_minor),
                e.price.effective_from.to_string(),
            ]
        }),
    )
}

pub fn partners_csv(entries: &[PartnerEntry]) -> String {
    write_csv(
        PARTNER_COLUMNS,
        entries.iter().map(|e| {
            vec![
                e.partner.name.clone(),
                e.partner.level.to_string(),
                e.partner.activation_stage.to_string(),
                e.region.clone(),
            ]
        }),
    )
}

pub fn customers_csv(customers: &[CustomerRecord]) -> String {
    write_csv(
        CUSTOMER_COLUMNS,
        customers.iter().map(|c| {
            vec![
                c.name.clone(),
                or_blank(c.domain.as_ref()),
                or_blank(c.tax_id.as_ref()),
                or_blank(c.city.as_ref()),
                or_blank(c.postal_code.as_ref()),
                c.country.clone(),
                c.segment.to_string(),
            ]
        }),
    )
}

pub const ORDER_COLUMNS: &[&str] = &[
    "order_id",
    "po_number",
    "partner",
    "order_date",
    "customer",
    "segment",
    "cited_sor",
    "status",
    "line_no",
    "sku",
    "quantity",
    "basis",
    "unit_price",
    "amount",
    "currency",
    "priced_under",
    "reason",
    "warning",
];

/// One row per order line, so every line's decision and reason is in the file.
pub fn orders_csv(orders: &[Order]) -> String {
    write_csv(
        ORDER_COLUMNS,
        orders.iter().flat_map(|o| {
            o.lines.iter().map(move |l| {
                vec![
                    o.id.to_string(),
                    o.po_number.clone(),
                    o.partner_name.clone(),
                    o.order_date.to_string(),
                    o.customer_name.clone(),
                    o.segment.to_string(),
                    or_blank(o.sor_number.as_ref()),
                    o.status.to_string(),
                    l.line_no.to_string(),
                    l.sku.clone(),
                    l.quantity.to_string(),
                    or_blank(l.basis),
                    or_blank(l.unit_price.map(|m| format_minor(m.amount_minor))),
                    format_minor(l.amount.amount_minor),
                    l.amount.currency.to_string(),
                    or_blank(l.sor_number.as_ref()),
                    l.reason.clone(),
                    or_blank(l.warning.as_ref()),
                ]
            })
        }),
    )
}

/// One row per lead, in the import's columns after its number, status, partner and why.
pub fn leads_csv(leads: &[Lead]) -> String {
    write_csv(
        LEAD_EXPORT_COLUMNS,
        leads.iter().map(|l| {
            vec![
                l.id.to_string(),
                l.status.to_string(),
                or_blank(l.partner_name.as_ref()),
                l.reason.clone(),
                l.source.to_string(),
                l.company.name.clone(),
                or_blank(l.company.domain.as_ref()),
                or_blank(l.company.country.as_ref()),
                or_blank(l.company.city.as_ref()),
                or_blank(l.segment),
                or_blank(l.contact_name.as_ref()),
                or_blank(l.contact_email.as_ref()),
                or_blank(l.region_name.as_ref()),
                or_blank(l.location.map(|c| c.latitude())),
                or_blank(l.location.map(|c| c.longitude())),
                or_blank(l.description.as_ref()),
                format_minor(l.estimated_value.amount_minor),
                l.estimated_value.currency.to_string(),
                l.products
                    .iter()
                    .map(|p| format!("{}:{}", p.sku, p.quantity))
                    .collect::<Vec<_>>()
                    .join("; "),
            ]
        }),
    )
}

pub const OPPORTUNITY_COLUMNS: &[&str] = &[
    "number",
    "name",
    "customer",
    "country",
    "source",
    "stage",
    "status",
    "manager",
    "manager_kind",
    "region",
    "forecast",
    "currency",
    "close_date",
    "rights_through",
    "products",
    "renewal_of",
];

/// One row per opportunity; its forecast products as `SKU×quantity` separated by spaces.
pub fn opportunities_csv(opportunities: &[crate::Opportunity]) -> String {
    write_csv(
        OPPORTUNITY_COLUMNS,
        opportunities.iter().map(|o| {
            vec![
                o.number.clone(),
                o.name.clone(),
                o.customer_name.clone(),
                o.customer_country.clone(),
                o.source.to_string(),
                o.stage.clone(),
                o.status.to_string(),
                o.manager.name.clone(),
                o.manager.party.kind.to_string(),
                or_blank(o.region_name.as_ref()),
                format_minor(o.forecast.amount_minor),
                o.forecast.currency.to_string(),
                o.close_date.to_string(),
                o.rights_through.to_string(),
                o.products
                    .iter()
                    .map(|l| format!("{}×{}", l.sku, l.quantity))
                    .collect::<Vec<_>>()
                    .join(" "),
                or_blank(o.renewal_of),
            ]
        }),
    )
}
