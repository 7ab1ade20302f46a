//! The `dealreg` binary as an operator uses it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn dealreg(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dealreg"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DEALREG_DATABASE_URL")
        .env("DEALREG_LOG", "warn")
        .output()
        .expect("run dealreg")
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn help_names_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let help = ok(dealreg(dir.path(), &["--help"]));
    for command in [
        "serve", "migrate", "demo", "user", "token", "jobs", "audit", "import", "export", "backup",
    ] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
    assert!(ok(dealreg(dir.path(), &["jobs", "run", "--help"])).contains("--as-of"));
}

#[test]
fn demo_jobs_audit_and_backup() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let demo = ok(dealreg(&data, &["demo"]));
    assert!(demo.contains("48 registrations"), "{demo}");
    assert!(demo.contains("drg_"), "tokens are printed once: {demo}");
    // Issue 13, defect 7: the first run says where to go and who can sign in, order entry included.
    assert!(demo.contains("open http://127.0.0.1:8080/"), "{demo}");
    for (email, role) in [
        ("admin@dealreg.example", "Admin"),
        ("orders@dealreg.example", "Order entry"),
        ("finance@dealreg.example", "Finance"),
        ("wendy.west@dealreg.example", "Regional manager (West)"),
        ("ann@northwind-av.example", "Partner admin (Northwind AV)"),
        ("fay@proseware.example", "Partner admin (Proseware Learning)"),
    ] {
        let row = demo
            .lines()
            .find(|l| l.contains(email) && l.trim_end().ends_with("demo-password-2026"))
            .unwrap_or_else(|| panic!("{email} is not listed with its password:\n{demo}"));
        assert!(row.trim_start().starts_with(role), "{row}");
    }
    assert!(data.join("dealreg.db").exists());
    let again = dealreg(&data, &["demo"]);
    assert!(!again.status.success(), "loading the demo twice is refused");
    assert!(ok(dealreg(&data, &["audit", "verify"])).starts_with("audit trail intact"));
    // Far in the future every approved registration has lapsed; a second pass finds nothing to do.
    let first: serde_json::Value =
        serde_json::from_str(&ok(dealreg(&data, &["jobs", "run", "--as-of", "2099-01-01"]))).unwrap();
    assert!(first["expired"].as_u64().unwrap() > 0, "{first}");
    assert!(first["rights_ended"].as_u64().unwrap() > 0, "{first}");
    assert!(first["delivered"].as_u64().unwrap() > 0, "{first}");
    let second: serde_json::Value =
        serde_json::from_str(&ok(dealreg(&data, &["jobs", "run", "--as-of", "2099-01-01"]))).unwrap();
    assert_eq!(
        (
            second["expired"].as_u64(),
            second["rights_ended"].as_u64(),
            second["delivered"].as_u64()
        ),
        (Some(0), Some(0), Some(0))
    );
    assert!(std::fs::read_dir(data.join("outbox")).unwrap().count() > 0);
    let off = ok(dealreg(
        &data,
        &["user", "deactivate", "--email", "ann@northwind-av.example"],
    ));
    assert_eq!(off.trim(), "ann@northwind-av.example is now inactive");
    let on = ok(dealreg(
        &data,
        &["user", "activate", "--email", "ann@northwind-av.example"],
    ));
    assert_eq!(on.trim(), "ann@northwind-av.example is now active");
    assert!(
        !dealreg(&data, &["user", "deactivate", "--email", "nobody@nowhere.example"])
            .status
            .success()
    );
    let copy = dir.path().join("copy.db");
    ok(dealreg(&data, &["backup", copy.to_str().unwrap()]));
    assert!(
        !dealreg(&data, &["backup", copy.to_str().unwrap()]).status.success(),
        "never overwrites"
    );
    // Everything that holds data is the service user's alone, whatever the umask.
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("outbox")), 0o700);
    for file in [data.join("dealreg.db"), copy.clone()] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    for mail in std::fs::read_dir(data.join("outbox")).unwrap() {
        assert_eq!(mode(&mail.unwrap().path()), 0o600);
    }
    let url = format!("sqlite:{}", copy.display());
    assert!(ok(dealreg(&data, &["--database-url", &url, "audit", "verify"])).starts_with("audit trail intact"));
}

