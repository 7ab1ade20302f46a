//! The authorization matrix: every operation by every role, a reviewed snapshot.

use super::{
    attach_letter, call, commission_order_of_a, invoice_of_a, lead_of_a, order_body, program_shape, reg_sor,
    share_letter,
};
use serde_json::json;
use testkit::{Backend, TestApp, registration_body};

testkit::on_both_backends!(every_endpoint_by_every_role_matches_the_authorization_matrix);

/// The authorization matrix: every operation of the OpenAPI document, called by every role — an
/// administrator, the regional manager the records are routed to, another manager, order entry,
/// sales, sales management, finance, the owning partner and another partner — against partner A's records. The
/// statuses are a reviewed snapshot (`snapshots/it__api__authz_matrix__authorization_matrix.snap`), the same on both
/// backends; a new endpoint adds a row and fails until its row is reviewed. Whatever the snapshot
/// says, another partner never gets a 2xx from an `{id}` route of A's, and nothing answers 5xx.
async fn every_endpoint_by_every_role_matches_the_authorization_matrix(backend: Backend) {
    let (_, doc) = web::api();
    let doc = serde_json::to_value(&doc).unwrap();
    let roles = [
        "admin",
        "manager",
        "other-mgr",
        "orders",
        "sales",
        "sales-mgr",
        "finance",
        "owner",
        "other",
    ];
    let mut columns: Vec<Vec<u16>> = Vec::new();
    let mut operations: Vec<String> = Vec::new();
    for role in roles {
        let app = TestApp::spawn(backend).await;
        let w = &app.world;
        let a = app.client_for(&w.partner_a).await;
        let reg = a
            .submit(&registration_body(
                "Matrix Academy",
                Some("matrix.example"),
                &["MB-100"],
            ))
            .await;
        app.client_for(&w.west_manager).await.approve(reg.id, &json!({})).await;
        let request = a
            .post(
                &format!("/registrations/{}/requests", reg.id),
                &json!({"kind": "extension", "valid_through": "2027-05-01"}),
            )
            .await
            .expect(201);
        let attachment_id = attach_letter(&a, reg.id).await.expect(201).body["id"].as_i64().unwrap();
        let sor = reg_sor(&a, reg.id).await;
        let order = a
            .post(
                "/orders",
                &order_body("PO-M1", "Matrix Academy", Some(&sor), &[("MB-100", 1)]),
            )
            .await
            .expect(201);
        let lead = lead_of_a(&app, "Matrix Academy").await;
        let invoice = invoice_of_a(&app).await;
        let commission_order = commission_order_of_a(&app).await;
        let actor = match role {
            "admin" => w.admin.clone(),
            "manager" => w.west_manager.clone(),
            "other-mgr" => w.east_manager.clone(),
            "orders" => w.order_entry.clone(),
            "sales" => app.staff("sales@vendor.example", domain::Role::Sales).await,
            "sales-mgr" => app.staff("salesmgmt@vendor.example", domain::Role::SalesManager).await,
            "finance" => app.staff("finance@vendor.example", domain::Role::Finance).await,
            "owner" => w.partner_a.clone(),
            _ => w.partner_b.clone(),
        };
        let client = app.client_for(&actor).await;
        // Partner A's message about the approval: read by its recipient only.
        let notification = w
            .store
            .list_notifications(&w.partner_a, store::PageRequest::default())
            .await
            .unwrap()
            .items[0]
            .id;
        let opportunity = a.get(&format!("/registrations/{}", reg.id)).await.body["opportunity_id"]
            .as_i64()
            .unwrap();
        let document_id = share_letter(&a, opportunity).await.expect(201).body["id"]
            .as_i64()
            .unwrap();
        let ids = [
            ("/notifications/{id}", notification),
            ("/opportunities/{id}", opportunity),
            ("/registrations/{id}", reg.id),
            ("/requests/{id}", request.body["id"].as_i64().unwrap()),
            ("/orders/{id}", order.body["id"].as_i64().unwrap()),
            ("/partners/{id}", w.partner_a.partner_id.unwrap()),
            ("/users/{id}", w.partner_a.user_id),
            ("/regions/{id}", 1),
            ("/leads/{id}", lead),
            ("/invoices/{id}", invoice),
            ("/commission-orders/{id}", commission_order),
            ("/commission-plans/{id}", 1),
            ("/levels/{id}", 3),
            ("/activation-stages/{id}", 2),
            ("/product-categories/{id}", 1),
        ];
        let mut column = Vec::new();
        operations.clear();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, _) in item.as_object().unwrap() {
                let concrete = match ids.iter().find(|(prefix, _)| path.starts_with(prefix)) {
                    Some((_, id)) => path.replace("{id}", &id.to_string()),
                    None => {
                        assert!(
                            !path.contains('{'),
                            "{path} is new: map its {{id}} to one of partner A's records"
                        );
                        path.clone()
                    }
                };
                let concrete = concrete
                    .replace("{attachment_id}", &attachment_id.to_string())
                    .replace("{document_id}", &document_id.to_string());
                let reply = call(&client, method, path, &concrete).await;
                let status = reply.status.as_u16();
                assert!(status < 500, "{role}: {method} {concrete}: {status} {}", reply.body);
                if role == "other" && path.contains('{') && !program_shape(path) {
                    assert!(
                        !(200..300).contains(&status),
                        "another partner reached {method} {concrete}: {status}"
                    );
                }
                operations.push(format!("{} {path}", method.to_uppercase()));
                column.push(status);
            }
        }
        columns.push(column);
        app.stop().await;
    }
    let width = operations.iter().map(String::len).max().unwrap_or(0);
    let mut matrix = format!("{:width$}", "operation");
    for role in roles {
        matrix.push_str(&format!(" {role:>9}"));
    }
    matrix.push('\n');
    for (row, operation) in operations.iter().enumerate() {
        matrix.push_str(&format!("{operation:width$}"));
        for column in &columns {
            matrix.push_str(&format!(" {:>9}", column[row]));
        }
        matrix.push('\n');
    }
    insta::assert_snapshot!("authorization_matrix", matrix);
}
