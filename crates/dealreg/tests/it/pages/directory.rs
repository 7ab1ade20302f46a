//! Administration pages: users, tokens, partners, regions, settings and price lists.

use super::*;

testkit::on_both_backends!(
    administrators_manage_the_program_in_pages,
    a_refused_new_user_keeps_what_was_typed,
    administrators_edit_users_and_their_tokens,
    partners_are_edited_by_their_own_form,
    settings_name_the_fallback_approver_and_currency,
    a_price_list_file_is_previewed_before_it_is_imported,
    administrators_cannot_deactivate_themselves,
    a_regions_approver_is_chosen_by_name,
    a_partner_is_placed_for_lead_distribution_by_its_form,
);

/// PRG-2: the partner form carries what lead distribution reads — country, coordinates, capacity —
/// with a number that does not read as one refused beside its field and the typed values kept.
async fn a_partner_is_placed_for_lead_distribution_by_its_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let id = app.world.partner_a.partner_id.unwrap();
    let west = region_id(&app, "West").await;
    let page = format!("/admin/partners/{id}");
    let mut fields = vec![
        ("name", "Northwind AV"),
        ("level", "gold"),
        ("activation_stage", "fully_operational"),
        ("region_id", west.as_str()),
        ("country", "DE"),
        ("latitude", "north"),
        ("longitude", "13.405"),
        ("lead_capacity", "0"),
    ];
    let refused = admin.post(&page, &page, &fields).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("id=\"latitude-error\">&#39;north&#39; is not a number like 52.52</p>"),
        "{}",
        refused.html
    );
    assert!(
        refused
            .html
            .contains("id=\"lead_capacity-error\">between 1 and 10000 open leads</p>"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("value=\"north\"")
            && refused.html.contains("<option value=\"DE\" selected>Germany</option>")
    );
    fields[5].1 = "52.52";
    fields[7].1 = "3";
    assert_eq!(admin.post(&page, &page, &fields).await.status, 303);
    let partner = app.store().get_partner(&app.world.admin, id).await.unwrap();
    assert_eq!(partner.reach.country.as_deref(), Some("DE"));
    assert_eq!(partner.reach.location.unwrap().latitude_e6, 52_520_000);
    assert_eq!(partner.reach.lead_capacity, Some(3));
    let shown = admin.get(&page).await.html;
    assert!(shown.contains("value=\"52.52\"") && shown.contains("href=\"/leads/rules\""));
    app.stop().await;
}