/// Issue 13, defect 7: the demo is a living program — priced orders (accepted, partially accepted
/// and refused, each for a real reason), requests waiting for a manager, SORs ending within 30
/// days, and decision times that differ from week to week.
#[test]
fn the_demo_is_a_living_program() {
    use domain::orders::OrderStatus;
    use domain::registrations::{RequestStatus, Status};
    use store::{OrderFilter, PageRequest, RegistrationFilter};
    let dir = tempfile::tempdir().unwrap();
    ok(dealreg(dir.path(), &["demo"]));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = dealreg::Database::choose(None, dir.path()).open().await.unwrap();
        let user = store
            .find_user_by_email("admin@dealreg.example")
            .await
            .unwrap()
            .unwrap();
        let admin = domain::Actor {
            user_id: user.id,
            email: user.email,
            role: user.role,
            partner_id: None,
        };
        let all = PageRequest::first(PageRequest::MAX_LIMIT);
        let orders = store
            .list_orders(&admin, OrderFilter::default(), all)
            .await
            .unwrap()
            .items;
        // Leads in every state a living program has (PRG-2): offered, accepted, declined and
        // offered again, waiting for a person, and one nobody can take.
        let leads = store
            .list_leads(&admin, store::LeadFilter::default(), all)
            .await
            .unwrap()
            .items;
        assert_eq!(leads.len(), 9);
        let count = |status: domain::leads::LeadStatus| leads.iter().filter(|l| l.status == status).count();
        use domain::leads::LeadStatus as L;
        assert_eq!(
            (count(L::Accepted), count(L::Unassigned), count(L::NoPartner)),
            (2, 1, 1),
            "{leads:#?}"
        );
        assert!(count(L::Offered) >= 4);
        assert!(
            leads
                .iter()
                .all(|l| l.status != L::Accepted || l.opportunity_id.is_some())
        );
        // Invoices of every order, in every state money moves through (issue 15).
        let invoices = store
            .list_invoices(&admin, store::InvoiceFilter::default(), all)
            .await
            .unwrap()
            .items;
        let priced = orders.iter().filter(|o| o.status != OrderStatus::Refused).count();
        assert_eq!(invoices.iter().filter(|i| i.order_id.is_some()).count(), priced);
        assert!(
            invoices.iter().any(|i| i.currency.as_str() == "EUR"),
            "the ERP's EUR projects"
        );
        use domain::invoices::InvoiceStatus as I;
        for status in [I::Draft, I::Issued, I::Paid, I::Credited] {
            assert!(invoices.iter().any(|i| i.status == status), "{status:?}: {invoices:#?}");
        }
        assert!(
            invoices
                .iter()
                .any(|i| i.status == I::Issued && i.paid.amount_minor > 0),
            "paid in part"
        );
        assert!(
            invoices
                .iter()
                .any(|i| i.status == I::Paid && i.credited.amount_minor > 0),
            "credited in part"
        );
        demo_commissions(store.as_ref(), &admin).await;
        let declined = leads.iter().find(|l| !l.declines.is_empty()).expect("a declined lead");
        assert_eq!(declined.status, L::Offered, "offered to the next partner");
        assert_ne!(declined.partner_id, Some(declined.declines[0].partner_id));
        let with = |status: OrderStatus| orders.iter().filter(move |o| o.status == status);
        assert!(with(OrderStatus::Accepted).count() >= 5, "{orders:#?}");
        assert!(with(OrderStatus::Accepted).all(|o| o.total.amount_minor > 0));
        let partly: Vec<_> = with(OrderStatus::PartiallyAccepted).collect();
        assert!(!partly.is_empty());
        assert!(partly.iter().all(|o| o.total.amount_minor > 0));
        assert!(
            partly
                .iter()
                .flat_map(|o| &o.lines)
                .any(|l| l.basis.is_none() && l.reason.contains(" is not on SOR-")),
            "{partly:#?}"
        );
        let refused: Vec<_> = with(OrderStatus::Refused).collect();
        assert!(!refused.is_empty());
        assert!(
            refused
                .iter()
                .all(|o| o.lines.iter().all(|l| l.reason.contains(" expired (valid through ")))
        );

        let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
        let approved = store
            .list_registrations(
                &admin,
                RegistrationFilter {
                    status: Some(Status::Approved),
                    ..RegistrationFilter::default()
                },
                all,
            )
            .await
            .unwrap()
            .items;
        let soon = approved
            .iter()
            .filter(|r| {
                r.valid_through
                    .is_some_and(|v| v >= today && v <= today.saturating_add(jiff::ToSpan::days(30)))
            })
            .count();
        assert!(soon >= 2, "SORs ending within 30 days: {soon}");
        let mut pending = 0;
        for r in &approved {
            let requests = store.list_change_requests(&admin, r.id).await.unwrap();
            pending += requests.iter().filter(|q| q.status == RequestStatus::Pending).count();
        }
        assert!(pending >= 2, "pending requests: {pending}");
        let waiting = store
            .list_registrations(
                &admin,
                RegistrationFilter {
                    status: Some(Status::Submitted),
                    ..RegistrationFilter::default()
                },
                all,
            )
            .await
            .unwrap()
            .items;
        assert!(waiting.len() >= 2);

        let since = jiff::Timestamp::now()
            .checked_sub(jiff::ToSpan::hours(24 * 200))
            .unwrap();
        let report = store.report(&admin, &store::ReportScope::since(since)).await.unwrap();
        let minutes: std::collections::BTreeSet<i64> = report.decision_minutes.iter().map(|w| w.value).collect();
        assert!(
            minutes.len() * 2 > report.decision_minutes.len(),
            "decision times differ week to week: {:?}",
            report.decision_minutes
        );

        // Opportunities (issue 14): at every stage, some with rights ending soon, one whose rights
        // ended, one won with its renewal, a major account with a pending revenue share, a co-sell
        // partner with notes, a later close date waiting for sales management.
        use domain::opportunities::{MemberRole, Status as Opp};
        use store::{OpportunityFilter, OpportunityRequestKind};
        let opportunities = store
            .list_opportunities(&admin, OpportunityFilter::default(), all)
            .await
            .unwrap()
            .items;
        let stages: std::collections::BTreeSet<&str> = opportunities
            .iter()
            .filter(|o| o.status == Opp::Open)
            .map(|o| o.stage.as_str())
            .collect();
        assert_eq!(stages.len(), 4, "{stages:?}");
        let ending = |o: &&store::Opportunity| {
            o.status == Opp::Open
                && o.rights_through >= today
                && o.rights_through <= today.saturating_add(jiff::ToSpan::days(14))
        };
        assert!(opportunities.iter().filter(ending).count() >= 2);
        assert!(opportunities.iter().any(|o| o.status == Opp::Lapsed));
        assert!(opportunities.iter().any(|o| o.status == Opp::Won));
        let renewal = opportunities
            .iter()
            .find(|o| o.renewal_of.is_some())
            .expect("a renewal");
        let won = opportunities.iter().find(|o| Some(o.id) == renewal.renewal_of).unwrap();
        assert_eq!(renewal.manager, won.manager, "the renewal keeps its manager");
        assert!(renewal.forecast.amount_minor > 0);
        assert_eq!(store.list_major_accounts(&admin).await.unwrap().len(), 1);
        let mut pending = std::collections::HashSet::new();
        let mut co_sold_with_notes = false;
        for o in &opportunities {
            let d = store.get_opportunity(&admin, o.id).await.unwrap();
            pending.extend(d.requests.iter().filter(|r| r.status == "pending").map(|r| r.kind));
            co_sold_with_notes |= d.members.iter().any(|m| m.role == MemberRole::CoSell) && d.timeline.len() >= 2;
        }
        assert!(
            pending.contains(&OpportunityRequestKind::CloseDate)
                && pending.contains(&OpportunityRequestKind::RevenueShare)
        );
        assert!(co_sold_with_notes);
        assert!(
            store
                .find_user_by_email("sales.lead@dealreg.example")
                .await
                .unwrap()
                .is_some()
        );
    });
}

