//! The opportunities' pages: the pipeline's board and list, a partner's own list, refused forms that
//! keep what was typed and say why beside the field, and the decisions of sales management and of a
//! Major Account Manager taken from the page.

mod documents;

use super::*;
use domain::Actor;
use serde_json::Value;

testkit::on_both_backends!(
    the_pipeline_shows_board_and_list_with_totals_and_partners_see_their_own,
    refused_forms_keep_what_was_typed_and_say_why_beside_the_field,
    sales_management_approves_a_later_close_date_from_the_page,
    only_the_major_account_manager_agrees_to_a_revenue_share,
    won_with_a_term_product_opens_its_renewal,
    opening_one_on_the_form_and_a_conflict_kept_on_it,
    sales_management_reassigns_a_partners_open_ones_and_sees_what_moved,
    the_dashboard_reminds_the_manager_of_rights_ending_soon,
);

/// A staff user of `role`, signed in.
async fn staff(app: &TestApp, email: &str, role: domain::Role) -> (Actor, Browser) {
    let user = app
        .store()
        .create_user(
            None,
            store::NewUserRecord {
                email: domain::access::input::Email::parse(email).unwrap(),
                display_name: "Sasha Sales-Lead".into(),
                role,
                partner_id: None,
                password_hash: None,
            },
            store_conformance::today(),
        )
        .await
        .unwrap();
    let actor = Actor {
        user_id: user.id,
        email: email.to_owned(),
        role,
        partner_id: None,
    };
    (actor.clone(), signed_in(app, &actor).await)
}

async fn signed_in(app: &TestApp, actor: &Actor) -> Browser {
    app.set_password(actor, PASSWORD).await;
    let mut browser = Browser::new(app);
    assert_eq!(browser.sign_in(&actor.email, PASSWORD).await.status, 303);
    browser
}

/// Opens an opportunity through the API as `who`; answers its id.
async fn open(app: &TestApp, who: &Actor, customer: &str, stage: &str, minor: i64, sku: &str) -> i64 {
    let body = json!({
        "customer": {"name": customer, "country": "US", "segment": "education"},
        "name": format!("{customer} classrooms"), "stage": stage,
        "forecast": {"amount_minor": minor, "currency": "USD"},
        "close_date": "2027-03-31", "products": [{"sku": sku, "quantity": 2}]
    });
    let reply = app
        .client_for(who)
        .await
        .post("/opportunities", &body)
        .await
        .expect(201);
    reply.body["id"].as_i64().unwrap()
}

fn position(html: &str, needle: &str) -> usize {
    html.find(needle).unwrap_or_else(|| panic!("{needle} missing:\n{html}"))
}