async fn administrators_manage_the_program_in_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.set_password(&app.world.admin, PASSWORD).await;
    app.set_password(&app.world.west_manager, PASSWORD).await;
    let mut admin = Browser::new(&app);
    admin.sign_in(&app.world.admin.email, PASSWORD).await;
    // A price list with bad rows: each shown with its line and column; nothing imported.
    let csv = "sku,name,category,currency,list_price,partner_price,msrp,rrsp\n\
               LAMP-9,Lamp,accessories,USD,199.00,120.00,189.00,179.00\n\
               CORD-1,Cord,accessories,USD,9.99,5.00,\"9,50\",9.00\n";
    let refused = admin.post("/admin/prices", "/admin/prices", &[("csv", csv)]).await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("line 3, msrp:"), "{}", refused.html);
    assert!(!admin.get("/products").await.html.contains("LAMP-9"));
    let fixed = csv.replace("\"9,50\"", "9.50");
    let imported = admin.post("/admin/prices", "/admin/prices", &[("csv", &fixed)]).await;
    assert!(
        imported.html.contains("Imported 2 rows: 2 new products"),
        "{}",
        imported.html
    );
    assert!(admin.get("/products").await.html.contains("LAMP-9"));
    // Settings: a bad value is named and nothing is saved; a good one is.
    let bad = [
        ("default_validity_days", "400"),
        ("max_validity_days", "365"),
        ("reminder_days_before", "14"),
        ("time_zone", "Mars/Olympus"),
        ("currency", "USD"),
        ("no_sor_pricing", "reprice"),
        ("over_order", "warn"),
    ];
    let refused = admin.post("/admin/settings", "/admin/settings", &bad).await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("time_zone"));
    assert_eq!(app.store().settings().await.unwrap().time_zone, "UTC");
    let mut good = bad;
    good[0].1 = "60";
    good[3].1 = "America/Chicago";
    assert_eq!(
        admin.post("/admin/settings", "/admin/settings", &good).await.status,
        303
    );
    let saved = app.store().settings().await.unwrap();
    assert_eq!(
        (saved.default_validity_days, saved.time_zone.as_str()),
        (60, "America/Chicago")
    );
    assert_eq!(saved.no_sor_pricing, domain::orders::NoSorPricing::Reprice);
    // A partner saved from the page; a token shown once.
    let east = region_id(&app, "East").await;
    let saved = admin
        .post(
            "/admin/partners",
            "/admin/partners",
            &[
                ("name", "Litware Learning"),
                ("level", "silver"),
                ("activation_stage", "ramp_up"),
                ("region_id", &east),
            ],
        )
        .await;
    assert_eq!(
        (saved.status, saved.location.as_deref()),
        (303, Some("/admin/partners?done=added"))
    );
    assert!(admin.get("/admin/partners").await.html.contains("Litware Learning"));
    let path = format!("/admin/users/{}/token", app.world.partner_a.user_id);
    let token = admin.post("/admin/users", &path, &[]).await;
    assert!(token.html.contains("drg_"), "the token is shown once");
    // The price list downloads as the file that imports back.
    let file = admin.get("/products.csv").await;
    assert!(file.html.starts_with("sku,name,category"), "{}", file.html);
    assert!(
        file.html
            .contains("LAMP-9,Lamp,accessories,no,,USD,199.00,120.00,189.00,179.00,2026-11-22")
    );
    // Charts render as inline SVG.
    let charts = admin.get("/reports").await;
    assert_eq!(charts.status, 200);
    assert!(charts.html.contains("<svg class=\"chart\""));
    // Managers cannot administer.
    let mut manager = Browser::new(&app);
    manager.sign_in(&app.world.west_manager.email, PASSWORD).await;
    assert_eq!(manager.get("/admin/settings").await.status, 403);
    let forbidden = manager.post("/", "/admin/prices", &[("csv", &fixed)]).await;
    assert_eq!(forbidden.status, 403);
    app.stop().await;
}