async fn actor_of(store: &dyn store::Store, email: &str) -> domain::Actor {
    let user = store.find_user_by_email(email).await.unwrap().unwrap();
    domain::Actor {
        user_id: user.id,
        email: user.email,
        role: user.role,
        partner_id: user.partner_id,
    }
}

/// Issue 15 (PRG-1, PRG-3…6): the demo's invoices earn under its plans — this month's drafts open,
/// every month before confirmed, in two currencies, a balance below the minimum carried and paid
/// later, over several months and partners (so the report's charts have shape); a partner reads
/// only its own orders.
async fn demo_commissions(store: &dyn store::Store, admin: &domain::Actor) {
    use domain::commissions::PoState;
    use std::collections::BTreeSet;
    use store::{CommissionOrderFilter, PageRequest, ReportFilter};
    let all = PageRequest::first(PageRequest::MAX_LIMIT);
    let orders = store
        .list_commission_orders(admin, CommissionOrderFilter::default(), all)
        .await
        .unwrap()
        .items;
    let today = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC).date();
    for state in [PoState::Draft, PoState::Confirmed] {
        assert!(orders.iter().any(|o| o.state == state), "{state:?}: {orders:#?}");
    }
    assert!(
        orders
            .iter()
            .all(|o| (o.state == PoState::Draft) == (o.period_end >= today)),
        "every complete period is confirmed, this one's drafts are open: {orders:#?}"
    );
    let currencies: BTreeSet<_> = orders.iter().map(|o| o.currency.as_str()).collect();
    assert!(currencies.len() >= 2, "{currencies:?}");
    assert!(
        orders.iter().any(|o| o.carried_out.is_some_and(|c| c.amount_minor > 0)),
        "a balance below the minimum carries"
    );
    assert!(
        orders
            .iter()
            .any(|o| o.carried_in.is_some_and(|c| c.amount_minor > 0) && o.payout.is_some_and(|p| p.amount_minor > 0)),
        "a carried balance is paid with a later period's"
    );
    let report = store.commission_report(admin, ReportFilter::default()).await.unwrap();
    let months: BTreeSet<_> = report.iter().map(|r| r.period_start).collect();
    let partners: BTreeSet<_> = report.iter().map(|r| r.partner_id).collect();
    assert!(months.len() >= 4 && partners.len() >= 4, "{report:#?}");
    let ann = actor_of(store, "ann@northwind-av.example").await;
    let own = store
        .list_commission_orders(&ann, CommissionOrderFilter::default(), all)
        .await
        .unwrap()
        .items;
    let hers = orders.iter().filter(|o| Some(o.partner_id) == ann.partner_id).count();
    assert!(hers > 0 && own.len() == hers, "{own:#?}");
    assert!(own.iter().all(|o| Some(o.partner_id) == ann.partner_id));
}