async fn the_pipeline_shows_board_and_list_with_totals_and_partners_see_their_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    open(
        &app,
        &w.west_manager,
        "Springfield School District",
        "Discovery",
        1_200_050,
        "MB-100",
    )
    .await;
    open(
        &app,
        &w.west_manager,
        "Shelbyville Academy",
        "Proposal",
        800_000,
        "MB-200",
    )
    .await;
    let partners = open(
        &app,
        &w.partner_a,
        "Capital City College",
        "Discovery",
        500_000,
        "MB-100",
    )
    .await;
    let mut admin = admin_browser(&app).await;
    let board = admin.get("/opportunities").await;
    assert_eq!(board.status, 200);
    let html = &board.html;
    assert!(html.contains("id=\"board\""), "{html}");
    // Columns in the program's stage order, each with its count and forecast total.
    let discovery = position(html, ">Discovery</h2>");
    assert!(position(html, ">Qualification</h2>") < discovery && discovery < position(html, ">Proposal</h2>"));
    assert!(html.contains("2 open · 17,000.50 USD"), "{html}");
    assert!(html.contains("1 open · 8,000.00 USD"));
    assert!(html.contains("Open forecast: <strong>25,000.50 USD</strong>"));
    // The forecast by month of close, its unit on the axis.
    assert!(
        html.contains("Forecast, USD") && html.contains("Month of forecast close"),
        "{html}"
    );
    assert!(html.contains("Mar 2027"));
    let list = admin.get("/opportunities?view=list&stage=Discovery").await;
    assert_eq!(list.status, 200);
    assert!(list.html.contains("id=\"opportunity-list\""));
    assert!(list.html.contains("Springfield School District") && list.html.contains("Capital City College"));
    assert!(!list.html.contains("Shelbyville Academy"), "filtered by stage");
    assert!(list.html.contains("href=\"/opportunities.csv?"));
    let csv = admin.get("/opportunities.csv?stage=Proposal").await;
    assert_eq!(csv.status, 200);
    assert!(csv.html.contains("Shelbyville Academy") && !csv.html.contains("Springfield"));

    let mut a = signed_in(&app, &w.partner_a).await;
    let own = a.get("/opportunities").await;
    assert!(own.html.contains("Capital City College"), "{}", own.html);
    assert!(
        !own.html.contains("Springfield School District"),
        "a partner sees only its own"
    );
    assert!(own.html.contains("id=\"open-opportunity\""));
    let mut b = signed_in(&app, &w.partner_b).await;
    assert!(!b.get("/opportunities").await.html.contains("Capital City College"));
    assert_eq!(b.get(&format!("/opportunities/{partners}")).await.status, 404);
    // A partner without a level is told why it cannot open one, in words, on both pages.
    let id = w.partner_b.partner_id.unwrap();
    let p = app.store().get_partner(&w.admin, id).await.unwrap();
    let levelless = domain::directory::input::NewPartner {
        name: p.name,
        level: domain::directory::PartnerLevel::None,
        activation_stage: p.activation_stage,
        region_id: p.region_id,
        reach: Default::default(),
    };
    app.store()
        .update_partner(&w.admin, id, levelless, store_conformance::today())
        .await
        .unwrap();
    for path in ["/opportunities", "/opportunities/new"] {
        let page = b.get(path).await;
        assert!(page.html.contains("id=\"cannot-open\""), "{path}: {}", page.html);
        assert!(
            page.html
                .contains("has no partner level yet, so it cannot open opportunities")
        );
        assert!(!page.html.contains("id=\"open-opportunity\"") && !page.html.contains("id=\"opportunity-form\""));
    }
    app.stop().await;
}

