//! The charts page: its filters narrow every chart alike; a partner's charts are its own.

use super::*;

testkit::on_both_backends!(chart_filters_narrow_every_chart_and_partners_see_their_own,);

/// Issue 13, defect 11: period, region and partner filters change what every chart counts and stay
/// in the form; a partner has no partner filter and cannot reach another partner's figures through
/// the address; each chart is drawn for screens and for phones, with its units.
async fn chart_filters_narrow_every_chart_and_partners_see_their_own(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let manager = app.client_for(&w.west_manager).await;
    for (partner, customer) in [(&w.partner_a, "Alder Academy"), (&w.partner_c, "Cedar College")] {
        let client = app.client_for(partner).await;
        let reg = client.submit(&registration_body(customer, None, &["MB-100"])).await;
        if partner.user_id == w.partner_a.user_id {
            manager.approve(reg.id, &json!({})).await;
        }
    }
    let (a, c) = (w.partner_a.partner_id.unwrap(), w.partner_c.partner_id.unwrap());
    let east = region_id(&app, "East").await;
    let mut admin = admin_browser(&app).await;
    // The pipeline charts name the partners whose registrations are counted.
    let counted = |html: &str| -> Vec<&'static str> {
        ["Northwind AV</text>", "Fabrikam Integration</text>"]
            .into_iter()
            .filter(|p| html.contains(p))
            .collect()
    };
    let all = admin.get("/reports").await.html;
    assert_eq!(counted(&all).len(), 2);
    assert!(all.contains("<option value=\"26\" selected>Last 26 weeks</option>"));
    for unit in [
        ">Registrations</text>",
        ">Days</text>",
        "35,000.00 USD</text>",
        ">Week of filing</text>",
        ">so far</text>",
    ] {
        assert!(all.contains(unit), "{unit}");
    }
    assert!(all.contains("class=\"chart-narrow\""));
    let in_east = admin
        .get(&format!("/reports?weeks=8&region={east}&partner="))
        .await
        .html;
    assert_eq!(counted(&in_east), ["Fabrikam Integration</text>"]);
    assert!(in_east.contains(&format!("<option value=\"{east}\" selected>East</option>")));
    assert!(in_east.contains("<option value=\"8\" selected>Last 8 weeks</option>"));
    assert!(all.contains(": Approved 1</title>"));
    assert!(
        !in_east.contains(": Approved 1</title>"),
        "every chart agrees: nothing approved in the East"
    );
    let of_a = admin.get(&format!("/reports?partner={a}")).await.html;
    assert_eq!(counted(&of_a), ["Northwind AV</text>"]);
    assert!(of_a.contains(&format!("<option value=\"{a}\" selected>Northwind AV</option>")));

    app.set_password(&w.partner_a, PASSWORD).await;
    let mut ann = Browser::new(&app);
    ann.sign_in(&w.partner_a.email, PASSWORD).await;
    let own = ann.get("/reports").await.html;
    assert!(
        !own.contains("id=\"partner\"") && !own.contains("id=\"region\""),
        "no filters of others"
    );
    assert_eq!(counted(&own), ["Northwind AV</text>"]);
    let snooping = ann.get(&format!("/reports?partner={c}&region={east}")).await.html;
    assert_eq!(
        counted(&snooping),
        ["Northwind AV</text>"],
        "still only its own figures"
    );
    assert!(!snooping.contains("Fabrikam") && !snooping.contains("Cedar College"));
    app.stop().await;
}