/// Issue 13, defect 9: a refused "add user" keeps every typed value (not the password), the chosen
/// role and partner, with the error beside its field; roles read as labels, partners by name.
async fn a_refused_new_user_keeps_what_was_typed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let partner_b = app.world.partner_b.partner_id.unwrap().to_string();
    let refused = admin
        .post(
            "/admin/users",
            "/admin/users",
            &[
                ("email", "dana@contoso.example"),
                ("display_name", "Dana Diaz"),
                ("role", "partner_admin"),
                ("partner_id", &partner_b),
                ("password", "short-pw"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    let html = &refused.html;
    assert!(html.contains("value=\"dana@contoso.example\""), "{html}");
    assert!(html.contains("value=\"Dana Diaz\""));
    assert!(
        html.contains("<option value=\"partner_admin\" selected>Partner admin</option>"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "<option value=\"{partner_b}\" selected>Contoso Classrooms</option>"
    )));
    assert!(!html.contains("short-pw"), "the password is never echoed");
    assert!(html.contains("<p class=\"field-error\" id=\"password-error\">Use at least 12 characters.</p>"));
    assert!(
        html.contains("<nav aria-label=\"Main\">"),
        "the page keeps its navigation"
    );
    // A partner role without a partner: said beside the partner, in words.
    let refused = admin
        .post(
            "/admin/users",
            "/admin/users",
            &[
                ("email", "eve@contoso.example"),
                ("display_name", "Eve"),
                ("role", "partner_user"),
                ("partner_id", ""),
            ],
        )
        .await;
    assert!(
        refused
            .html
            .contains("id=\"partner_id-error\">Choose the partner this person works for.")
    );
    // A taken address, beside the address.
    let taken = admin
        .post(
            "/admin/users",
            "/admin/users",
            &[
                ("email", &app.world.partner_a.email),
                ("display_name", "Ann again"),
                ("role", "sales"),
            ],
        )
        .await;
    assert!(
        taken.html.contains("id=\"email-error\">Someone already has an account"),
        "{}",
        taken.html
    );
    // Nothing is chosen for the person on a fresh form; the list shows labels and names.
    let list = admin.get("/admin/users").await.html;
    assert!(list.contains("<option value=\"\">Choose a role…</option>"));
    assert!(!list.contains(" selected>"), "nothing preselected");
    assert!(
        list.contains("<td data-label=\"Role\">Partner user</td>")
            && list.contains("<td data-label=\"Partner\">Northwind AV</td>"),
        "{list}"
    );
    assert!(!list.contains(">partner_user<"), "codes are never shown");
    app.stop().await;
}

/// Issue 13, defect 9: a user's own page edits name, address, role and partner, and lists their
/// API tokens (label, created, expiry, state) with a revoke button each.
async fn administrators_edit_users_and_their_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let ann = app.world.partner_a.user_id;
    let page = format!("/admin/users/{ann}");
    let partner_b = app.world.partner_b.partner_id.unwrap().to_string();
    let saved = admin
        .post(
            &page,
            &page,
            &[
                ("email", "ann.archer@northwind.example"),
                ("display_name", "Ann Archer"),
                ("role", "partner_admin"),
                ("partner_id", &partner_b),
            ],
        )
        .await;
    assert_eq!(
        (saved.status, saved.location.as_deref()),
        (303, Some(&*format!("{page}?done=saved")))
    );
    let user = app.store().find_user(ann).await.unwrap().unwrap();
    assert_eq!(
        (
            user.display_name.as_str(),
            user.email.as_str(),
            user.role,
            user.partner_id
        ),
        (
            "Ann Archer",
            "ann.archer@northwind.example",
            domain::Role::PartnerAdmin,
            app.world.partner_b.partner_id
        )
    );
    // Staff with a partner: refused beside the partner, the typed values kept.
    let refused = admin
        .post(
            &page,
            &page,
            &[
                ("email", "ann@x.example"),
                ("display_name", "Ann X"),
                ("role", "sales"),
                ("partner_id", &partner_b),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused
            .html
            .contains("id=\"partner_id-error\">Staff roles belong to no partner"),
        "{}",
        refused.html
    );
    assert!(
        refused.html.contains("value=\"Ann X\"")
            && refused.html.contains("<option value=\"sales\" selected>Sales</option>")
    );
    // Tokens: issued with a label and a validity, listed, revoked.
    let issued = admin
        .post(
            &page,
            &format!("{page}/token"),
            &[("label", "CRM sync"), ("valid_days", "30")],
        )
        .await;
    assert!(issued.html.contains("drg_"), "shown once");
    assert!(
        issued
            .html
            .contains("<td data-label=\"Label\">CRM sync</td><td data-label=\"Created\">2026-11-22 10:00</td><td data-label=\"Expires\">2026-12-22 10:00</td><td data-label=\"State\">Works</td>"),
        "{}",
        issued.html
    );
    let token = app.store().list_tokens(&app.world.admin, ann).await.unwrap()[0]
        .id
        .to_string();
    let revoked = admin
        .post(&page, &format!("{page}/tokens/revoke"), &[("token_id", &token)])
        .await;
    assert_eq!(revoked.status, 303);
    let after = admin.get(&page).await.html;
    assert!(
        after.contains("<td data-label=\"State\">Revoked 2026-11-22 10:00</td>"),
        "{after}"
    );
    // Another user's token is not found from this user's page.
    let other = format!("/admin/users/{}/tokens/revoke", app.world.partner_c.user_id);
    assert_eq!(admin.post(&page, &other, &[("token_id", &token)]).await.status, 404);
    app.stop().await;
}

/// Issue 13, defect 9: a partner is renamed and moved through its own form, keyed by id; the add
/// form chooses nothing for the administrator.
async fn partners_are_edited_by_their_own_form(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let list = admin.get("/admin/partners").await.html;
    assert!(!list.contains(" selected>"), "nothing preselected: {list}");
    assert!(list.contains("<option value=\"\">Choose a level…</option>"));
    assert!(
        list.contains("<td data-label=\"Activation stage\">Fully operational</td>"),
        "stages as labels"
    );
    // A blank add form: each missing choice said beside its field, the typed name kept.
    let refused = admin
        .post("/admin/partners", "/admin/partners", &[("name", "Litware Learning")])
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("id=\"level-error\"") && refused.html.contains("id=\"region_id-error\""));
    assert!(refused.html.contains("value=\"Litware Learning\""));
    let id = app.world.partner_a.partner_id.unwrap();
    let east = region_id(&app, "East").await;
    let page = format!("/admin/partners/{id}");
    assert!(admin.get(&page).await.html.contains("value=\"Northwind AV\""));
    let saved = admin
        .post(
            &page,
            &page,
            &[
                ("name", "Northwind Audio Visual"),
                ("level", "platinum"),
                ("activation_stage", "fully_operational"),
                ("region_id", &east),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    let list = admin.get("/admin/partners").await.html;
    assert!(list.contains(&format!("<a href=\"/admin/partners/{id}\">Northwind Audio Visual</a></td><td data-label=\"Level\">Platinum</td><td data-label=\"Activation stage\">Fully operational</td><td data-label=\"Region\">East</td>")), "{list}");
    // Renaming onto another partner's name: refused beside the name.
    let taken = admin
        .post(
            &page,
            &page,
            &[
                ("name", "Contoso Classrooms"),
                ("level", "gold"),
                ("activation_stage", "ramp_up"),
                ("region_id", &east),
            ],
        )
        .await;
    assert!(
        taken
            .html
            .contains("id=\"name-error\">Another partner already has this name."),
        "{}",
        taken.html
    );
    app.stop().await;
}

/// Issue 13, defect 9: the fallback approver (active channel managers and administrators) and the
/// program currency are chosen on the settings page.
async fn settings_name_the_fallback_approver_and_currency(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let page = admin.get("/admin/settings").await.html;
    let east = app.world.east_manager.user_id.to_string();
    assert!(
        page.contains(&format!(
            "<option value=\"{east}\">east@vendor.example (Regional manager)</option>"
        )),
        "{page}"
    );
    assert!(!page.contains("ann@northwind.example"), "partners never approve");
    assert!(page.contains("id=\"currency\" name=\"currency\""));
    let saved = admin
        .post("/admin/settings", "/admin/settings", &settings_form(&east, "USD"))
        .await;
    assert_eq!(saved.status, 303, "{}", saved.html);
    assert_eq!(
        app.store().settings().await.unwrap().fallback_approver_id,
        Some(app.world.east_manager.user_id)
    );
    assert!(
        admin
            .get("/admin/settings")
            .await
            .html
            .contains(&format!("<option value=\"{east}\" selected>"))
    );
    // A partner's user as approver, a currency that is no code, another currency under a USD price list.
    let partner = app.world.partner_a.user_id.to_string();
    let refused = admin
        .post("/admin/settings", "/admin/settings", &settings_form(&partner, "USD"))
        .await;
    assert!(
        refused.html.contains("id=\"fallback_approver_id-error\""),
        "{}",
        refused.html
    );
    let refused = admin
        .post("/admin/settings", "/admin/settings", &settings_form("", "dollars"))
        .await;
    assert!(refused.html.contains("id=\"currency-error\""));
    assert!(refused.html.contains("value=\"dollars\""), "kept as typed");
    let refused = admin
        .post("/admin/settings", "/admin/settings", &settings_form("", "EUR"))
        .await;
    assert!(refused.html.contains("The price list is in USD"), "{}", refused.html);
    assert_eq!(
        app.store().settings().await.unwrap().fallback_approver_id,
        Some(app.world.east_manager.user_id)
    );
    app.stop().await;
}

fn settings_form<'a>(approver: &'a str, currency: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("default_validity_days", "90"),
        ("max_validity_days", "365"),
        ("reminder_days_before", "14"),
        ("fallback_approver_id", approver),
        ("time_zone", "UTC"),
        ("currency", currency),
        ("no_sor_pricing", "reject"),
        ("over_order", "warn"),
    ]
}

