use super::*;
use jiff::civil::date;

const BOARD: i64 = 1;
const PEN: i64 = 2;
const PROJECTOR: i64 = 3;

/// The numbers: list 5,000.00, partner 3,500.00, MSRP 4,999.00, RRSP 4,599.00.
fn board_price() -> PriceVersion {
    PriceVersion {
        effective_from: date(2026, 1, 1),
        list_minor: 500_000,
        partner_minor: 350_000,
        msrp_minor: 499_900,
        rrsp_minor: 459_900,
    }
}

fn pen_price() -> PriceVersion {
    PriceVersion {
        effective_from: date(2026, 1, 1),
        list_minor: 4_900,
        partner_minor: 3_200,
        msrp_minor: 4_500,
        rrsp_minor: 4_100,
    }
}

fn board(quantity: i64) -> LineRequest {
    LineRequest {
        product_id: Some(BOARD),
        sku: "MB-86".into(),
        quantity,
        is_accessory: false,
        price: Some(board_price()),
    }
}

fn pen(quantity: i64) -> LineRequest {
    LineRequest {
        product_id: Some(PEN),
        sku: "PEN-2".into(),
        quantity,
        is_accessory: true,
        price: Some(pen_price()),
    }
}

fn sor(number: &str, status: Status, valid_through: Date) -> SorOnFile {
    SorOnFile {
        registration_id: 42,
        number: number.into(),
        customer_id: 7,
        status,
        valid_through: Some(valid_through),
        lines: BTreeMap::from([(
            BOARD,
            SorLineUsage {
                registered: 10,
                ordered: 0,
            },
        )]),
    }
}

fn ctx(cited: CitedSor) -> OrderContext {
    OrderContext {
        order_date: date(2026, 11, 22),
        customer_id: 7,
        segment: Segment::Commercial,
        cited,
        latest_for_customer: None,
        no_sor: NoSorPricing::Reject,
        over_order: OverOrderPolicy::Warn,
    }
}

fn valid() -> SorOnFile {
    sor("SOR-2026-000042", Status::Approved, date(2027, 2, 20))
}

fn unit(line: &PricedLine) -> Option<(PriceBasis, i64)> {
    match line.decision {
        LineDecision::Priced { basis, unit_minor, .. } => Some((basis, unit_minor)),
        LineDecision::Refused => None,
    }
}

#[test]
fn a_valid_sor_gives_the_partner_price() {
    let lines = price_order(&ctx(CitedSor::Found(valid())), &[board(2)]);
    assert_eq!(unit(&lines[0]), Some((PriceBasis::PartnerPrice, 350_000)));
    assert_eq!(lines[0].amount_minor(), 700_000);
    assert_eq!(lines[0].reason, "partner price under SOR-2026-000042");
    assert_eq!(order_status(&lines), OrderStatus::Accepted);
}

#[test]
fn the_sor_is_valid_through_its_last_day_inclusive() {
    let mut c = ctx(CitedSor::Found(valid()));
    c.order_date = date(2027, 2, 20);
    assert!(unit(&price_order(&c, &[board(1)])[0]).is_some());
    c.order_date = date(2027, 2, 21);
    let line = &price_order(&c, &[board(1)])[0];
    assert_eq!(
        line.reason,
        "refused: SOR-2026-000042 expired (valid through 2027-02-20)"
    );
}

#[test]
fn without_an_sor_the_default_policy_refuses() {
    let lines = price_order(&ctx(CitedSor::None), &[board(1)]);
    assert_eq!(lines[0].decision, LineDecision::Refused);
    assert_eq!(lines[0].reason, "refused: no SOR");
    assert_eq!(order_status(&lines), OrderStatus::Refused);
}

#[test]
fn the_reprice_policy_charges_msrp_to_commercial_and_rrsp_to_schools() {
    let mut c = ctx(CitedSor::None);
    c.no_sor = NoSorPricing::Reprice;
    let line = &price_order(&c, &[board(1)])[0];
    assert_eq!(unit(line), Some((PriceBasis::CommercialMsrp, 499_900)));
    assert_eq!(line.reason, "Commercial MSRP: no SOR");
    c.segment = Segment::Education;
    let line = &price_order(&c, &[board(1)])[0];
    assert_eq!(unit(line), Some((PriceBasis::GovEdRrsp, 459_900)));
    assert_eq!(line.reason, "GOV/ED RRSP: no SOR");
    c.segment = Segment::Government;
    assert_eq!(
        unit(&price_order(&c, &[board(1)])[0]),
        Some((PriceBasis::GovEdRrsp, 459_900))
    );
}

#[test]
fn an_expired_sor_refuses_the_board_but_prices_the_accessory() {
    let expired = sor("SOR-2026-000017", Status::Expired, date(2027, 2, 20));
    let mut c = ctx(CitedSor::Found(expired.clone()));
    c.order_date = date(2027, 3, 1);
    c.latest_for_customer = Some(expired);
    let lines = price_order(&c, &[board(1), pen(10)]);
    assert_eq!(
        lines[0].reason,
        "refused: SOR-2026-000017 expired (valid through 2027-02-20)"
    );
    assert_eq!(unit(&lines[1]), Some((PriceBasis::PartnerPrice, 3_200)));
    assert_eq!(lines[1].amount_minor(), 32_000);
    assert_eq!(
        lines[1].reason,
        "partner price under SOR-2026-000017 (accessory: the customer's most recent SOR, any status)"
    );
    assert_eq!(order_status(&lines), OrderStatus::PartiallyAccepted);
}

