//! The leads' pages over HTTP: a manager enters leads (a refused form keeps its input, each message
//! beside its field), a partner declines (the reason is required) and another accepts, the list
//! shows why each partner and "No partner available", the distribution rules.

use super::*;
use store_conformance::leads::place;

testkit::on_both_backends!(a_partner_declines_and_another_accepts_a_lead_in_the_portal);

async fn a_partner_declines_and_another_accepts_a_lead_in_the_portal(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    place(w, &w.partner_a, "DE", Some((52.52, 13.405)), None).await;
    place(w, &w.partner_b, "DE", Some((48.137, 11.575)), None).await;
    for who in [&w.west_manager, &w.partner_a, &w.partner_b] {
        app.set_password(who, PASSWORD).await;
    }
    let mut manager = Browser::new(&app);
    manager.sign_in(&w.west_manager.email, PASSWORD).await;
    let mut lead = vec![
        ("source", "web_form"),
        ("company", "Potsdam Gymnasium"),
        ("country", "DE"),
        ("city", "Potsdam"),
        ("latitude", "52.39"),
        ("longitude", "13.065"),
        ("estimated_value", "48,000.00"),
        ("products", "MB-100:12"),
    ];
    let mut bad = lead.clone();
    bad[1].1 = "";
    bad[4].1 = "north";
    bad[6].1 = "12,5";
    let refused = manager.post("/leads/new", "/leads/new", &bad).await;
    assert_eq!(refused.status, 422);
    for (field, message) in [
        ("company.name", "Required."),
        ("latitude", "'north' is not a number like 52.52."),
        (
            "estimated_value.amount_minor",
            "'12,5' is not an amount like 12,000.50.",
        ),
    ] {
        assert!(
            refused.html.contains(&format!(
                "<p class=\"field-error\" id=\"{field}-error\">{}</p>",
                html_escape(message)
            )),
            "{field}: {}",
            refused.html
        );
    }
    assert!(refused.html.contains("value=\"Potsdam\"") && refused.html.contains("value=\"MB-100:12\""));
    assert!(refused.html.contains("nav"), "the navigation stays");
    let entered = manager.post("/leads/new", "/leads/new", &lead).await;
    assert_eq!(entered.status, 303, "{}", entered.html);
    let path = entered.location.unwrap();
    let id = path.trim_start_matches("/leads/").split('?').next().unwrap().to_owned();
    let page = manager.get(&path).await;
    assert!(
        page.html
            .contains("Same country (Germany) · Gold, weight 3 · 0 of 5 open leads · 27 km")
    );
    lead[2].1 = "FR";
    lead[1].1 = "Lycée de Paris";
    manager.post("/leads/new", "/leads/new", &lead).await;
    let list = manager.get("/leads").await;
    assert!(visible_text(&list.html).contains("No partner available"));
    assert!(list.html.contains("Northwind AV"));

    // A declines: without a reason the inbox says why beside the field, and keeps nothing lost.
    let mut a = Browser::new(&app);
    a.sign_in(&w.partner_a.email, PASSWORD).await;
    let inbox = a.get("/leads").await;
    assert!(inbox.html.contains("Why you: Same country (Germany)"));
    assert!(!inbox.html.contains("Lycée de Paris"));
    let decline = format!("/leads/{id}/decline");
    let missing = a.post("/leads", &decline, &[("reason", "  ")]).await;
    assert_eq!(missing.status, 422);
    assert!(
        missing
            .html
            .contains(&format!("id=\"reason-{id}-error\">Say why your company declines"))
    );
    let declined = a
        .post("/leads", &decline, &[("reason", "Fully booked until March")])
        .await;
    assert_eq!(declined.status, 303);
    assert_eq!(a.get(&format!("/leads/{id}")).await.status, 404);

    // B has it now, and accepts it from the lead's page.
    let mut b = Browser::new(&app);
    b.sign_in(&w.partner_b.email, PASSWORD).await;
    let offered = b.get(&format!("/leads/{id}")).await;
    assert!(offered.html.contains("485 km") && !offered.html.contains("Fully booked"));
    let accepted = b
        .post(&format!("/leads/{id}"), &format!("/leads/{id}/accept"), &[])
        .await;
    assert_eq!(accepted.status, 303);
    let done = b.get(accepted.location.as_deref().unwrap()).await;
    assert!(visible_text(&done.html).contains("Lead accepted: it is your opportunity now."));
    let opened = done
        .html
        .split("href=\"/opportunities/")
        .nth(1)
        .expect("a link to the opportunity");
    let opportunity = b
        .get(&format!("/opportunities/{}", &opened[..opened.find('"').unwrap()]))
        .await;
    assert_eq!(opportunity.status, 200, "the partner manages the lead's opportunity");
    let seen = manager.get(&format!("/leads/{id}")).await;
    assert!(
        seen.html.contains("Fully booked until March"),
        "the manager reads why A declined"
    );

    // The rules: a bad weight beside its field, the typed values kept.
    let rules = manager
        .post(
            "/leads/rules",
            "/leads/rules",
            &[("gold", "300"), ("silver", "two"), ("default_capacity", "5")],
        )
        .await;
    assert_eq!(rules.status, 422);
    assert!(
        rules
            .html
            .contains("id=\"weight-gold-error\">A weight from 0 to 100.</p>"),
        "{}",
        rules.html
    );
    assert!(rules.html.contains("value=\"two\""));
    let saved = manager
        .post(
            "/leads/rules",
            "/leads/rules",
            &[("gold", "5"), ("silver", "2"), ("default_capacity", "3")],
        )
        .await;
    assert_eq!(saved.status, 303);
    assert!(manager.get("/leads/rules").await.html.contains("value=\"5\""));
    app.stop().await;
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('\'', "&#39;").replace('"', "&#34;")
}