/// Issue 13, defect 9: a price list file is uploaded, previewed (new products, new price versions,
/// changed and unchanged rows, bad rows with their lines), and imported as previewed on confirming.
async fn a_price_list_file_is_previewed_before_it_is_imported(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let header = "sku,name,category,accessory,currency,list_price,partner_price,msrp,rrsp,effective_from\n";
    let file = format!(
        "{header}\
         LAMP-9,Lamp,accessories,yes,USD,199.00,120.00,189.00,179.00,\n\
         MB-100,MimioBoard 100 interactive display,displays,no,USD,5000.00,3500.00,4999.00,4599.00,\n\
         MB-200,MimioBoard 200 interactive display,displays,no,USD,5200.00,3600.00,5199.00,4799.00,\n\
         PEN-2,\"Replacement pen, 2 pack\",accessories,yes,USD,49.00,32.00,45.00,41.00,2027-01-01\n"
    );
    let preview = admin
        .post_file("/admin/prices", "/admin/prices/upload", "prices.csv", file.as_bytes())
        .await;
    assert_eq!(preview.status, 200, "{}", preview.html);
    let html = &preview.html;
    assert!(
        html.contains("4 rows: 1 new products, 1 new price versions, 1 changed, 1 unchanged."),
        "{html}"
    );
    assert!(
        html.contains(
            "<td data-label=\"Line\">2</td><td data-label=\"Change\">New product</td><td data-label=\"SKU\">LAMP-9</td>"
        ),
        "{html}"
    );
    assert!(html.contains("<td data-label=\"Line\">4</td><td data-label=\"Change\">Changed prices or details</td><td data-label=\"SKU\">MB-200</td>"));
    assert!(html.contains("List 199.00 USD<br>Partner 120.00 USD<br>"));
    assert!(
        !app.store()
            .export_products()
            .await
            .unwrap()
            .iter()
            .any(|p| p.sku == "LAMP-9"),
        "nothing imported yet"
    );
    // Confirming imports what the hidden field carries: the previewed file.
    let start = html.find("name=\"csv\" value=\"").unwrap() + 18;
    let carried = &html[start..start + html[start..].find('"').unwrap()];
    let carried = carried
        .replace("&#10;", "\n")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&amp;", "&");
    let imported = admin.post("/admin/prices", "/admin/prices", &[("csv", &carried)]).await;
    assert!(
        imported.html.contains("Imported 4 rows: 1 new products, 3 updated."),
        "{}",
        imported.html
    );
    let on_file = app.store().export_products().await.unwrap();
    assert!(
        on_file
            .iter()
            .any(|p| p.sku == "PEN-2" && p.price.effective_from.to_string() == "2027-01-01")
    );
    // A file with bad rows: each with its line and column, no confirm button.
    let bad = format!(
        "{header}LAMP-9,Lamp,accessories,yes,EUR,199.00,120.00,189.00,179.00,\nCORD-1,Cord,accessories,yes,USD,abc,5.00,9.50,9.00,\n"
    );
    let refused = admin
        .post_file("/admin/prices", "/admin/prices/upload", "bad.csv", bad.as_bytes())
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.html.contains("line 3, list_price:"), "{}", refused.html);
    assert!(!refused.html.contains("id=\"confirm\""));
    // Not a text file, and no file at all.
    let binary = admin
        .post_file(
            "/admin/prices",
            "/admin/prices/upload",
            "prices.xlsx",
            &[0xff, 0xfe, 0x00],
        )
        .await;
    assert!(
        binary.html.contains("prices.xlsx is not a text file in UTF-8"),
        "{}",
        binary.html
    );
    let empty = admin.post_file("/admin/prices", "/admin/prices/upload", "", b"").await;
    assert!(empty.html.contains("Choose a CSV file to upload."));
    // The pasted text is previewed the same way.
    let pasted = admin
        .post("/admin/prices", "/admin/prices/preview", &[("csv", &file)])
        .await;
    assert!(
        pasted
            .html
            .contains("4 rows: 0 new products, 0 new price versions, 0 changed, 4 unchanged."),
        "{}",
        pasted.html
    );
    app.stop().await;
}

