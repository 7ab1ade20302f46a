//! `dealreg demo`: a realistic program to explore — three regions with their managers, six partners
//! at different levels and stages, about fifty end customers (with the spelling variants that real
//! partners type), a price list of thirty products with accessories and maintenance, and
//! registrations in every state, dated around today.

use domain::access::input::Email;
use domain::directory::customers::{Customer, CustomerInput};
use domain::directory::input::NewPartner;
use domain::directory::products::{ProductInput, ProductLine, ProductLineInput, parse_product};
use domain::directory::{ActivationStage, PartnerLevel};
use domain::money::MoneyInput;
use domain::orders::input::NewOrder;
use domain::registrations::ValidityChoice;
use domain::registrations::input::{Approval, NewRegistrationInput, Outcome, parse_new_registration};
use domain::{Actor, Role};
use jiff::{Timestamp, ToSpan};
use std::sync::Arc;
use store::{NewUserRecord, Store, StoreError, StoreResult};

/// Demo users sign in with this password (the web portal) or the tokens printed by `dealreg demo`.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

pub struct DemoReport {
    pub registrations: usize,
    /// (e-mail, role, API token) for trying the API.
    pub tokens: Vec<(String, Role, String)>,
}

/// (SKU, name, category, list price in whole dollars, maintenance months, accessory).
type DemoProduct = (&'static str, &'static str, &'static str, i64, Option<u32>, bool);
const PRODUCTS: &[DemoProduct] = &[
    (
        "MB-65",
        "MimioBoard 65\" 4K interactive display",
        "displays",
        3499,
        None,
        false,
    ),
    (
        "MB-75",
        "MimioBoard 75\" 4K interactive display",
        "displays",
        4499,
        None,
        false,
    ),
    (
        "MB-86",
        "MimioBoard 86\" 4K interactive display",
        "displays",
        5999,
        None,
        false,
    ),
    (
        "MB-98",
        "MimioBoard 98\" 4K interactive display",
        "displays",
        9999,
        None,
        false,
    ),
    (
        "PJ-X50",
        "Boxlight X50 laser projector",
        "projectors",
        1899,
        None,
        false,
    ),
    (
        "PJ-X80",
        "Boxlight X80 ultra-short-throw laser projector",
        "projectors",
        2799,
        None,
        false,
    ),
    (
        "PJ-P12",
        "Boxlight P12 portable projector",
        "projectors",
        799,
        None,
        false,
    ),
    ("DC-4K", "MimioView 4K document camera", "cameras", 649, None, false),
    ("DC-HD", "MimioView HD document camera", "cameras", 349, None, false),
    ("PAD-10", "MimioPad wireless tablet", "peripherals", 199, None, false),
    (
        "VOTE-32",
        "MimioVote assessment system, 32 units",
        "peripherals",
        1299,
        None,
        false,
    ),
    (
        "STUDIO-SW",
        "MimioStudio classroom software, site licence",
        "software",
        2500,
        Some(12),
        false,
    ),
    (
        "MYBL-SUB",
        "MyBoxlight cloud subscription, per classroom",
        "software",
        120,
        Some(12),
        false,
    ),
    (
        "CARE-3Y",
        "Boxlight Care extended warranty, 3 years",
        "maintenance",
        599,
        Some(36),
        false,
    ),
    (
        "CARE-5Y",
        "Boxlight Care extended warranty, 5 years",
        "maintenance",
        899,
        Some(60),
        false,
    ),
    (
        "INST-STD",
        "Standard installation service",
        "services",
        450,
        None,
        false,
    ),
    (
        "TRAIN-PD",
        "Professional development day for teachers",
        "services",
        1800,
        None,
        false,
    ),
    (
        "MNT-WALL",
        "Fixed wall mount for 65-86\" displays",
        "mounts",
        299,
        None,
        false,
    ),
    (
        "MNT-MOB",
        "Mobile stand with height adjustment",
        "mounts",
        1099,
        None,
        false,
    ),
    (
        "PEN-2",
        "Replacement stylus pens, 2 pack",
        "accessories",
        39,
        None,
        true,
    ),
    ("PEN-ACT", "Active pen with eraser", "accessories", 59, None, true),
    (
        "LAMP-X50",
        "Replacement lamp module for X50",
        "accessories",
        189,
        None,
        true,
    ),
    ("BULB-P12", "Replacement bulb for P12", "accessories", 89, None, true),
    ("PWR-US", "Power cord, US, 3 m", "accessories", 19, None, true),
    ("PWR-EU", "Power cord, EU, 3 m", "accessories", 19, None, true),
    ("HDMI-5M", "HDMI 2.1 cable, 5 m", "accessories", 29, None, true),
    ("USB-EXT", "Active USB extension, 10 m", "accessories", 49, None, true),
    ("REM-MB", "Remote control for MimioBoard", "accessories", 25, None, true),
    ("FLT-X80", "Dust filter kit for X80", "accessories", 35, None, true),
    ("OPS-PC", "Slot-in OPS computer module", "peripherals", 899, None, false),
];

/// (name, domain, city, postal code, country, segment). Variants of one organisation follow each other.
type DemoCustomer = (
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);
const CUSTOMERS: &[DemoCustomer] = &[
    (
        "Springfield School District",
        Some("springfield.k12.il.us"),
        "Springfield",
        "62701",
        "US",
        "education",
    ),
    (
        "Springfield Sch. Dist.",
        None,
        "Springfield",
        "62701",
        "US",
        "education",
    ),
    (
        "Springfeld Public School District",
        None,
        "Springfield",
        "62704",
        "US",
        "education",
    ),
    (
        "Acme Corporation",
        Some("acme.com"),
        "Dayton",
        "45402",
        "US",
        "commercial",
    ),
    ("ACME Corp.", None, "Dayton", "45402", "US", "commercial"),
    (
        "University of Texas at Austin",
        Some("utexas.edu"),
        "Austin",
        "78712",
        "US",
        "education",
    ),
    ("Univ. of Texas - Austin", None, "Austin", "78712", "US", "education"),
    (
        "St. Mary's Hospital",
        Some("stmarys-hospital.org"),
        "Rochester",
        "55902",
        "US",
        "commercial",
    ),
    ("Saint Marys Hospital", None, "Rochester", "55902", "US", "commercial"),
    (
        "Müller Maschinenbau GmbH",
        Some("mueller-maschinenbau.de"),
        "Stuttgart",
        "70173",
        "DE",
        "commercial",
    ),
    ("Muller Maschinenbau", None, "Stuttgart", "70173", "DE", "commercial"),
    (
        "Cook County Government",
        Some("cookcountyil.gov"),
        "Chicago",
        "60602",
        "US",
        "government",
    ),
    ("Cook Co. Govt", None, "Chicago", "60602", "US", "government"),
    (
        "Riverside Unified School District",
        Some("rusd.k12.ca.us"),
        "Riverside",
        "92501",
        "US",
        "education",
    ),
    ("Riverside USD", None, "Riverside", "92501", "US", "education"),
    (
        "Globex International",
        Some("globex.example"),
        "Cypress Creek",
        "33101",
        "US",
        "commercial",
    ),
    (
        "Initech LLC",
        Some("initech.example"),
        "Austin",
        "78701",
        "US",
        "commercial",
    ),
    ("Initech", None, "Austin", "78701", "US", "commercial"),
    (
        "Hooli Inc.",
        Some("hooli.example"),
        "Palo Alto",
        "94301",
        "US",
        "commercial",
    ),
    (
        "Stark Industries",
        Some("stark.example"),
        "Malibu",
        "90265",
        "US",
        "commercial",
    ),
    (
        "Wayne Enterprises",
        Some("wayne.example"),
        "Gotham",
        "10001",
        "US",
        "commercial",
    ),
    (
        "Umbrella Academy Charter School",
        None,
        "Denver",
        "80202",
        "US",
        "education",
    ),
    (
        "Shelbyville Community College",
        Some("shelbyvillecc.edu"),
        "Shelbyville",
        "62565",
        "US",
        "education",
    ),
    (
        "Shelbyville Comm. Coll.",
        None,
        "Shelbyville",
        "62565",
        "US",
        "education",
    ),
    (
        "Capital City Public Library",
        None,
        "Capital City",
        "62701",
        "US",
        "government",
    ),
    (
        "Ogdenville Elementary School",
        None,
        "Ogdenville",
        "62702",
        "US",
        "education",
    ),
    (
        "North Haverbrook Elem.",
        None,
        "North Haverbrook",
        "62703",
        "US",
        "education",
    ),
    (
        "Lakeside Medical Center",
        Some("lakeside-med.example"),
        "Lakeside",
        "44101",
        "US",
        "commercial",
    ),
    ("Lakeside Med. Ctr.", None, "Lakeside", "44101", "US", "commercial"),
    (
        "State of Oregon Department of Education",
        Some("ode.state.or.us"),
        "Salem",
        "97301",
        "US",
        "government",
    ),
    ("Oregon Dept. of Education", None, "Salem", "97301", "US", "government"),
    (
        "Société Générale Formation",
        Some("sg-formation.example"),
        "Paris",
        "75009",
        "FR",
        "commercial",
    ),
    (
        "Societe Generale Formation SA",
        None,
        "Paris",
        "75009",
        "FR",
        "commercial",
    ),
    (
        "Zürich Versicherungs-Gesellschaft AG",
        Some("zurich.example"),
        "Zürich",
        "8002",
        "CH",
        "commercial",
    ),
    ("Pinewood Academy", None, "Portland", "97201", "US", "education"),
    (
        "Maple Grove High School",
        None,
        "Maple Grove",
        "55311",
        "US",
        "education",
    ),
    ("Maple Grove HS", None, "Maple Grove", "55311", "US", "education"),
    (
        "Blue Ridge Technical College",
        Some("blueridge.edu"),
        "Asheville",
        "28801",
        "US",
        "education",
    ),
    (
        "Contoso Pharmaceuticals",
        Some("contoso-pharma.example"),
        "Boston",
        "02110",
        "US",
        "commercial",
    ),
    (
        "Fabrikam Logistics",
        Some("fabrikam-logistics.example"),
        "Seattle",
        "98101",
        "US",
        "commercial",
    ),
    (
        "Tailspin Toys",
        Some("tailspintoys.example"),
        "Redmond",
        "98052",
        "US",
        "commercial",
    ),
    (
        "Wide World Importers",
        Some("wideworldimporters.example"),
        "San Francisco",
        "94105",
        "US",
        "commercial",
    ),
    (
        "Adventure Works Cycles",
        Some("adventure-works.example"),
        "Bothell",
        "98011",
        "US",
        "commercial",
    ),
    (
        "Northwind Traders",
        Some("northwindtraders.example"),
        "Tacoma",
        "98402",
        "US",
        "commercial",
    ),
    (
        "City of Springfield",
        Some("springfield.il.us"),
        "Springfield",
        "62701",
        "US",
        "government",
    ),
    (
        "Springfield City Govt",
        None,
        "Springfield",
        "62701",
        "US",
        "government",
    ),
    (
        "Mount Hope Regional Hospital",
        None,
        "Mount Hope",
        "25880",
        "US",
        "commercial",
    ),
    (
        "Mt. Hope Regional Hosp.",
        None,
        "Mount Hope",
        "25880",
        "US",
        "commercial",
    ),
    (
        "Evergreen State University",
        Some("evergreen.example.edu"),
        "Olympia",
        "98505",
        "US",
        "education",
    ),
    (
        "Grand Forks Public Schools",
        Some("gfschools.org"),
        "Grand Forks",
        "58201",
        "US",
        "education",
    ),
];

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

fn customer_input(index: usize) -> CustomerInput {
    let (name, domain, city, postal, country, segment) = CUSTOMERS[index % CUSTOMERS.len()];
    CustomerInput {
        name: Some(name.into()),
        domain: domain.map(Into::into),
        tax_id: None,
        city: Some(city.into()),
        postal_code: Some(postal.into()),
        country: Some(country.into()),
        segment: Some(segment.into()),
    }
}

/// The demo price list: thirty products with accessories and maintenance. Partner price 70% of
/// list, Commercial MSRP 98%, GOV/ED RRSP 92%.
pub async fn load_price_list(s: &dyn Store, now: Timestamp) -> anyhow::Result<Vec<store::Product>> {
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
            effective_from: None,
        })
        .map_err(|e| anyhow::anyhow!("demo product {sku}: {e}"))?;
        products.push(s.create_product(None, product, now).await?);
    }
    Ok(products)
}

