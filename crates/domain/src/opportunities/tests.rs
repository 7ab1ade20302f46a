use super::*;
use jiff::civil::date;

fn standing(manager: Party, products: &[i64], is_mam: bool) -> Standing {
    Standing {
        manager,
        status: Status::Open,
        rights_through: date(2026, 6, 29),
        products: products.iter().copied().collect(),
        manager_is_mam: is_mam,
    }
}

fn set(ids: &[i64]) -> BTreeSet<i64> {
    ids.iter().copied().collect()
}

#[test]
fn numbers_read_opp_year_sequence() {
    let n = OpportunityNumber { year: 2026, seq: 123 };
    assert_eq!(n.to_string(), "OPP-2026-000123");
    assert_eq!(" opp-2026-000123 ".parse::<OpportunityNumber>(), Ok(n));
    assert!("SOR-2026-000123".parse::<OpportunityNumber>().is_err());
}

#[test]
fn grace_ends_ninety_days_after_the_forecast_close_inclusive() {
    let through = rights_through(date(2026, 3, 31), 90, None);
    assert_eq!(through, date(2026, 6, 29));
    assert!(rights_hold(Status::Open, through, date(2026, 6, 29)));
    assert!(!rights_hold(Status::Open, through, date(2026, 6, 30)));
    assert!(!rights_hold(Status::Won, through, date(2026, 4, 1)));
}

#[test]
fn rights_never_end_before_the_opportunitys_sor() {
    assert_eq!(
        rights_through(date(2026, 3, 31), 90, Some(date(2026, 8, 1))),
        date(2026, 8, 1)
    );
    assert_eq!(
        rights_through(date(2026, 3, 31), 90, Some(date(2026, 5, 1))),
        date(2026, 6, 29)
    );
    assert_eq!(rights_through(date(2026, 3, 31), 30, None), date(2026, 4, 30));
}

#[test]
fn the_manager_is_reminded_in_the_last_fortnight_only() {
    let through = date(2026, 6, 29);
    assert!(!rights_reminder_due(through, date(2026, 6, 14), 14));
    assert!(rights_reminder_due(through, date(2026, 6, 15), 14));
    assert!(rights_reminder_due(through, date(2026, 6, 29), 14));
    assert!(!rights_reminder_due(through, date(2026, 6, 30), 14));
}

#[test]
fn rights_cover_only_the_forecasted_products_without_a_mam_plan() {
    let a = Party::partner(1);
    let b = Party::partner(2);
    let held = standing(a, &[10, 11], false);
    let today = date(2026, 5, 1);
    assert!(stands_in_the_way(&held, b, &set(&[11, 12]), today));
    // Products the manager did not forecast are open to another party, without a conflict.
    assert!(!stands_in_the_way(&held, b, &set(&[12]), today));
    // Its own manager is never in its way.
    assert!(!stands_in_the_way(&held, a, &set(&[10]), today));
}

#[test]
fn a_mam_holds_the_whole_account_until_its_rights_end() {
    let mam = Party::user(7);
    let b = Party::partner(2);
    let held = standing(mam, &[10], true);
    assert!(stands_in_the_way(&held, b, &set(&[99]), date(2026, 6, 29)));
    assert!(!stands_in_the_way(&held, b, &set(&[10]), date(2026, 6, 30)));
}

#[test]
fn after_the_grace_the_account_is_open_to_all() {
    let held = standing(Party::partner(1), &[10], false);
    assert!(!stands_in_the_way(
        &held,
        Party::partner(2),
        &set(&[10]),
        date(2026, 6, 30)
    ));
    let lapsed = Standing {
        status: Status::Lapsed,
        ..held
    };
    assert!(!stands_in_the_way(
        &lapsed,
        Party::partner(2),
        &set(&[10]),
        date(2026, 5, 1)
    ));
}

#[test]
fn a_major_account_turns_the_opportunity_over_to_its_mam() {
    let partner = Party::partner(3);
    let mam = Party::user(7);
    assert_eq!(manager_on_account(partner, Some(mam)), (mam, Some(partner)));
    assert_eq!(manager_on_account(mam, Some(mam)), (mam, None));
    assert_eq!(manager_on_account(partner, None), (partner, None));
}

#[test]
fn revenue_shares_are_basis_points_that_total_one_hundred_percent() {
    let original = Party::partner(3);
    let mam = Party::user(7);
    assert_eq!(check_shares(&[(original, 3000), (mam, 7000)], original, mam), Ok(()));
    assert_eq!(
        check_shares(&[(original, 3000), (mam, 8000)], original, mam),
        Err("shares must total 100% (10,000 basis points); these total 110%".into())
    );
    assert!(check_shares(&[(original, 10_000)], original, mam).is_err());
    assert!(check_shares(&[(original, 0), (mam, 10_000)], original, mam).is_err());
    assert!(check_shares(&[(original, 5000), (original, 5000)], original, mam).is_err());
    assert_eq!(
        check_shares(
            &[(original, 3333), (mam, 3333), (Party::partner(4), 3334)],
            original,
            mam
        ),
        Ok(())
    );
    assert_eq!(percent(3333), "33.33%");
}

#[test]
fn only_a_later_close_date_needs_approval() {
    assert!(close_date_needs_approval(date(2026, 3, 31), date(2026, 4, 1)));
    assert!(!close_date_needs_approval(date(2026, 3, 31), date(2026, 3, 31)));
    assert!(!close_date_needs_approval(date(2026, 3, 31), date(2026, 2, 1)));
}

#[test]
fn won_term_business_renews_with_its_term_lines_at_list_price() {
    let lines = [
        RenewableLine {
            product_id: 1,
            quantity: 4,
            list_price_minor: 250_000,
            term_months: None,
        },
        RenewableLine {
            product_id: 2,
            quantity: 4,
            list_price_minor: 30_000,
            term_months: Some(12),
        },
        RenewableLine {
            product_id: 3,
            quantity: 1,
            list_price_minor: 50_000,
            term_months: Some(36),
        },
    ];
    let plan = plan_renewal(date(2026, 12, 15), &lines).unwrap();
    assert_eq!(plan.close_date, date(2027, 12, 15));
    assert_eq!(plan.amount_minor, 170_000);
    assert_eq!(plan.lines, vec![(2, 4), (3, 1)]);
    assert_eq!(plan_renewal(date(2026, 12, 15), &lines[..1]), None);
}
