//! The JSON API end to end: the real server on port 0, over SQLite and over PostgreSQL, one module
//! per feature family, and the checks that sweep every operation (isolation, hostile input, the
//! authorization matrix).

mod authz_matrix;
mod hostile;
mod idempotency;
mod isolation;
mod jobs;
mod orders;
mod registrations;
mod users;

use serde_json::{Value, json};
use testkit::registration_body;

async fn reg_sor(client: &testkit::Client, id: i64) -> String {
    let reg = client.get(&format!("/registrations/{id}")).await.expect(200);
    reg.body["sor_number"].as_str().unwrap().to_owned()
}

/// A PO for `customer` (in Springfield, an education customer like `registration_body`'s).
fn order_body(po: &str, customer: &str, sor: Option<&str>, lines: &[(&str, i64)]) -> Value {
    json!({
        "po_number": po,
        "customer": {"name": customer, "city": "Springfield", "country": "US", "segment": "education"},
        "sor_number": sor,
        "lines": lines.iter().map(|(sku, quantity)| json!({"sku": sku, "quantity": quantity})).collect::<Vec<_>>(),
    })
}

/// A valid body for each operation, so that only access control can refuse it.
fn body_for(method: &str, path: &str) -> Option<Value> {
    if !["post", "put", "patch"].contains(&method) {
        return None;
    }
    Some(match path {
        "/registrations" => registration_body("Partner B Prospect", None, &["MB-200"]),
        "/orders" => order_body("PO-B-1", "Partner B Prospect", None, &[("MB-200", 1)]),
        "/registrations/check" => json!({"customer": {"name": "Quixotic Secret Academy", "country": "US"}}),
        p if p.ends_with("/decline") => json!({"reason": "not mine to decide"}),
        p if p.ends_with("/close") => json!({"outcome": "lost"}),
        p if p.ends_with("/requests") => json!({"kind": "extension", "valid_through": "2027-06-01"}),
        "/partners" => json!({"name": "Sneaky AV", "level": "gold", "activation_stage": "ramp_up", "region_id": 1}),
        "/customers" => json!({"name": "Someone", "country": "US", "segment": "commercial"}),
        "/products" => {
            json!({"sku": "X-1", "name": "X", "category": "x", "list_price_minor": 1, "partner_price_minor": 1, "msrp_minor": 1, "rrsp_minor": 1, "currency": "USD"})
        }
        "/regions" => json!({"name": "Sneaky"}),
        "/regions/{id}/manager" => json!({"manager_user_id": 2}),
        "/users" => json!({"email": "sneaky@b.example", "display_name": "S", "role": "admin"}),
        "/users/{id}" => json!({"display_name": "Sneaky"}),
        "/settings" => {
            json!({"default_validity_days": 999, "max_validity_days": 1000, "reminder_days_before": 1, "time_zone": "UTC", "currency": "USD"})
        }
        _ => json!({}),
    })
}