/// A PO under an approved registration: two of its first product, four pens (an accessory), and on
/// every other order a product the SOR does not cover, which order entry refuses.
async fn demo_order(s: &dyn Store, partner: &Actor, reg: &store::Registration, at: Timestamp) -> StoreResult<()> {
    let c = &reg.customer;
    let mut lines = vec![
        ProductLine {
            sku: reg.products[0].sku.clone(),
            quantity: 2,
        },
        ProductLine {
            sku: "PEN-ACT".into(),
            quantity: 4,
        },
    ];
    if reg.id % 2 == 0 && reg.products.iter().all(|p| p.sku != PRODUCTS[0].0) {
        lines.push(ProductLine {
            sku: PRODUCTS[0].0.into(),
            quantity: 1,
        });
    }
    let order = NewOrder {
        partner_id: None,
        po_number: format!("PO-{}", 4500 + reg.id),
        customer: Customer {
            name: c.name.clone(),
            domain: c.domain.clone(),
            tax_id: c.tax_id.clone(),
            city: c.city.clone(),
            postal_code: c.postal_code.clone(),
            country: c.country.clone(),
            segment: c.segment,
        },
        sor_number: reg.sor_number.as_deref().and_then(|n| n.parse().ok()),
        lines,
    };
    s.enter_order(partner, order, at).await.map(drop)
}