/// Issue 13: deactivating one's own account would lock the administrator out at one click: their
/// own page does not offer it, and sent anyway it is refused in words and changes nothing.
async fn administrators_cannot_deactivate_themselves(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let mut admin = admin_browser(&app).await;
    let own = format!("/admin/users/{}", app.world.admin.user_id);
    let page = admin.get(&own).await;
    let text = visible_text(&page.html);
    assert!(
        text.contains("You cannot deactivate your own account; another administrator can."),
        "{text}"
    );
    assert!(!page.html.contains("Deactivate (ends sessions"));
    let other = admin
        .get(&format!("/admin/users/{}", app.world.partner_a.user_id))
        .await;
    assert!(other.html.contains("Deactivate (ends sessions"));
    let refused = admin.post(&own, &format!("{own}/active"), &[("active", "false")]).await;
    assert_eq!(refused.status, 409);
    assert!(visible_text(&refused.html).contains("another administrator can"));
    assert_eq!(admin.get("/").await.status, 200, "still signed in");
    let api = app.client_for(&app.world.admin).await;
    let users = api.get("/users?limit=200").await.expect(200);
    let me = users.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"] == app.world.admin.user_id)
        .cloned()
        .unwrap();
    assert_eq!(me["active"], true, "{me}");
    app.stop().await;
}