#[test]
fn user_add_prints_a_working_token_and_serve_answers() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dealreg(
        dir.path(),
        &[
            "user",
            "add",
            "--email",
            "not-an-email",
            "--name",
            "X",
            "--role",
            "admin",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("email"));
    let mut add = Command::new(env!("CARGO_BIN_EXE_dealreg"))
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "user",
            "add",
            "--email",
            "ops@vendor.example",
            "--name",
            "Ops",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let out = add.wait_with_output().unwrap();
    let text = ok(out);
    let token = text
        .lines()
        .find_map(|l| l.split_once("(shown once): ").map(|(_, token)| token))
        .expect("token line")
        .to_owned();
    let mut server = Command::new(env!("CARGO_BIN_EXE_dealreg"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0", "--worker-interval", "0"])
        .env("DEALREG_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let base = lines
        .find_map(|l| {
            l.ok().and_then(|l| {
                l.strip_prefix("dealreg serving ")
                    .map(|r| r.split(' ').next().unwrap().to_owned())
            })
        })
        .expect("serve prints its address");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (authorised, anonymous) = runtime.block_on(async {
        let client = reqwest::Client::new();
        let me = client
            .get(format!("{base}/users"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        let anonymous = client.get(format!("{base}/users")).send().await.unwrap().status();
        (me, anonymous)
    });
    server.kill().unwrap();
    let _ = server.wait();
    assert_eq!(authorised.as_u16(), 200);
    assert_eq!(anonymous.as_u16(), 401);
}

#[test]
fn price_lists_partners_and_customers_import_whole_and_export_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let header = "sku,name,category,accessory,maintenance_term_months,currency,list_price,partner_price,msrp,rrsp,effective_from";
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        format!("{header}\nMB-86,MimioBoard 86,boards,no,,USD,5000.00,3500.00,4999.00,4599.00,\nPEN-2,Pen,accessories,yes,,USD,49.00,32.00,\"45,00\",41.00,\n"),
    )
    .unwrap();
    let refused = dealreg(&data, &["import", "products", bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("line 3, msrp:"), "{stderr}");
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(
        ok(dealreg(&data, &["export", "products"])).lines().count(),
        1,
        "only the header"
    );

    let good = dir.path().join("good.csv");
    std::fs::write(
        &good,
        format!("{header}\nMB-86,MimioBoard 86,boards,no,,USD,5000.00,3500.00,4999.00,4599.00,2026-01-01\nMB-86,MimioBoard 86,boards,no,,USD,5200.00,3600.00,5199.00,4799.00,2027-01-01\nPEN-2,Pen,accessories,yes,,USD,49.00,32.00,45.00,41.00,2026-01-01\n"),
    )
    .unwrap();
    let imported = ok(dealreg(&data, &["import", "products", good.to_str().unwrap()]));
    assert!(imported.contains("3 rows, 2 new, 0 updated"), "{imported}");
    let exported = dir.path().join("export.csv");
    ok(dealreg(
        &data,
        &["export", "products", "-o", exported.to_str().unwrap()],
    ));
    assert_eq!(
        std::fs::read_to_string(&exported).unwrap(),
        std::fs::read_to_string(&good).unwrap()
    );
    let again = ok(dealreg(&data, &["import", "products", exported.to_str().unwrap()]));
    assert!(again.contains("3 rows, 0 new, 2 updated"), "{again}");
    assert!(
        !dealreg(&data, &["export", "products", "-o", exported.to_str().unwrap()])
            .status
            .success(),
        "never overwrites"
    );

    let partners = dir.path().join("partners.csv");
    std::fs::write(
        &partners,
        "name,level,activation_stage,region\nAcme AV,gold,ramp_up,Nowhere\n",
    )
    .unwrap();
    let refused = dealreg(&data, &["import", "partners", partners.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("line 2, region: no region is named 'Nowhere'"));
    let customers = dir.path().join("customers.csv");
    std::fs::write(
        &customers,
        "name,city,country,segment\nSpringfield School District,Springfield,US,education\n",
    )
    .unwrap();
    assert!(ok(dealreg(&data, &["import", "customers", customers.to_str().unwrap()])).contains("1 rows, 1 new"));
    let listed = ok(dealreg(&data, &["export", "customers"]));
    assert!(
        listed.contains("Springfield School District,,,Springfield,,US,education"),
        "{listed}"
    );
}