/// Loads the demo program into an empty database, dated so that `now` falls in its middle.
pub async fn load(store: Arc<dyn Store>, now: Timestamp) -> anyhow::Result<DemoReport> {
    let s = store.as_ref();
    if s.find_user_by_email("admin@dealreg.example").await?.is_some() {
        anyhow::bail!("the demo data is already loaded (admin@dealreg.example exists); use a fresh --data-dir");
    }
    let hash = web::credentials::hash_password(DEMO_PASSWORD).map_err(anyhow::Error::msg)?;
    let admin = user(s, "admin@dealreg.example", "Avery Admin", Role::Admin, None, &hash, now).await?;
    user(
        s,
        "orders@dealreg.example",
        "Olive Order-Entry",
        Role::OrderEntry,
        None,
        &hash,
        now,
    )
    .await?;
    user(
        s,
        "finance@dealreg.example",
        "Finn Finance",
        Role::Finance,
        None,
        &hash,
        now,
    )
    .await?;
    let mut managers = Vec::new();
    for (region, manager, email) in [
        ("West", "Wendy West", "wendy.west@dealreg.example"),
        ("Central", "Carl Central", "carl.central@dealreg.example"),
        ("East", "Erin East", "erin.east@dealreg.example"),
    ] {
        let m = user(s, email, manager, Role::ChannelManager, None, &hash, now).await?;
        let r = s.create_region(None, region, Some(m.user_id), now).await?;
        managers.push((r.id, m));
    }
    let mut settings = s.settings().await?;
    settings.fallback_approver_id = Some(managers[1].1.user_id);
    s.update_settings(&admin, settings, now).await?;
    load_price_list(s, now).await?;
    let partner_specs = [
        (
            "Northwind AV",
            PartnerLevel::Platinum,
            ActivationStage::FullyOperational,
            0,
            "ann@northwind-av.example",
        ),
        (
            "Contoso Classrooms",
            PartnerLevel::Gold,
            ActivationStage::FullyOperational,
            0,
            "bob@contoso-classrooms.example",
        ),
        (
            "Fabrikam Integration",
            PartnerLevel::Gold,
            ActivationStage::RampUp,
            1,
            "cat@fabrikam-integration.example",
        ),
        (
            "Tailspin EdTech",
            PartnerLevel::Silver,
            ActivationStage::FullyOperational,
            1,
            "dan@tailspin-edtech.example",
        ),
        (
            "Litware Solutions",
            PartnerLevel::Silver,
            ActivationStage::RampUp,
            2,
            "eve@litware.example",
        ),
        (
            "Proseware Learning",
            PartnerLevel::Bronze,
            ActivationStage::FirstContact,
            2,
            "fay@proseware.example",
        ),
    ];
    let mut partners = Vec::new();
    for (name, level, stage, region, email) in partner_specs {
        let p = s
            .create_partner(
                None,
                NewPartner {
                    name: name.into(),
                    level,
                    activation_stage: stage,
                    region_id: managers[region].0,
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
            &hash,
            now,
        )
        .await?;
        partners.push((u, managers[region].1.clone()));
    }
    let mut count = 0;
    // Registrations filed over the last four months, each taken as far as its plan says.
    for i in 0..48usize {
        let (partner, manager) = &partners[i % partners.len()];
        let filed = now.checked_sub(((120 - (i as i64) * 2) * 24).hours()).unwrap_or(now);
        let filed_day = filed.to_zoned(jiff::tz::TimeZone::UTC).date();
        // Neighbouring customers are often spelling variants of one organisation: giving them the same
        // display product makes their registrations conflict, as they would in real life.
        let skus: Vec<&str> = [PRODUCTS[(i / 2) % 8].0, PRODUCTS[13 + i % 3].0, PRODUCTS[19 + i % 10].0].to_vec();
        let input = NewRegistrationInput {
            customer: Some(customer_input(i)),
            products: Some(
                skus.iter()
                    .enumerate()
                    .map(|(k, sku)| ProductLineInput {
                        sku: Some((*sku).into()),
                        quantity: Some(((i + k) % 20 + 1) as i64),
                    })
                    .collect(),
            ),
            estimated_value: Some(MoneyInput {
                amount_minor: Some(((i as i64 % 9) + 1) * 1_250_000),
                currency: Some("USD".into()),
            }),
            expected_close_date: Some(filed_day.saturating_add((30 + (i as i64 % 60)).days()).to_string()),
            description: Some(format!("{} classrooms, phase {}", 4 + i % 20, 1 + i % 3)),
        };
        let parsed =
            parse_new_registration(&input, filed_day).map_err(|e| anyhow::anyhow!("demo registration {i}: {e}"))?;
        let reg = s.submit_registration(partner, parsed, filed).await?;
        count += 1;
        let decided = filed.checked_add(26.hours()).unwrap_or(filed);
        let approve = |days: u32| Approval {
            validity: ValidityChoice::Days(days),
            acknowledge_conflicts: false,
            note: None,
        };
        // Plan: 0 stays submitted, 1 approved, 2 declined, 3 won, 4 lost, 5 withdrawn, 6 approved briefly (expires).
        let outcome = match i % 7 {
            0 => Ok(()),
            1 => match s.approve_registration(manager, reg.id, approve(90), decided).await {
                Ok(approved) => {
                    demo_order(
                        s,
                        partner,
                        &approved,
                        decided.checked_add(48.hours()).unwrap_or(decided),
                    )
                    .await
                }
                Err(e) => Err(e),
            },
            2 => s
                .decline_registration(
                    manager,
                    reg.id,
                    "The end customer already buys direct from us".into(),
                    decided,
                )
                .await
                .map(drop),
            3 | 4 => match s.approve_registration(manager, reg.id, approve(90), decided).await {
                Ok(_) => {
                    let outcome = if i % 7 == 3 { Outcome::Won } else { Outcome::Lost };
                    s.close_registration(
                        partner,
                        reg.id,
                        outcome,
                        None,
                        decided.checked_add(240.hours()).unwrap_or(decided),
                    )
                    .await
                    .map(drop)
                }
                Err(e) => Err(e),
            },
            5 => s
                .withdraw_registration(partner, reg.id, Some("Customer postponed the project".into()), decided)
                .await
                .map(drop),
            _ => s
                .approve_registration(manager, reg.id, approve(14), decided)
                .await
                .map(drop),
        };
        match outcome {
            // A spelling variant of a customer already protected for the same products: left for the manager.
            Ok(()) | Err(StoreError::Conflict { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    s.run_sweeps(now).await?;
    let mut tokens = Vec::new();
    for actor in [&admin, &managers[0].1, &partners[0].0, &partners[1].0] {
        let (secret, token_hash) = web::credentials::new_token().map_err(anyhow::Error::msg)?;
        s.create_token(None, actor.user_id, "demo", &token_hash, now).await?;
        tokens.push((actor.email.clone(), actor.role, secret));
    }
    Ok(DemoReport {
        registrations: count,
        tokens,
    })
}
