//! Order entry pages: pasted PO lines.

use super::*;

/// Order entry pastes the PO's lines instead of picking them one by one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_entry_pastes_po_lines() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.set_password(&app.world.order_entry, PASSWORD).await;
    let mut desk = Browser::new(&app);
    desk.sign_in(&app.world.order_entry.email, PASSWORD).await;
    let partner = app.world.partner_a.partner_id.unwrap().to_string();
    let fields = [
        ("partner_id", partner.as_str()),
        ("po_number", "4500080001"),
        ("customer_name", "Springfield School District"),
        ("city", "Springfield"),
        ("country", "US"),
        ("segment", "education"),
        ("paste", "MB-100, 2\nPEN-2\t10\n"),
    ];
    let entered = desk.post("/orders/new", "/orders/new", &fields).await;
    assert_eq!(entered.status, 303, "{}", entered.html);
    let order = desk.get(entered.location.as_deref().unwrap()).await;
    assert!(order.html.contains("MB-100") && order.html.contains("PEN-2"));
    assert!(order.html.contains("refused: no SOR"));
    // Issue 13, defect 6: each pasted line's error is beside the paste box, in words, naming the
    // line as the paste box shows it (the blank first line counts), and the paste comes back as typed.
    let mut bad = fields;
    bad[1].1 = "4500080002";
    bad[6].1 = "\nMB-100, 2\nPEN-2, two\nLAMP-9 0\nMB-100\n";
    let refused = desk.post("/orders/new", "/orders/new", &bad).await;
    assert_eq!(refused.status, 422);
    let html = &refused.html;
    let paste_box = html.find("id=\"paste\"").unwrap();
    for message in [
        "Line 3: the quantity must be a whole number from 1 to 1,000,000",
        "Line 4: the quantity must be a whole number from 1 to 1,000,000",
        "Line 5: write the SKU and the quantity, e.g. MB-100, 2",
    ] {
        let at = html
            .find(message)
            .unwrap_or_else(|| panic!("{message} missing:\n{html}"));
        assert!(at > paste_box, "{message} is beside the paste box, not at the top");
    }
    assert!(!html.contains("lines["), "no field paths: {html}");
    assert!(
        html.contains(">\n\nMB-100, 2\nPEN-2, two\nLAMP-9 0\n"),
        "the paste is kept, blank line and all"
    );
    assert!(html.contains("href=\"/orders\""), "the page keeps its navigation");

    // An unknown SKU refuses its own line; the rest of the PO is priced under the SOR.
    let reg = store_conformance::submit(
        &app.world,
        &app.world.partner_a,
        "Springfield School District",
        &["MB-100"],
    )
    .await;
    let approved = app
        .store()
        .approve_registration(
            &app.world.west_manager,
            reg.id,
            store_conformance::approval(false),
            store_conformance::today(),
        )
        .await
        .unwrap();
    let sor = approved.sor_number.unwrap();
    let mut partly = fields;
    partly[1].1 = "PO-4500080003";
    partly[6].1 = "MB-100, 2\nNOPE-9, 1\n";
    let with_sor: Vec<(&str, &str)> = partly.iter().copied().chain([("sor_number", sor.as_str())]).collect();
    let entered = desk.post("/orders/new", "/orders/new", &with_sor).await;
    assert_eq!(entered.status, 303, "{}", entered.html);
    let order = desk.get(entered.location.as_deref().unwrap()).await;
    assert!(order.html.contains(">Partially accepted</span>"), "{}", order.html);
    assert!(
        order
            .html
            .contains("refused: no product with SKU <span class=\"nowrap\">NOPE-9</span>"),
        "{}",
        order.html
    );
    assert!(
        order
            .html
            .contains("<dd id=\"order-total\" class=\"nowrap\">7,000.00 USD</dd>")
    );
    assert!(!order.html.contains("partially_accepted<"), "codes are not shown");
    app.stop().await;
}

/// Issue 13, defect 12: the PO form shares the registration form's product lines: "Add a product"
/// brings the form back with one line more and what was typed, entering nothing, and a product picked
/// as the picker shows it ("SKU — name") is priced as its SKU.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_po_form_adds_lines_and_reads_picked_products() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.set_password(&app.world.order_entry, PASSWORD).await;
    let mut desk = Browser::new(&app);
    desk.sign_in(&app.world.order_entry.email, PASSWORD).await;
    let partner = app.world.partner_a.partner_id.unwrap().to_string();
    // Nothing is chosen for order entry: the country and segment are the PO's.
    let fresh = desk.get("/orders/new").await.html;
    assert!(
        fresh.contains("<option value=\"US\">United States</option>"),
        "a country picker"
    );
    assert!(!fresh.contains("<option value=\"US\" selected>") && !fresh.contains("value=\"education\" selected"));
    let mut fields = vec![
        ("partner_id", partner.as_str()),
        ("po_number", "4500090001"),
        ("customer_name", "Springfield School District"),
        ("city", "Springfield"),
        ("country", "US"),
        ("segment", "education"),
        ("sku_0", "MB-100 — MimioBoard 100 interactive display"),
        ("qty_0", "2"),
    ];
    let with_add: Vec<(&str, &str)> = fields.iter().copied().chain([("add_line", "1")]).collect();
    let added = desk.post("/orders/new", "/orders/new", &with_add).await;
    assert_eq!(added.status, 200, "the form again, nothing entered");
    assert!(added.html.contains("id=\"sku_1\"") && added.html.contains("value=\"4500090001\""));
    assert!(
        added
            .html
            .contains("value=\"MB-100 — MimioBoard 100 interactive display\"")
    );
    fields.extend([("sku_1", ""), ("qty_1", "")]);
    let entered = desk.post("/orders/new", "/orders/new", &fields).await;
    assert_eq!(entered.status, 303, "{}", entered.html);
    let order = desk.get(entered.location.as_deref().unwrap()).await;
    assert!(
        order.html.contains("MB-100") && !order.html.contains("no product with SKU"),
        "{}",
        order.html
    );
    app.stop().await;
}
