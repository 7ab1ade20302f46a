//! `dealreg demo`: a realistic program to explore — three regions with their managers, six partners
//! at different levels and stages, about fifty end customers (with the spelling variants that real
//! partners type), a price list of thirty products with accessories and maintenance (in force for a
//! year already), and registrations in every state with their orders, requests and decisions, dated
//! over the last months so that every page and chart shows a living program; their invoices paid
//! over six months earn commissions under the levels' plans, confirmed for every past month.

mod commissions;
mod data;
mod invoices;
mod leads;
mod opportunities;
mod registrations;

use data::{PARTNERS, PRODUCTS};
use domain::access::input::Email;
use domain::directory::input::NewPartner;
use domain::directory::products::{ProductInput, parse_product};
use domain::{Actor, Role};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use std::sync::Arc;
use store::{NewUserRecord, Store, StoreError, StoreResult};

/// Demo users sign in with this password (the web portal) or the tokens printed by `dealreg demo`.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

pub struct DemoReport {
    /// Opened by the demo beside those its approved registrations made.
    pub opportunities: usize,
    pub registrations: usize,
    pub orders: usize,
    pub leads: usize,
    pub invoices: usize,
    /// Drafts of this month and confirmed orders of the months before.
    pub commission_orders: usize,
    /// Everyone who can sign in, in the order they are introduced.
    pub users: Vec<DemoUser>,
    /// (e-mail, role, API token) for trying the API.
    pub tokens: Vec<(String, Role, String)>,
}

/// A demo user as the first-run output introduces them.
pub struct DemoUser {
    pub email: String,
    pub role: Role,
    /// Whose region or partner, e.g. "West" or "Northwind AV".
    pub of: Option<String>,
}

async fn user(
    store: &dyn Store,
    email: &str,
    name: &str,
    role: Role,
    partner_id: Option<i64>,
    password_hash: &str,
    now: Timestamp,
) -> StoreResult<Actor> {
    let record = NewUserRecord {
        email: Email::parse(email).map_err(|e| StoreError::invalid("email", e))?,
        display_name: name.to_owned(),
        role,
        partner_id,
        password_hash: Some(password_hash.to_owned()),
    };
    let created = store.create_user(None, record, now).await?;
    Ok(Actor {
        user_id: created.id,
        email: created.email,
        role,
        partner_id,
    })
}

/// The demo price list: thirty products with accessories and maintenance. Partner price 70% of
/// list, Commercial MSRP 98%, GOV/ED RRSP 92%; in force from `effective_from` (default: today).
pub async fn load_price_list(
    s: &dyn Store,
    effective_from: Option<Date>,
    now: Timestamp,
) -> anyhow::Result<Vec<store::Product>> {
    let mut products = Vec::with_capacity(PRODUCTS.len());
    for &(sku, name, category, list_dollars, term, accessory) in PRODUCTS {
        let list = list_dollars * 100;
        let product = parse_product(&ProductInput {
            sku: Some(sku.into()),
            name: Some(name.into()),
            category: Some(category.into()),
            is_accessory: Some(accessory),
            list_price_minor: Some(list),
            partner_price_minor: Some(list * 70 / 100),
            msrp_minor: Some(list - list / 50),
            rrsp_minor: Some(list * 92 / 100),
            currency: Some("USD".into()),
            maintenance_term_months: term,
            effective_from: effective_from.map(|d| d.to_string()),
        })
        .map_err(|e| anyhow::anyhow!("demo product {sku}: {e}"))?;
        products.push(s.create_product(None, product, now).await?);
    }
    Ok(products)
}

fn introduce(users: &mut Vec<DemoUser>, actor: &Actor, of: Option<&str>) {
    users.push(DemoUser {
        email: actor.email.clone(),
        role: actor.role,
        of: of.map(str::to_owned),
    })
}

/// The vendor's staff: an administrator, order entry, finance and sales management, in that order.
async fn staff(s: &dyn Store, hash: &str, users: &mut Vec<DemoUser>, now: Timestamp) -> anyhow::Result<[Actor; 4]> {
    let mut staff = Vec::new();
    for (email, name, role) in [
        ("admin@dealreg.example", "Avery Admin", Role::Admin),
        ("orders@dealreg.example", "Olive Order-Entry", Role::OrderEntry),
        ("finance@dealreg.example", "Finn Finance", Role::Finance),
        ("sales.lead@dealreg.example", "Sasha Sales-Lead", Role::SalesManager),
    ] {
        let actor = user(s, email, name, role, None, hash, now).await?;
        introduce(users, &actor, None);
        staff.push(actor);
    }
    staff
        .try_into()
        .map_err(|_| anyhow::anyhow!("the demo has four staff users"))
}