/// Issue 13, item 4 of the lists work: a region's approver is chosen by name among the people who
/// may approve, the current one selected (none preselected for a region without one); a refused
/// choice or name comes back beside its field.
async fn a_regions_approver_is_chosen_by_name(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let w = &app.world;
    let mut admin = admin_browser(&app).await;
    let (west, islands) = (region_id(&app, "West").await, w.region_without_manager.to_string());
    let page = admin.get("/admin/regions").await.html;
    let select = |html: &str, region: &str| -> String {
        let start = html.find(&format!("<select id=\"manager-{region}\"")).unwrap();
        html[start..start + html[start..].find("</select>").unwrap()].to_owned()
    };
    let west_select = select(&page, &west);
    let option = |who: &domain::Actor| format!("<option value=\"{}\"", who.user_id);
    assert!(
        west_select.contains(&format!(
            "{} selected>{} (Regional manager)",
            option(&w.west_manager),
            w.west_manager.email
        )),
        "{west_select}"
    );
    assert!(west_select.contains(&option(&w.east_manager)) && west_select.contains(&option(&w.admin)));
    for nobody in [&w.partner_a, &w.order_entry] {
        assert!(
            !west_select.contains(&option(nobody)),
            "{} may not approve",
            nobody.email
        );
    }
    let islands_select = select(&page, &islands);
    assert!(islands_select.contains("<option value=\"\" selected>Choose an approver</option>"));
    assert_eq!(islands_select.matches(" selected").count(), 1, "{islands_select}");

    let path = format!("/admin/regions/{islands}/manager");
    let order_entry = w.order_entry.user_id.to_string();
    for (chosen, message) in [
        ("", "Choose the approver from the list."),
        (order_entry.as_str(), "Choose a regional manager or an administrator"),
    ] {
        let refused = admin
            .post("/admin/regions", &path, &[("manager_user_id", chosen)])
            .await;
        assert_eq!(refused.status, 422, "{chosen}");
        let error = format!("id=\"manager-{islands}-error\">{message}");
        assert!(refused.html.contains(&error), "{}", refused.html);
        assert!(refused.html.contains("aria-label=\"Main\""));
    }
    let east = w.east_manager.user_id.to_string();
    let assigned = admin.post("/admin/regions", &path, &[("manager_user_id", &east)]).await;
    assert_eq!(assigned.status, 303);
    let page = admin.get("/admin/regions").await.html;
    assert!(select(&page, &islands).contains(&format!("{} selected>", option(&w.east_manager))));

    let taken = admin
        .post("/admin/regions", "/admin/regions", &[("name", "West")])
        .await;
    assert_eq!(taken.status, 422);
    assert!(taken.html.contains("value=\"West\"") && taken.html.contains("id=\"name-error\""));
    app.stop().await;
}
