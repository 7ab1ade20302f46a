//! The benchmark's requests: what every load-generating client shares, and how the i-th request
//! of each kind is built.

use super::names::{organisation, variant};
use serde_json::{Value, json};

/// An approved SOR of the loaded data to order against: the partner's client index, the customer
/// as the registration shows it, and the SOR number.
pub(super) struct OrderTarget {
    pub(super) client: usize,
    pub(super) partner_id: i64,
    pub(super) customer: Value,
    pub(super) sor: String,
}

/// What every load-generating client shares: where to send, as whom, and the data its requests are
/// built from. The i-th request of a kind is always the same request.
pub(super) struct Load {
    pub(super) http: reqwest::Client,
    pub(super) base: String,
    pub(super) partner_tokens: Vec<String>,
    /// A regional manager's token: the staff view of the pipeline.
    pub(super) staff_token: String,
    pub(super) skus: Vec<String>,
    pub(super) close_date: String,
    pub(super) customers: usize,
    pub(super) targets: Vec<OrderTarget>,
}

impl Load {
    pub(super) fn partner_token(&self, i: usize) -> &str {
        &self.partner_tokens[i % self.partner_tokens.len()]
    }

    /// A registration as a partner files it: even `i` a new organisation, odd `i` a misspelling of
    /// a loaded one, so both paths of the conflict matcher run.
    pub(super) fn submit(&self, i: usize) -> reqwest::RequestBuilder {
        let customer = if i.is_multiple_of(2) {
            organisation(self.customers + i)
        } else {
            variant(&organisation(i * 7 % self.customers))
        };
        let body = json!({
            "customer": {"name": customer.name, "domain": customer.domain, "city": customer.city,
                         "postal_code": customer.postal_code, "country": "US", "segment": customer.segment.as_str()},
            "products": [{"sku": self.skus[i % self.skus.len()], "quantity": 5}],
            "estimated_value": {"amount_minor": 2_500_000, "currency": "USD"},
            "expected_close_date": self.close_date,
        });
        self.http
            .post(format!("{}/registrations", self.base))
            .bearer_auth(self.partner_token(i))
            .json(&body)
    }

    /// The claimed/free check for a misspelled loaded organisation.
    pub(super) fn check(&self, i: usize) -> reqwest::RequestBuilder {
        let customer = variant(&organisation(i * 13 % self.customers));
        let body = json!({"customer": {"name": customer.name, "city": customer.city, "country": "US"},
                          "products": [self.skus[i % self.skus.len()]]});
        self.http
            .post(format!("{}/registrations/check", self.base))
            .bearer_auth(self.partner_token(i))
            .json(&body)
    }

    pub(super) fn list_page(&self, i: usize) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}/registrations?limit=50", self.base))
            .bearer_auth(self.partner_token(i))
    }

    /// One page of a partner's opportunities (those it manages or takes part in).
    pub(super) fn partner_opportunities(&self, i: usize) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}/opportunities?limit=50", self.base))
            .bearer_auth(self.partner_token(i))
    }

    /// One page of the open pipeline as staff see it, a stage at a time (a board column).
    pub(super) fn pipeline_page(&self, i: usize) -> reqwest::RequestBuilder {
        let stages = domain::opportunities::default_stages();
        self.http
            .get(format!("{}/opportunities", self.base))
            .query(&[
                ("status", "open"),
                ("limit", "50"),
                ("stage", stages[i % stages.len()].as_str()),
            ])
            .bearer_auth(&self.staff_token)
    }

    /// A 20-line PO citing an approved SOR; lines the SOR does not cover are re-priced (the program
    /// is set so), so every line is verified, priced and written. Sent by the ordering partner, or
    /// by order entry (`clerk`) naming the partner.
    pub(super) fn order(&self, i: usize, po_number: String, clerk: Option<&str>) -> reqwest::RequestBuilder {
        let target = &self.targets[i % self.targets.len()];
        let body = json!({
            "partner_id": clerk.map(|_| target.partner_id),
            "po_number": po_number,
            "customer": target.customer,
            "sor_number": target.sor,
            "lines": self.skus.iter().take(20).map(|sku| json!({"sku": sku, "quantity": 1})).collect::<Vec<_>>(),
        });
        let token = clerk.unwrap_or(&self.partner_tokens[target.client]);
        self.http
            .post(format!("{}/orders", self.base))
            .bearer_auth(token)
            .json(&body)
    }
}

pub(super) const MIXED_OPERATIONS: [&str; 6] = [
    "partner: submit registration",
    "partner: one page (50) of own registrations",
    "manager: approval queue, oldest first",
    "manager: approve",
    "manager: decline (claim held by another partner)",
    "order entry: verify and price a 20-line order",
];
