//! The demo's opportunities beside those its approved registrations made: the sales team's at every
//! stage, partners' ones whose rights end soon, one whose rights ended, one won with its renewal, a
//! major account with an internal MAM and a turned-over partner asking for a revenue share, a
//! co-sell partner on the shared timeline, and a later close date waiting for sales management.
//! They forecast products the demo's registrations do not, so none stands in another's way; every
//! date is relative to the load (DECISIONS 44).

use super::data::customer_input;
use super::registrations::ONE_PAGE_PDF;
use domain::Actor;
use domain::directory::products::ProductLineInput;
use domain::documents::parse_attachment;
use domain::money::MoneyInput;
use domain::opportunities::input::{MajorAccount, NewOpportunityInput, parse_new_opportunity};
use domain::opportunities::{DocumentPurpose, Party};
use domain::registrations::input::Outcome;
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use store::{OpportunityDetail, Store};

/// One opportunity of the demo: who opens it, on which customer, what, how many days before the load
/// it was opened and after that its forecast closes, and at which stage.
struct Planned {
    customer: usize,
    name: &'static str,
    sku: &'static str,
    quantity: i64,
    dollars: i64,
    opened_days_ago: i64,
    closes_after_days: i64,
    stage: &'static str,
}

fn at(now: Timestamp, days_ago: i64) -> Timestamp {
    now.checked_sub((days_ago * 24).hours()).unwrap_or(now)
}

fn day_of(t: Timestamp) -> Date {
    t.to_zoned(jiff::tz::TimeZone::UTC).date()
}

async fn open(s: &dyn Store, actor: &Actor, p: &Planned, now: Timestamp) -> anyhow::Result<OpportunityDetail> {
    let when = at(now, p.opened_days_ago);
    let today = day_of(when);
    let input = NewOpportunityInput {
        customer: Some(customer_input(p.customer)),
        name: Some(p.name.into()),
        stage: Some(p.stage.into()),
        forecast: Some(MoneyInput {
            amount_minor: Some(p.dollars * 100),
            currency: Some("USD".into()),
        }),
        close_date: Some(today.saturating_add(p.closes_after_days.days()).to_string()),
        products: Some(vec![ProductLineInput {
            sku: Some(p.sku.into()),
            quantity: Some(p.quantity),
        }]),
        plan: Some("Demo in the customer's classroom, then a quote for the board.".into()),
        manager: None,
    };
    let new = parse_new_opportunity(&input, today).map_err(|e| anyhow::anyhow!("demo opportunity {}: {e}", p.name))?;
    Ok(s.open_opportunity(actor, new, when).await?)
}

