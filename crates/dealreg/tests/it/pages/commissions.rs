//! The commissions' pages over HTTP (issue 15, items 1, 2, 5, 7, 8): finance's queue and an order's
//! lines explained, confirmation refused while the period runs and done once it is over; a plan and
//! its version made from the pages (each refusal beside its field, what was typed kept); a partner's
//! terms; the report with its charts and CSV; the partner reading its own, another partner nothing.

use super::*;

testkit::on_both_backends!(finance_confirms_and_shapes_the_program_and_partners_read_their_own);

async fn finance_confirms_and_shapes_the_program_and_partners_read_their_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let finance = app.staff("finance@vendor.example", domain::Role::Finance).await;
    for who in [&finance, &w.partner_a, &w.partner_b] {
        app.set_password(who, PASSWORD).await;
    }
    let order = crate::api::commission_order_of_a(&app).await;
    let mut fin = Browser::new(&app);
    fin.sign_in(&finance.email, PASSWORD).await;

    let queue = fin.get("/commissions").await;
    assert_eq!(queue.status, 200);
    let text = visible_text(&queue.html);
    assert!(text.contains("CPO-") && text.contains("November 2026 · USD"), "{text}");
    assert!(text.contains("Open until 30 Nov 2026"), "{text}");
    let path = format!("/commissions/{order}");
    let page = fin.get(&path).await;
    assert!(
        visible_text(&page.html).contains("10% of 4,000.00 USD amount under Gold 2026 v1, rule &#39;Everything&#39;"),
        "{}",
        visible_text(&page.html)
    );
    // November is not over on 2026-11-22: refused on the page, in words, with its navigation.
    let early = fin.post(&path, &format!("{path}/confirm"), &[]).await;
    assert_eq!(early.status, 409);
    let text = visible_text(&early.html);
    assert!(text.contains("November 2026 is not over"), "{text}");
    assert!(early.html.contains("href=\"/commissions\""), "the navigation is kept");
    app.clock.set(store_conformance::ts("2026-12-01T09:00:00Z"));
    let done = fin.post(&path, &format!("{path}/confirm"), &[]).await;
    assert_eq!((done.status, done.location.as_deref()), (303, Some(path.as_str())));
    let confirmed = visible_text(&fin.get(&path).await.html);
    assert!(confirmed.contains("400.00 USD paid out."), "{confirmed}");
    assert!(!fin.get(&path).await.html.contains("id=\"confirm-form\""));

    // A plan from the program page: a blank name refused beside its field.
    let blank = fin
        .post(
            "/program",
            "/program/plans",
            &[("name", " "), ("deciding_date", "close")],
        )
        .await;
    assert_eq!(blank.status, 422);
    let message = blank.html.find("field-error").unwrap();
    assert!(blank.html.find("id=\"plan-name\"").unwrap() < message);
    assert!(
        blank.html.contains("<option value=\"close\" selected>"),
        "the choice is kept"
    );
    let made = fin
        .post(
            "/program",
            "/program/plans",
            &[("name", "Services 2027"), ("deciding_date", "invoice")],
        )
        .await;
    assert_eq!(made.status, 303);
    let plan = made.location.unwrap();
    // A version: an unreadable rate beside its row's field, the rule's name kept.
    let versions = format!("{plan}/versions");
    let bad = fin
        .post(
            &plan,
            &versions,
            &[
                ("effective_from", "2027-01-01"),
                ("rule0_name", "Everything"),
                ("rule0_kind", "amount_percentage"),
                ("rule0_rate", "lots"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    let text = visible_text(&bad.html);
    assert!(text.contains("&#39;lots&#39; is not a rate like 12.5"), "{text}");
    assert!(bad.html.contains("value=\"Everything\"") && bad.html.contains("value=\"lots\""));
    let good = fin
        .post(
            &plan,
            &versions,
            &[
                ("effective_from", "2027-01-01"),
                ("rule0_name", "Services by size"),
                ("rule0_kind", "sections"),
                ("rule0_currency", "USD"),
                ("rule0_bands", "0 to 999.99 at 5%\n1,000 and up at 8%"),
            ],
        )
        .await;
    assert_eq!(good.status, 303, "{}", visible_text(&good.html));
    let shown = visible_text(&fin.get(&plan).await.html);
    assert!(
        shown.contains("By the amount of the line: 0.00 USD to 999.99 USD at 5%; 1,000.00 USD and up at 8%"),
        "{shown}"
    );

    // A partner's terms: the next review before the latest is refused beside it.
    let terms = format!("/partners/{}/program", w.partner_a.partner_id.unwrap());
    let refused = fin
        .post(
            &terms,
            &terms,
            &[("latest_review_on", "2026-11-01"), ("next_review_on", "2026-10-01")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.html.find("id=\"next-review\"").unwrap()
            < refused.html.find("The next review comes after the latest").unwrap()
    );
    assert!(refused.html.contains("value=\"2026-10-01\""));
    let saved = fin
        .post(
            &terms,
            &terms,
            &[("payout_period", "quarter"), ("next_review_on", "2027-01-15")],
        )
        .await;
    assert_eq!(saved.status, 303);
    let standing = visible_text(&fin.get(&terms).await.html);
    assert!(standing.contains("Quarterly, confirmed by finance"), "{standing}");

    // The report: its row, its charts and its file.
    let report = fin.get("/commissions/report").await;
    let text = visible_text(&report.html);
    assert!(
        text.contains("Gold 2026 v1, Everything") && text.contains("400.00 USD"),
        "{text}"
    );
    assert!(report.html.contains("<svg class=\"chart\""));
    let csv = fin.get("/commissions/report.csv").await;
    assert!(
        csv.html
            .contains(",November 2026,2026-11-01,USD,Gold 2026,1,Everything,400.00,0.00,0.00,400.00")
    );

    // The partner reads its statement without finance's forms; another partner finds nothing.
    let mut a = Browser::new(&app);
    a.sign_in(&w.partner_a.email, PASSWORD).await;
    let own = a.get(&path).await;
    assert_eq!(own.status, 200);
    assert!(!own.html.contains("id=\"confirm-form\""));
    assert_eq!(a.get("/program").await.status, 403);
    let mut b = Browser::new(&app);
    b.sign_in(&w.partner_b.email, PASSWORD).await;
    assert_eq!(b.get(&path).await.status, 404);
    assert_eq!(b.get(&terms).await.status, 404);
    let theirs = visible_text(&b.get("/commissions").await.html);
    assert!(theirs.contains("No commission orders yet"), "{theirs}");
}
