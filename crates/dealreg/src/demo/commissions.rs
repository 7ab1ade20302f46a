//! The demo's partner program (issue 15): product categories as a tree, a plan per level with versions
//! and rules of every kind, one partner on its own volume plan, review dates and a partner confirmed
//! by the worker, the minimum payouts — all set before the first invoice is paid, since a payment
//! earns only under a plan in force — and, once the invoices are paid, the past periods confirmed.

use domain::commissions::input::{
    BandInput, NewCategory, NewLevel, PartnerTerms, PlanInput, PlanVersionInput, RuleInput, parse_plan, parse_version,
};
use domain::commissions::{DecidingDate, PeriodKind, PoState, RuleKindCode, TierMode};
use domain::directory::PartnerLevel;
use domain::{Actor, calendar};
use jiff::civil::Date;
use jiff::{Timestamp, ToSpan};
use store::{CommissionOrderFilter, Store};

/// The parents over the categories the demo's products carry (`data::PRODUCTS`).
const TREE: &[(&str, &[&str])] = &[
    (
        "Hardware",
        &[
            "displays",
            "projectors",
            "cameras",
            "peripherals",
            "mounts",
            "accessories",
        ],
    ),
    ("Software", &["licences", "subscriptions"]),
    ("Services", &["installation", "training", "maintenance"]),
];

/// The parent categories' ids, as rules name them.
struct Parents {
    hardware: i64,
    software: i64,
    services: i64,
}

/// The plans the demo's partners earn under.
struct Plans {
    bronze: i64,
    silver: i64,
    gold: i64,
    /// Northwind AV's own plan, overriding its level's.
    volume: i64,
}

/// Sets the program up before any invoice is paid: categories, plans, each level's default plan,
/// partners' own terms and the minimum payouts. `partners` are the partner users, in `PARTNERS` order.
pub(super) async fn set_up(
    s: &dyn Store,
    admin: &Actor,
    finance: &Actor,
    partners: &[Actor],
    now: Timestamp,
) -> anyhow::Result<()> {
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let parents = categories(s, finance, now).await?;
    let plans = plans(s, finance, &parents, today, now).await?;
    level_defaults(s, admin, &plans, now).await?;
    partner_terms(s, finance, partners, &plans, today, now).await?;
    let mut settings = s.settings().await?;
    // 100.00 USD and 50.00 EUR: a smaller balance is carried to the next period.
    settings.commissions.minimum_payout = [("USD".to_owned(), 10_000), ("EUR".to_owned(), 5_000)].into();
    // The partial-payment policy stays the program's default (on full payment): the demo's invoices
    // paid in part then earn nothing yet, and their preview shows what full payment will earn.
    s.update_settings(admin, settings, now).await?;
    Ok(())
}

/// Puts each category the products carry under its parent (`TREE`).
async fn categories(s: &dyn Store, finance: &Actor, now: Timestamp) -> anyhow::Result<Parents> {
    let existing = s.list_categories(finance).await?;
    let mut ids = Vec::with_capacity(TREE.len());
    for (parent, children) in TREE {
        let new = NewCategory {
            name: (*parent).to_owned(),
            parent_id: None,
        };
        let parent = s.create_category(finance, new, now).await?;
        for child in *children {
            let Some(category) = existing.iter().find(|c| c.name == *child) else {
                anyhow::bail!("no demo product carries the category {child}");
            };
            s.set_category_parent(finance, category.id, Some(parent.id), now)
                .await?;
        }
        ids.push(parent.id);
    }
    Ok(Parents {
        hardware: ids[0],
        software: ids[1],
        services: ids[2],
    })
}

fn percent(name: &str, category_id: Option<i64>, kind: RuleKindCode, rate_bp: i64) -> RuleInput {
    RuleInput {
        name: Some(name.into()),
        category_id,
        kind: Some(kind.as_str().into()),
        rate_bp: Some(rate_bp),
        ..RuleInput::default()
    }
}

/// Bands in USD from 0 up, each starting a cent after the one before ends: (up to, in cents; rate).
fn bands(bands: &[(Option<i64>, i64)]) -> Vec<BandInput> {
    let mut from = 0;
    bands
        .iter()
        .map(|&(to, rate_bp)| {
            let band = BandInput {
                from_minor: Some(from),
                to_minor: to,
                rate_bp: Some(rate_bp),
            };
            from = to.map_or(from, |to| to + 1);
            band
        })
        .collect()
}

fn version(from: Date, until: Option<Date>, rules: Vec<RuleInput>) -> PlanVersionInput {
    PlanVersionInput {
        effective_from: Some(from.to_string()),
        effective_until: until.map(|d| d.to_string()),
        rules: Some(rules),
    }
}

/// Creates a plan with its versions, entered as finance types them.
async fn plan(
    s: &dyn Store,
    finance: &Actor,
    name: String,
    deciding: DecidingDate,
    versions: Vec<PlanVersionInput>,
    now: Timestamp,
) -> anyhow::Result<i64> {
    let input = PlanInput {
        name: Some(name),
        deciding_date: Some(deciding.as_str().into()),
    };
    let created = s.create_plan(finance, parse_plan(&input)?, now).await?;
    for v in &versions {
        s.add_plan_version(finance, created.id, parse_version(v)?, now).await?;
    }
    Ok(created.id)
}