/// The three regions, each with its channel manager: (region id, manager).
async fn regions(
    s: &dyn Store,
    hash: &str,
    users: &mut Vec<DemoUser>,
    now: Timestamp,
) -> anyhow::Result<Vec<(i64, Actor)>> {
    let mut managers = Vec::new();
    for (region, manager, email) in [
        ("West", "Wendy West", "wendy.west@dealreg.example"),
        ("Central", "Carl Central", "carl.central@dealreg.example"),
        ("East", "Erin East", "erin.east@dealreg.example"),
    ] {
        let m = user(s, email, manager, Role::ChannelManager, None, hash, now).await?;
        introduce(users, &m, Some(region));
        let r = s.create_region(None, region, Some(m.user_id), now).await?;
        managers.push((r.id, m));
    }
    Ok(managers)
}

/// The partners of `PARTNERS`, each with its user: (partner user, its region's manager).
async fn partners(
    s: &dyn Store,
    hash: &str,
    users: &mut Vec<DemoUser>,
    managers: &[(i64, Actor)],
    now: Timestamp,
) -> anyhow::Result<Vec<(Actor, Actor)>> {
    let mut partners = Vec::new();
    for (index, &(name, level, stage, region, email)) in PARTNERS.iter().enumerate() {
        let p = s
            .create_partner(
                None,
                NewPartner {
                    name: name.into(),
                    level,
                    activation_stage: stage,
                    region_id: managers[region].0,
                    reach: leads::reach(index),
                },
                now,
            )
            .await?;
        let u = user(
            s,
            email,
            &format!("{name} sales"),
            Role::PartnerAdmin,
            Some(p.id),
            hash,
            now,
        )
        .await?;
        introduce(users, &u, Some(name));
        partners.push((u, managers[region].1.clone()));
    }
    Ok(partners)
}

/// Loads the demo program into an empty database, dated so that `now` falls in its middle.
pub async fn load(store: Arc<dyn Store>, now: Timestamp) -> anyhow::Result<DemoReport> {
    let s = store.as_ref();
    if s.find_user_by_email("admin@dealreg.example").await?.is_some() {
        anyhow::bail!("the demo data is already loaded (admin@dealreg.example exists); use a fresh --data-dir");
    }
    let hash = web::credentials::hash_password(DEMO_PASSWORD).map_err(anyhow::Error::msg)?;
    let mut users = Vec::new();
    let [admin, order_entry, finance, sales_lead] = staff(s, &hash, &mut users, now).await?;
    let managers = regions(s, &hash, &mut users, now).await?;
    let mut settings = s.settings().await?;
    settings.fallback_approver_id = Some(managers[1].1.user_id);
    s.update_settings(&admin, settings, now).await?;
    // The price list was in force a year before the first demo order, as a real program's is.
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    load_price_list(s, Some(today.saturating_sub(365.days())), now).await?;
    let partners = partners(s, &hash, &mut users, &managers, now).await?;
    let channel: Vec<Actor> = managers.iter().map(|(_, m)| m.clone()).collect();
    let partner_users: Vec<Actor> = partners.iter().map(|(u, _)| u.clone()).collect();
    // The plans are in place before the first payment, or nothing would be earned.
    commissions::set_up(s, &admin, &finance, &partner_users, now).await?;
    let filed = registrations::file_and_decide(s, &partners, &order_entry, now).await?;
    let opportunities = opportunities::open_and_run(s, &sales_lead, &channel, &partner_users, now).await?;
    let leads = leads::load(s, &managers[0].1, &partner_users, now).await?;
    let mut invoices = invoices::load(s, &finance, &order_entry, now).await?;
    let partner_ids: Vec<i64> = partner_users.iter().filter_map(|u| u.partner_id).collect();
    invoices += invoices::projects(s, &finance, &partner_ids, now).await?;
    // Every payment is recorded before a period is confirmed: a line dated in a confirmed period
    // would join the next draft instead.
    let commission_orders = commissions::confirm_past(s, &finance, now).await?;
    s.run_sweeps(now).await?;
    let mut tokens = Vec::new();
    for actor in [&admin, &managers[0].1, &partners[0].0, &partners[1].0] {
        let (secret, token_hash) = web::credentials::new_token().map_err(anyhow::Error::msg)?;
        s.create_token(None, actor.user_id, "demo", &token_hash, None, now)
            .await?;
        tokens.push((actor.email.clone(), actor.role, secret));
    }
    Ok(DemoReport {
        opportunities,
        registrations: filed.registrations,
        orders: filed.orders,
        leads,
        invoices,
        commission_orders,
        users,
        tokens,
    })
}
