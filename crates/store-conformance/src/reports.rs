//! Reports: the dashboard's figures by week.

use crate::{approval, submit, ts, world};
use jiff::civil::date;
use std::sync::Arc;
use store::*;

pub async fn dashboard_figures_aggregate_by_week(store: Arc<dyn Store>) {
    let w = world(store).await;
    let first = submit(&w, &w.partner_a, "Springfield School District", &["MB-100"]).await;
    let second = submit(&w, &w.partner_c, "Capital City Schools", &["MB-200"]).await;
    w.store
        .approve_registration(&w.west_manager, first.id, approval(false), ts("2026-11-22T12:00:00Z"))
        .await
        .unwrap();
    w.store
        .decline_registration(
            &w.east_manager,
            second.id,
            "direct account".into(),
            ts("2026-11-22T15:00:00Z"),
        )
        .await
        .unwrap();
    let report = w
        .store
        .report(&w.admin, &ReportScope::since(ts("2026-01-01T00:00:00Z")))
        .await
        .unwrap();
    // Filed on Sunday 2026-11-22: the week starting Monday 2026-11-16.
    let week = date(2026, 11, 16);
    let filed: Vec<_> = report.filed.iter().map(|f| (f.week_start, f.status, f.count)).collect();
    assert_eq!(
        filed,
        [
            (week, domain::registrations::Status::Approved, 1),
            (week, domain::registrations::Status::Declined, 1)
        ]
    );
    // Decided after 2 and 5 hours: on average 3 h 30 min.
    assert_eq!(
        report.decision_minutes,
        [WeekValue {
            week_start: week,
            value: 210
        }]
    );
    assert_eq!((report.approved[0].value, report.declined[0].value), (1, 1));
    assert_eq!(report.pipeline.len(), 1);
    assert_eq!(
        (report.pipeline[0].partner.as_str(), report.pipeline[0].region.as_str()),
        ("Northwind AV", "West")
    );
    assert_eq!(report.pipeline[0].value.amount_minor, 3_500_000);
    // A partner's figures are its own.
    let mine = w
        .store
        .report(&w.partner_c, &ReportScope::since(ts("2026-01-01T00:00:00Z")))
        .await
        .unwrap();
    assert_eq!(mine.filed.iter().map(|f| f.count).sum::<i64>(), 1);
    assert!(mine.pipeline.is_empty());
    assert!(
        w.store
            .report(&w.admin, &ReportScope::since(ts("2026-12-01T00:00:00Z")))
            .await
            .unwrap()
            .filed
            .is_empty()
    );
    // Narrowed by region or partner, every figure agrees; a partner's filter for another finds nothing.
    let since = ts("2026-01-01T00:00:00Z");
    let east = w
        .store
        .list_regions()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "East")
        .unwrap();
    let scope = |region_id, partner_id| ReportScope {
        since,
        region_id,
        partner_id,
    };
    let in_east = w.store.report(&w.admin, &scope(Some(east.id), None)).await.unwrap();
    assert_eq!(
        in_east.filed.iter().map(|f| f.status).collect::<Vec<_>>(),
        [domain::registrations::Status::Declined]
    );
    assert_eq!((in_east.approved[0].value, in_east.declined[0].value), (0, 1));
    assert!(in_east.pipeline.is_empty());
    let of_a = w
        .store
        .report(&w.admin, &scope(None, w.partner_a.partner_id))
        .await
        .unwrap();
    assert_eq!(
        of_a.filed.iter().map(|f| f.status).collect::<Vec<_>>(),
        [domain::registrations::Status::Approved]
    );
    assert_eq!(of_a.pipeline.len(), 1);
    let snooping = w
        .store
        .report(&w.partner_c, &scope(None, w.partner_a.partner_id))
        .await
        .unwrap();
    assert_eq!(snooping, Report::default());
}