/// Bronze: 5 % of the amount. Silver: hardware 8 % of the amount, software 12 % of the margin,
/// services 4 %. Gold: an ended first version, and from three months ago hardware 10 %, software
/// 15 % of the margin and services by sections of the line's amount. Northwind AV's own plan:
/// quarterly volume tiers, retroactive. Every plan is in force since the price list is.
async fn plans(s: &dyn Store, finance: &Actor, p: &Parents, today: Date, now: Timestamp) -> anyhow::Result<Plans> {
    use RuleKindCode::{AmountPercentage as Amount, MarginPercentage as Margin};
    let year = today.year();
    let start = today.saturating_sub(365.days());
    let gold_v2 = today.first_of_month().saturating_sub(3.months());
    let bronze = vec![version(start, None, vec![percent("Everything", None, Amount, 500)])];
    let silver = vec![version(
        start,
        None,
        vec![
            percent("Hardware", Some(p.hardware), Amount, 800),
            percent("Software", Some(p.software), Margin, 1_200),
            percent("Services", Some(p.services), Amount, 400),
        ],
    )];
    let sections = RuleInput {
        name: Some("Services by size".into()),
        category_id: Some(p.services),
        kind: Some(RuleKindCode::Sections.as_str().into()),
        currency: Some("USD".into()),
        bands: Some(bands(&[(Some(100_000), 500), (Some(500_000), 800), (None, 1_000)])),
        ..RuleInput::default()
    };
    let gold = vec![
        version(
            start,
            Some(gold_v2.yesterday()?),
            vec![
                percent("Hardware", Some(p.hardware), Amount, 800),
                percent("Software", Some(p.software), Margin, 1_200),
                percent("Services", Some(p.services), Amount, 500),
            ],
        ),
        version(
            gold_v2,
            None,
            vec![
                percent("Hardware", Some(p.hardware), Amount, 1_000),
                percent("Software", Some(p.software), Margin, 1_500),
                sections,
            ],
        ),
    ];
    let tiers = RuleInput {
        name: Some("Quarter volume".into()),
        kind: Some(RuleKindCode::VolumeTiers.as_str().into()),
        currency: Some("USD".into()),
        bands: Some(bands(&[(Some(2_000_000), 300), (Some(5_000_000), 400), (None, 500)])),
        tier_period: Some(PeriodKind::Quarter.as_str().into()),
        tier_mode: Some(TierMode::Retroactive.as_str().into()),
        ..RuleInput::default()
    };
    let volume = vec![version(start, None, vec![tiers])];
    let invoice = DecidingDate::Invoice;
    Ok(Plans {
        bronze: plan(s, finance, format!("Bronze {year}"), invoice, bronze, now).await?,
        silver: plan(s, finance, format!("Silver {year}"), invoice, silver, now).await?,
        gold: plan(s, finance, format!("Gold {year}"), invoice, gold, now).await?,
        volume: plan(
            s,
            finance,
            format!("Northwind volume {year}"),
            DecidingDate::Payment,
            volume,
            now,
        )
        .await?,
    })
}

/// Each level's default plan (Platinum earns under Gold's; a partner without a level earns nothing),
/// its name, rank and weight kept.
async fn level_defaults(s: &dyn Store, admin: &Actor, plans: &Plans, now: Timestamp) -> anyhow::Result<()> {
    for level in s.list_levels(admin).await? {
        let plan = match level.code {
            PartnerLevel::Bronze => plans.bronze,
            PartnerLevel::Silver => plans.silver,
            PartnerLevel::Gold | PartnerLevel::Platinum => plans.gold,
            PartnerLevel::None => continue,
        };
        let update = NewLevel {
            name: level.name,
            rank: level.rank,
            default_plan_id: Some(plan),
            lead_weight: level.lead_weight,
        };
        s.update_level(admin, level.id, update, now).await?;
    }
    Ok(())
}

/// Northwind AV on its own volume plan, reviewed last year and due again within days; Contoso's
/// review due soon; Fabrikam reviewed four months ago; Litware confirmed by the worker.
async fn partner_terms(
    s: &dyn Store,
    finance: &Actor,
    partners: &[Actor],
    plans: &Plans,
    today: Date,
    now: Timestamp,
) -> anyhow::Result<()> {
    let on = |days: i64| Some(today.saturating_add(days.days()));
    let terms = [
        (
            0,
            PartnerTerms {
                own_plan_id: Some(plans.volume),
                latest_review_on: on(-355),
                next_review_on: on(10),
                ..PartnerTerms::default()
            },
        ),
        (
            1,
            PartnerTerms {
                next_review_on: on(5),
                ..PartnerTerms::default()
            },
        ),
        (
            2,
            PartnerTerms {
                latest_review_on: on(-120),
                next_review_on: on(245),
                ..PartnerTerms::default()
            },
        ),
        (
            4,
            PartnerTerms {
                automatic_confirmation: Some(true),
                ..PartnerTerms::default()
            },
        ),
    ];
    for (index, terms) in terms {
        let Some(partner) = partners.get(index).and_then(|p| p.partner_id) else {
            anyhow::bail!("the demo has no partner {index}");
        };
        s.set_partner_terms(finance, partner, terms, now).await?;
    }
    Ok(())
}

/// Once the invoices are paid: the worker's sweep confirms the automatic partner's complete periods
/// (and reminds managers of reviews due), then finance confirms every other complete period, oldest
/// first; this month's drafts stay open. Answers how many commission orders there are.
pub(super) async fn confirm_past(s: &dyn Store, finance: &Actor, now: Timestamp) -> anyhow::Result<usize> {
    s.run_commission_sweep(now).await?;
    let today = calendar::business_date(now, &s.settings().await?.zone());
    let mut orders =
        store::every_page(|page| s.list_commission_orders(finance, CommissionOrderFilter::default(), page))
            .await?
            .unwrap_or_default();
    orders.sort_by_key(|o| (o.period_start, o.id));
    for order in orders
        .iter()
        .filter(|o| o.state == PoState::Draft && o.period_end < today)
    {
        s.confirm_commission_order(finance, order.id, now).await?;
    }
    Ok(orders.len())
}