/// `what`: (SKU, quantity, forecast in dollars); `days`: (opened this many days before the load, closes
/// this many days after it was opened).
const fn planned(
    customer: usize,
    name: &'static str,
    what: (&'static str, i64, i64),
    days: (i64, i64),
    stage: &'static str,
) -> Planned {
    Planned {
        customer,
        name,
        sku: what.0,
        quantity: what.1,
        dollars: what.2,
        opened_days_ago: days.0,
        closes_after_days: days.1,
        stage,
    }
}

/// The sales team's, one per stage: the channel managers' and the sales lead's.
const INTERNAL: [Planned; 4] = [
    planned(
        1,
        "Assessment clickers for every grade",
        ("VOTE-32", 10, 12_990),
        (20, 80),
        "Qualification",
    ),
    planned(
        3,
        "Tablets for the science wing",
        ("PAD-10", 30, 5_970),
        (25, 70),
        "Discovery",
    ),
    planned(
        5,
        "Document cameras, phase two",
        ("DC-HD", 12, 4_188),
        (30, 50),
        "Proposal",
    ),
    planned(
        7,
        "Classroom PCs for the new building",
        ("OPS-PC", 20, 26_000),
        (40, 50),
        "Negotiation",
    ),
];

/// Partners' ones: two whose rights end within the reminder window (opened long ago, the forecast
/// close some 80 days back, so 90 days' grace ends soon), one whose rights ended, one at Discovery.
const PARTNERS: [Planned; 4] = [
    planned(9, "Teacher training days", ("TRAIN-PD", 4, 7_200), (95, 10), "Proposal"),
    planned(
        13,
        "Wall mounts for every classroom",
        ("MNT-WALL", 40, 11_960),
        (100, 22),
        "Negotiation",
    ),
    planned(
        15,
        "Mobile stands for the library",
        ("MNT-MOB", 6, 6_594),
        (170, 20),
        "Discovery",
    ),
    planned(
        17,
        "Second campus displays' stands",
        ("MNT-MOB", 10, 10_990),
        (15, 60),
        "Discovery",
    ),
];

/// Opens and runs the demo's opportunities; answers how many it opened (renewals included).
pub(super) async fn open_and_run(
    s: &dyn Store,
    sales_lead: &Actor,
    channel: &[Actor],
    partners: &[Actor],
    now: Timestamp,
) -> anyhow::Result<usize> {
    let internal_managers = [&channel[0], &channel[1], &channel[2], sales_lead];
    let mut opened = Vec::new();
    for (p, who) in INTERNAL.iter().zip(internal_managers) {
        opened.push(open(s, who, p, now).await?);
    }
    for (i, p) in PARTNERS.iter().enumerate() {
        opened.push(open(s, &partners[i % partners.len()], p, now).await?);
    }
    // A co-sell partner on the West manager's opportunity, with the team's notes.
    let co_sold = opened[0].opportunity.id;
    s.add_co_sell(&channel[0], co_sold, partners[3].partner_id.unwrap_or(0), at(now, 18))
        .await?;
    s.add_timeline_note(
        &channel[0],
        co_sold,
        "Met the district's IT director; they want a pilot in two schools first.".into(),
        at(now, 16),
    )
    .await?;
    s.add_timeline_note(
        &partners[3],
        co_sold,
        "We quoted the installation and training separately; copy shared with the manager.".into(),
        at(now, 12),
    )
    .await?;
    let quote = parse_attachment("Installation and training quote Q-2026-118.pdf", ONE_PAGE_PDF.to_vec())
        .map_err(store::StoreError::Invalid)?;
    s.add_document(&partners[3], co_sold, DocumentPurpose::Quote, quote, at(now, 12))
        .await?;
    // The Central manager asks sales management for a later close: the board meets later.
    let moved = &opened[1].opportunity;
    s.request_close_date(
        &channel[1],
        moved.id,
        moved.close_date.saturating_add(45.days()),
        "The school board moved its budget meeting to the spring.".into(),
        at(now, 3),
    )
    .await?;
    won_with_renewal(s, &partners[0], now).await?;
    major_account(s, sales_lead, &channel[1], &partners[2], now).await?;
    Ok(opened.len() + 3)
}

/// Won business with term products opens its renewal with the same manager (ROE-4).
async fn won_with_renewal(s: &dyn Store, partner: &Actor, now: Timestamp) -> anyhow::Result<()> {
    let p = planned(
        19,
        "Cloud subscription for 25 classrooms",
        ("MYBL-SUB", 25, 3_000),
        (60, 40),
        "Negotiation",
    );
    let won = open(s, partner, &p, now).await?;
    s.close_opportunity(
        partner,
        won.opportunity.id,
        Outcome::Won,
        Some("Signed after the pilot.".into()),
        at(now, 30),
    )
    .await?;
    Ok(())
}

/// A partner's opportunity on an account elevated to Major Account with an internal MAM: turned over,
/// the partner asks the MAM for a revenue-share team, which waits for the MAM's own answer.
async fn major_account(
    s: &dyn Store,
    sales_lead: &Actor,
    mam: &Actor,
    partner: &Actor,
    now: Timestamp,
) -> anyhow::Result<()> {
    let p = planned(
        21,
        "District software licence",
        ("STUDIO-SW", 1, 2_500),
        (35, 60),
        "Proposal",
    );
    let theirs = open(s, partner, &p, now).await?;
    let account = MajorAccount {
        customer_id: theirs.opportunity.customer_id,
        manager: Party::user(mam.user_id),
        plan: "Grow the district to every school within two years; one roadmap meeting a quarter.".into(),
    };
    s.elevate_account(sales_lead, account, at(now, 20)).await?;
    let shares = vec![
        (Party::partner(partner.partner_id.unwrap_or(0)), 6_000),
        (Party::user(mam.user_id), 4_000),
    ];
    s.ask_revenue_share(partner, theirs.opportunity.id, shares, at(now, 10))
        .await?;
    Ok(())
}
