//! The invoices' pages over HTTP (issue 15, item 3): finance imports the ERP's file (a refused file
//! keeps its text and names each bad row by line), issues an invoice, records a payment and a credit
//! note from its page (a refusal beside its field, what was typed kept); the partner reads its own
//! invoices without finance's forms, and another partner finds none.

use super::*;

testkit::on_both_backends!(finance_imports_and_works_an_invoice_and_its_partner_reads_it);

async fn finance_imports_and_works_an_invoice_and_its_partner_reads_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let finance = app.staff("finance@vendor.example", domain::Role::Finance).await;
    for who in [&finance, &w.partner_a, &w.partner_b] {
        app.set_password(who, PASSWORD).await;
    }
    let mut fin = Browser::new(&app);
    fin.sign_in(&finance.email, PASSWORD).await;
    let a = w.partner_a.partner_id.unwrap();
    let bad = format!(
        "number,partner_id,currency,sku,quantity,amount,cost\n\
         INV-7,{a},USD,MB-100,10,8000.00,5600.00\n\
         INV-7,{a},USD,ST-20,four,2000.00,\n"
    );
    let refused = fin
        .post("/invoices/import", "/invoices/import", &[("text", &bad)])
        .await;
    assert_eq!(refused.status, 422);
    let text = visible_text(&refused.html);
    assert!(
        text.contains("line 3, quantity: &#39;four&#39; is not a whole number."),
        "{text}"
    );
    assert!(refused.html.contains("INV-7,1,USD,ST-20,four"), "the text is kept");
    let good = bad.replace("four", "4");
    let done = fin
        .post("/invoices/import", "/invoices/import", &[("text", &good)])
        .await;
    assert_eq!(done.status, 200);
    assert!(visible_text(&done.html).contains("Imported 1 invoices."));

    let list = fin.get("/invoices").await;
    assert!(
        list.html.contains("href=\"/invoices\""),
        "finance has Invoices in its navigation"
    );
    // The invoice's link in the list (the first link under /invoices/ is the import's).
    let page = list
        .html
        .match_indices("href=\"/invoices/")
        .map(|(i, _)| &list.html[i + 6..])
        .map(|rest| rest[..rest.find('"').unwrap()].to_owned())
        .find(|href| href.ends_with(|c: char| c.is_ascii_digit()))
        .expect("the imported invoice is listed");
    let issued = fin
        .post(&page, &format!("{page}/issue"), &[("issued_on", "2026-11-30")])
        .await;
    assert_eq!(issued.status, 303);
    // 10,000.01 is more than is open: the message under the amount, the reference kept.
    let over = fin
        .post(
            &page,
            &format!("{page}/payments"),
            &[("external_id", "BANK-1"), ("amount", "10,000.01"), ("on", "2026-12-01")],
        )
        .await;
    assert_eq!(over.status, 422);
    let message = over
        .html
        .find("Is more than the 10,000.00 USD still open on the invoice.")
        .unwrap();
    assert!(
        over.html.find("id=\"payment-amount\"").unwrap() < message,
        "beside its field"
    );
    assert!(over.html.contains("value=\"BANK-1\"") && over.html.contains("value=\"10,000.01\""));
    let unread = fin
        .post(
            &page,
            &format!("{page}/payments"),
            &[("external_id", "BANK-1"), ("amount", "12,5"), ("on", "2026-12-01")],
        )
        .await;
    assert_eq!(unread.status, 422);
    assert!(
        visible_text(&unread.html).contains("&#39;12,5&#39; is not an amount like 12,000.50."),
        "{}",
        unread.html
    );
    let paid = fin
        .post(
            &page,
            &format!("{page}/payments"),
            &[("external_id", "BANK-1"), ("amount", "6,000.00"), ("on", "2026-12-01")],
        )
        .await;
    assert_eq!(paid.status, 303);
    let credited = fin
        .post(
            &page,
            &format!("{page}/credit-notes"),
            &[
                ("external_id", "CN-1"),
                ("line_no", "2"),
                ("amount", "500"),
                ("on", "2026-12-02"),
            ],
        )
        .await;
    assert_eq!(credited.status, 303);
    let shown = visible_text(&fin.get(&page).await.html);
    assert!(shown.contains("BANK-1") && shown.contains("6,000.00 USD"), "{shown}");
    assert!(shown.contains("line 2: 500.00 USD"), "{shown}");
    assert!(shown.contains("3,500.00 USD"), "open after both: {shown}");

    // The partner reads its invoice, without finance's forms; another partner finds none.
    let mut ann = Browser::new(&app);
    ann.sign_in(&w.partner_a.email, PASSWORD).await;
    let theirs = ann.get(&page).await;
    assert_eq!(theirs.status, 200);
    assert!(!theirs.html.contains("id=\"payment-form\"") && !theirs.html.contains("id=\"credit-form\""));
    assert!(
        !visible_text(&theirs.html).contains("5,600.00 USD"),
        "the vendor's cost stays the vendor's"
    );
    assert!(visible_text(&fin.get(&page).await.html).contains("5,600.00 USD"));
    assert!(ann.get("/invoices").await.html.contains("INV-7"));
    assert_eq!(ann.get("/invoices/import").await.status, 403);
    let mut bob = Browser::new(&app);
    bob.sign_in(&w.partner_b.email, PASSWORD).await;
    assert_eq!(bob.get(&page).await.status, 404);
    assert!(!bob.get("/invoices").await.html.contains("INV-7"));
    app.stop().await;
}