async fn refused_forms_keep_what_was_typed_and_say_why_beside_the_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let id = open(
        &app,
        &w.west_manager,
        "Springfield School District",
        "Discovery",
        1_000_000,
        "MB-100",
    )
    .await;
    let mut manager = signed_in(&app, &w.west_manager).await;
    let page = format!("/opportunities/{id}");
    // Lost without a reason: the message under the reason field of the close form.
    let lost = manager
        .post(&page, &format!("{page}/close"), &[("outcome", "lost"), ("reason", " ")])
        .await;
    assert_eq!(lost.status, 422);
    let html = &lost.html;
    let message = position(html, "Say why it was lost.");
    assert!(position(html, "id=\"close-reason\"") < message && message < position(html, "Close as lost"));
    assert!(
        html.contains("href=\"/opportunities\""),
        "the page keeps its navigation"
    );
    // A later close date on the edit form points to the request, the rest as typed.
    let later = manager
        .post(
            &page,
            &format!("{page}/edit"),
            &[
                ("name", "Springfield, all schools"),
                ("stage", "Proposal"),
                ("value", "12,000.50"),
                ("expected_close", "2027-06-30"),
                ("sku_0", "MB-100 — MimioBoard 100 interactive display"),
                ("qty_0", "3"),
            ],
        )
        .await;
    assert_eq!(later.status, 422, "{}", later.html);
    let html = &later.html;
    let error = position(html, "sales management approves it: ask for it instead.");
    assert!(position(html, "id=\"expected_close\"") < error && error < position(html, "id=\"description\""));
    assert!(html.contains("href=\"#ask-close-date\""));
    assert!(html.contains("value=\"Springfield, all schools\"") && html.contains("value=\"12,000.50\""));
    assert!(html.contains("value=\"2027-06-30\""));
    assert!(
        html.contains("<details class=\"action\" id=\"edit\" open>"),
        "the refused form is shown open"
    );
    // "Add a product" without a script: the form comes back open with one line more, nothing saved.
    let added = manager
        .post(
            &page,
            &format!("{page}/edit"),
            &[
                ("name", "Springfield, all schools"),
                ("sku_0", "MB-100"),
                ("qty_0", "3"),
                ("add_line", "1"),
            ],
        )
        .await;
    assert_eq!(added.status, 200);
    assert!(added.html.contains("id=\"sku_1\"") && added.html.contains("<details class=\"action\" id=\"edit\" open>"));
    // The same change with the close date kept is saved; the forecast is read as typed.
    let saved = manager
        .post(
            &page,
            &format!("{page}/edit"),
            &[
                ("name", "Springfield, all schools"),
                ("stage", "Proposal"),
                ("value", "12,000.50"),
                ("expected_close", "2027-03-31"),
                ("sku_0", "MB-100 — MimioBoard 100 interactive display"),
                ("qty_0", "3"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let shown = manager.get(&page).await.html;
    assert!(
        shown.contains("12,000.50 USD") && shown.contains("3 × MB-100"),
        "{shown}"
    );
    // A note without text.
    let note = manager.post(&page, &format!("{page}/notes"), &[("body", "")]).await;
    assert_eq!(note.status, 422);
    assert!(position(&note.html, "id=\"note-body\"") < position(&note.html, "field-error"));
    app.stop().await;
}

async fn sales_management_approves_a_later_close_date_from_the_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let id = open(
        &app,
        &w.west_manager,
        "Springfield School District",
        "Discovery",
        1_000_000,
        "MB-100",
    )
    .await;
    let page = format!("/opportunities/{id}");
    let mut manager = signed_in(&app, &w.west_manager).await;
    assert!(
        manager
            .get(&page)
            .await
            .html
            .contains("Rights hold through 29 Jun 2027 — 219 days left."),
        "31 Mar 2027 + 90 days' grace, from 22 Nov 2026"
    );
    let asked = manager
        .post(
            &page,
            &format!("{page}/close-date"),
            &[("close_date", "2027-06-30"), ("reason", "The board meets in June")],
        )
        .await;
    assert_eq!(asked.status, 303, "{}", asked.html);
    let waiting = manager.get(&page).await.html;
    assert!(waiting.contains("Waiting for sales management.") && waiting.contains("Close on 30 Jun 2027"));
    assert!(
        !waiting.contains("id=\"decide-close-date\""),
        "the manager does not decide its own"
    );
    let (_, mut lead) = staff(&app, "sales.lead@vendor.example", domain::Role::SalesManager).await;
    assert!(lead.get(&page).await.html.contains("id=\"decide-close-date\""));
    let approved = lead
        .post(
            &page,
            &format!("{page}/close-date/decide"),
            &[("decision", "approve"), ("note", "")],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.html);
    let after = lead.get(&page).await.html;
    assert!(after.contains("Rights hold through 28 Sep 2027"), "{after}");
    assert!(!after.contains("id=\"decide-close-date\""));
    app.stop().await;
}

/// Partner A's opportunity on an account elevated with the West manager as MAM: A asks for a team.
async fn only_the_major_account_manager_agrees_to_a_revenue_share(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let id = open(
        &app,
        &w.partner_a,
        "Springfield School District",
        "Discovery",
        1_000_000,
        "MB-100",
    )
    .await;
    let customer = app
        .client_for(&w.partner_a)
        .await
        .get(&format!("/opportunities/{id}"))
        .await
        .expect(200)
        .body["customer_id"]
        .clone();
    let (_, mut lead) = staff(&app, "sales.lead@vendor.example", domain::Role::SalesManager).await;
    let mam = format!("user:{}", w.west_manager.user_id);
    let elevated = lead
        .post(
            "/major-accounts",
            "/major-accounts",
            &[
                ("customer_id", &customer.to_string()),
                ("manager", &mam),
                ("plan", "Every school within two years"),
            ],
        )
        .await;
    assert_eq!(elevated.status, 303, "{}", elevated.html);
    assert!(
        lead.get("/major-accounts")
            .await
            .html
            .contains("Springfield School District")
    );
    let page = format!("/opportunities/{id}");
    let mut a = signed_in(&app, &w.partner_a).await;
    let theirs = format!("partner:{}", w.partner_a.partner_id.unwrap());
    let shares = |first: &str, second: &str| {
        vec![
            ("party_0".to_owned(), theirs.clone()),
            ("percent_0".to_owned(), first.to_owned()),
            ("party_1".to_owned(), mam.clone()),
            ("percent_1".to_owned(), second.to_owned()),
        ]
    };
    let fields = shares("50", "30");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let refused = a.post(&page, &format!("{page}/revenue-share"), &refs).await;
    assert_eq!(refused.status, 422, "{}", refused.html);
    let html = &refused.html;
    let message = position(html, "Shares must total 100% (10,000 basis points); these total 80%.");
    assert!(position(html, "id=\"share-form\"") < message && message < position(html, "id=\"party_0\""));
    assert!(
        html.contains("id=\"percent_0\" name=\"percent_0\" value=\"50\""),
        "the shares are kept"
    );
    let fields = shares("70", "30");
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(a.post(&page, &format!("{page}/revenue-share"), &refs).await.status, 303);
    let waiting = a.get(&page).await.html;
    assert!(waiting.contains("Waiting for the Major Account Manager") && !waiting.contains("id=\"decide-share\""));
    // Neither the partner nor sales management may consent for the MAM.
    assert!(!lead.get(&page).await.html.contains("id=\"decide-share\""));
    let by_lead = lead
        .post(
            &page,
            &format!("{page}/revenue-share/decide"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(by_lead.status, 403, "{}", by_lead.html);
    let mut west = signed_in(&app, &w.west_manager).await;
    assert!(west.get(&page).await.html.contains("id=\"decide-share\""));
    let agreed = west
        .post(
            &page,
            &format!("{page}/revenue-share/decide"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(agreed.status, 303, "{}", agreed.html);
    let team = west.get(&page).await.html;
    assert!(
        team.contains("70% of the revenue") && team.contains("30% of the revenue"),
        "{team}"
    );
    app.stop().await;
}

/// Closed as won from the page, an opportunity with a 12-month subscription opens its renewal, with
/// the same manager, priced at the list price in force (product_prices).
async fn won_with_a_term_product_opens_its_renewal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    app.store()
        .create_product(
            None,
            domain::directory::products::NewProduct {
                sku: "SUB-12".into(),
                name: "Cloud subscription, 12 months".into(),
                category: "software".into(),
                is_accessory: false,
                list_price_minor: 12_000,
                partner_price_minor: 8_400,
                msrp_minor: 11_800,
                rrsp_minor: 11_000,
                currency: domain::Currency::parse("USD").unwrap(),
                maintenance_term_months: Some(12),
                effective_from: None,
            },
            store_conformance::today(),
        )
        .await
        .unwrap();
    let id = open(
        &app,
        &w.partner_a,
        "Springfield School District",
        "Proposal",
        24_000,
        "SUB-12",
    )
    .await;
    let page = format!("/opportunities/{id}");
    let mut a = signed_in(&app, &w.partner_a).await;
    let won = a
        .post(
            &page,
            &format!("{page}/close"),
            &[("outcome", "won"), ("reason", "Signed")],
        )
        .await;
    assert_eq!(won.status, 303, "{}", won.html);
    let html = a.get(&page).await.html;
    let renewal = html.split("Renewal: <a href=\"/opportunities/").nth(1).expect(&html);
    let renewal_id: String = renewal.chars().take_while(char::is_ascii_digit).collect();
    let renewal: Value = app
        .client_for(&w.partner_a)
        .await
        .get(&format!("/opportunities/{renewal_id}"))
        .await
        .expect(200)
        .body;
    assert_eq!(renewal["forecast"]["amount_minor"], 24_000, "2 × 120.00 at list");
    assert_eq!(renewal["close_date"], "2027-11-22");
    assert_eq!(renewal["manager"]["id"], w.partner_a.partner_id.unwrap());
    app.stop().await;
}

async fn opening_one_on_the_form_and_a_conflict_kept_on_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let fields = [
        ("customer_name", "Springfield School District"),
        ("city", "Springfield"),
        ("country", "US"),
        ("segment", "education"),
        ("name", "Every classroom"),
        ("stage", "Discovery"),
        ("value", "12,000.50"),
        ("expected_close", "2027-03-31"),
        ("sku_0", "MB-100 — MimioBoard 100 interactive display"),
        ("qty_0", "4"),
    ];
    let mut a = signed_in(&app, &w.partner_a).await;
    let opened = a.post("/opportunities/new", "/opportunities/new", &fields).await;
    assert_eq!(opened.status, 303, "{}", opened.html);
    let page = a.get(opened.location.as_deref().unwrap()).await.html;
    assert!(
        page.contains("12,000.50 USD") && page.contains("4 × MB-100") && page.contains(">Discovery<"),
        "{page}"
    );
    // Partner A's rights cover these products: partner B's form comes back with why, as typed.
    let mut b = signed_in(&app, &w.partner_b).await;
    let refused = b.post("/opportunities/new", "/opportunities/new", &fields).await;
    assert_eq!(refused.status, 409, "{}", refused.html);
    assert!(refused.html.contains("id=\"refusal\""), "{}", refused.html);
    assert!(refused.html.contains("value=\"Every classroom\"") && refused.html.contains("value=\"12,000.50\""));
    assert!(!refused.html.contains("Northwind"), "never whose rights they are");
    // A forecast that is no amount, beside its field.
    let mut bad = fields;
    bad[6].1 = "12,5";
    bad[0].1 = "Shelbyville Academy";
    let typo = b.post("/opportunities/new", "/opportunities/new", &bad).await;
    assert_eq!(typo.status, 422);
    let error = position(&typo.html, "is not an amount like 12,000.50");
    assert!(position(&typo.html, "id=\"value\"") < error && error < position(&typo.html, "id=\"expected_close\""));
    app.stop().await;
}

async fn sales_management_reassigns_a_partners_open_ones_and_sees_what_moved(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let first = open(
        &app,
        &w.partner_a,
        "Springfield School District",
        "Discovery",
        1_000_000,
        "MB-100",
    )
    .await;
    open(&app, &w.partner_a, "Shelbyville Academy", "Proposal", 500_000, "MB-200").await;
    let (_, mut lead) = staff(&app, "sales.lead@vendor.example", domain::Role::SalesManager).await;
    let from = w.partner_a.partner_id.unwrap().to_string();
    let to = format!("partner:{}", w.partner_b.partner_id.unwrap());
    let without_reason = lead
        .post(
            "/opportunities/reassign",
            "/opportunities/reassign",
            &[("from_partner_id", &from), ("to", &to), ("reason", "")],
        )
        .await;
    assert_eq!(without_reason.status, 422);
    assert!(position(&without_reason.html, "id=\"reason\"") < position(&without_reason.html, "field-error"));
    let moved = lead
        .post(
            "/opportunities/reassign",
            "/opportunities/reassign",
            &[
                ("from_partner_id", &from),
                ("to", &to),
                ("reason", "Coverage: Northwind left the West"),
            ],
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.html);
    assert!(moved.html.contains("Moved 2 opportunities"), "{}", moved.html);
    assert!(moved.html.contains(&format!("href=\"/opportunities/{first}\"")) && moved.html.contains("OPP-2026-"));
    let mut a = signed_in(&app, &w.partner_a).await;
    assert!(
        !a.get("/opportunities").await.html.contains("Springfield"),
        "A's portal lost them at once"
    );
    assert_eq!(a.get(&format!("/opportunities/{first}")).await.status, 404);
    let mut west = signed_in(&app, &w.west_manager).await;
    assert_eq!(
        west.get("/opportunities/reassign").await.status,
        403,
        "sales management only"
    );
    app.stop().await;
}

/// Closing on 30 Nov 2026, the rights hold through 28 Feb 2027 (90 days' grace): on 20 Feb 2027 they end
/// in 8 days, within the 14-day reminder window; a close on 31 Mar 2027 is not.
async fn the_dashboard_reminds_the_manager_of_rights_ending_soon(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let body = json!({
        "customer": {"name": "Springfield School District", "country": "US", "segment": "education"},
        "name": "Year-end displays", "forecast": {"amount_minor": 100_000, "currency": "USD"},
        "close_date": "2026-11-30", "products": [{"sku": "MB-100", "quantity": 1}]
    });
    let soon = app
        .client_for(&w.partner_a)
        .await
        .post("/opportunities", &body)
        .await
        .expect(201);
    open(
        &app,
        &w.partner_a,
        "Shelbyville Academy",
        "Discovery",
        500_000,
        "MB-200",
    )
    .await;
    let mut a = signed_in(&app, &w.partner_a).await;
    assert!(
        !a.get("/").await.html.contains("Opportunities whose rights end soon"),
        "not yet"
    );
    app.clock.set("2027-02-20T10:00:00Z".parse().unwrap());
    let html = a.get("/").await.html;
    let from = position(&html, "Opportunities whose rights end soon");
    let block = &html[from..from + html[from..].find("</section>").unwrap()];
    assert!(
        block.contains("Year-end displays (Springfield School District): rights end in 8 days."),
        "{html}"
    );
    assert!(block.contains(&format!("href=\"/opportunities/{}\"", soon.body["id"])));
    assert!(!block.contains("Shelbyville Academy classrooms"), "{block}");
    let mut b = signed_in(&app, &w.partner_b).await;
    assert!(
        !b.get("/").await.html.contains("Opportunities whose rights end soon"),
        "not B's"
    );
    app.stop().await;
}