#[test]
fn accessories_use_the_most_recent_sor_when_the_po_cites_an_older_one_or_none() {
    let older = SorOnFile {
        registration_id: 11,
        ..sor("SOR-2025-000003", Status::Won, date(2025, 6, 30))
    };
    let newest = sor("SOR-2026-000042", Status::Lost, date(2027, 2, 20));
    for cited in [CitedSor::Found(older), CitedSor::None] {
        let mut c = ctx(cited);
        c.latest_for_customer = Some(newest.clone());
        let line = &price_order(&c, &[pen(1)])[0];
        assert_eq!(unit(line), Some((PriceBasis::PartnerPrice, 3_200)));
        assert!(
            line.reason
                .starts_with("partner price under SOR-2026-000042 (accessory"),
            "{}",
            line.reason
        );
    }
}

#[test]
fn an_accessory_with_no_sor_on_file_follows_the_no_sor_policy() {
    let line = &price_order(&ctx(CitedSor::None), &[pen(1)])[0];
    assert_eq!(line.reason, "refused: no SOR");
}

#[test]
fn another_partners_sor_is_refused_without_detail() {
    let line = &price_order(&ctx(CitedSor::NotThisPartners("SOR-2026-000099".into())), &[board(1)])[0];
    assert_eq!(line.reason, "refused: SOR-2026-000099 is not an SOR of this partner");
}

#[test]
fn the_sor_must_name_this_customer_and_cover_the_product() {
    let mut other_customer = valid();
    other_customer.customer_id = 8;
    let line = &price_order(&ctx(CitedSor::Found(other_customer)), &[board(1)])[0];
    assert_eq!(
        line.reason,
        "refused: SOR-2026-000042 is registered for another end customer"
    );
    let projector = LineRequest {
        product_id: Some(PROJECTOR),
        sku: "P-500".into(),
        ..board(1)
    };
    let line = &price_order(&ctx(CitedSor::Found(valid())), &[projector])[0];
    assert_eq!(line.reason, "refused: P-500 is not on SOR-2026-000042");
}

#[test]
fn closed_and_withdrawn_sors_do_not_price_boards() {
    for (status, reason) in [
        (Status::Won, "refused: SOR-2026-000042 is closed (won)"),
        (Status::Lost, "refused: SOR-2026-000042 is closed (lost)"),
        (Status::Withdrawn, "refused: SOR-2026-000042 was withdrawn"),
    ] {
        let s = sor("SOR-2026-000042", status, date(2027, 2, 20));
        assert_eq!(price_order(&ctx(CitedSor::Found(s)), &[board(1)])[0].reason, reason);
    }
}

#[test]
fn follow_on_orders_warn_or_refuse_beyond_the_registered_quantity() {
    let mut drawn = valid();
    drawn.lines.get_mut(&BOARD).unwrap().ordered = 8;
    let mut c = ctx(CitedSor::Found(drawn));
    let line = &price_order(&c, &[board(2)])[0];
    assert_eq!(line.warning, None);
    let line = &price_order(&c, &[board(4)])[0];
    assert_eq!(unit(line), Some((PriceBasis::PartnerPrice, 350_000)));
    assert_eq!(
        line.warning.as_deref(),
        Some("exceeds the registration: 12 of 10 registered on SOR-2026-000042 would be ordered (8 before this line)")
    );
    c.over_order = OverOrderPolicy::Refuse;
    let line = &price_order(&c, &[board(4)])[0];
    assert_eq!(line.decision, LineDecision::Refused);
    assert!(line.reason.ends_with("have the SOR updated first"), "{}", line.reason);
}

#[test]
fn a_line_without_a_price_in_effect_is_refused() {
    let mut line = board(1);
    line.price = None;
    let priced = &price_order(&ctx(CitedSor::Found(valid())), &[line])[0];
    assert_eq!(priced.reason, "refused: MB-86 has no price in effect on 2026-11-22");
}

/// Issue 13, defect 6: one unknown SKU refuses its own line; the rest of the PO is priced.
#[test]
fn an_unknown_sku_refuses_its_line_and_the_others_are_priced() {
    let unknown = LineRequest {
        product_id: None,
        sku: "MB-999".into(),
        quantity: 1,
        is_accessory: false,
        price: None,
    };
    let priced = price_order(&ctx(CitedSor::Found(valid())), &[board(2), unknown]);
    assert_eq!(priced[1].reason, "refused: no product with SKU MB-999");
    assert_eq!(priced[1].decision, LineDecision::Refused);
    assert_eq!(unit(&priced[0]), Some((PriceBasis::PartnerPrice, 350_000)));
    assert_eq!(order_status(&priced), OrderStatus::PartiallyAccepted);
}

#[test]
fn the_price_in_effect_is_the_latest_version_started() {
    let v2026 = board_price();
    let v2027 = PriceVersion {
        effective_from: date(2027, 1, 1),
        partner_minor: 360_000,
        ..board_price()
    };
    let versions = [v2027, v2026];
    assert_eq!(price_in_effect(&versions, date(2025, 12, 31)), None);
    assert_eq!(price_in_effect(&versions, date(2026, 12, 31)), Some(v2026));
    assert_eq!(price_in_effect(&versions, date(2027, 1, 1)), Some(v2027));
}

#[test]
fn a_huge_line_is_refused_not_overflowed() {
    let mut line = board(1_000_000);
    line.price = Some(PriceVersion {
        partner_minor: MAX_AMOUNT_MINOR,
        ..board_price()
    });
    let priced = &price_order(&ctx(CitedSor::Found(valid())), &[line])[0];
    assert_eq!(priced.decision, LineDecision::Refused);
}
