//! Reports: dashboard figures aggregated in the database.

use crate::sql::kit::*;

/// Microseconds in a week; weeks are counted from the Unix epoch shifted to a Monday.
pub(crate) const WEEK_US: i64 = 7 * 24 * 3600 * 1_000_000;

/// 1970-01-05 was a Monday: bucket boundaries fall on Mondays 00:00 UTC.
pub(crate) const MONDAY_US: i64 = 4 * 24 * 3600 * 1_000_000;

pub(crate) fn week_start(bucket: i64) -> StoreResult<Date> {
    Ok(at(bucket * WEEK_US + MONDAY_US)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date())
}

/// ` WHERE submitted_us >= since [AND partner_id = own] [AND region, partner]` for reports: a
/// partner's own condition stays, so its filter for another partner finds nothing.
pub(crate) fn report_scope(qb: &mut QueryBuilder<Db>, actor: &Actor, scope: &ReportScope) {
    qb.push(" WHERE r.submitted_us >= ").push_bind(us(scope.since));
    if actor.role.is_partner() {
        qb.push(" AND r.partner_id = ")
            .push_bind(actor.partner_id.unwrap_or(-1));
    }
    if let Some(partner) = scope.partner_id {
        qb.push(" AND r.partner_id = ").push_bind(partner);
    }
    if let Some(region) = scope.region_id {
        qb.push(" AND r.partner_id IN (SELECT id FROM partners WHERE region_id = ")
            .push_bind(region)
            .push(")");
    }
}

#[async_trait]
impl ReportStore for SqlStore {
    async fn registration_counts(&self, actor: &Actor) -> StoreResult<Vec<StatusCount>> {
        let mut qb = QueryBuilder::<Db>::new("SELECT status, COUNT(*) AS n FROM registrations");
        if actor.role.is_partner() {
            qb.push(" WHERE partner_id = ")
                .push_bind(actor.partner_id.unwrap_or(-1));
        }
        qb.push(" GROUP BY status");
        let rows = qb.build().fetch_all(&self.read).await?;
        let mut counts = rows
            .iter()
            .map(|row| {
                Ok(StatusCount {
                    status: Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
                    count: get::<i64>(row, "n")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        counts.sort_by_key(|c| Status::ALL.iter().position(|s| *s == c.status));
        Ok(counts)
    }

    async fn report(&self, actor: &Actor, scope: &ReportScope) -> StoreResult<Report> {
        let week = format!("((r.submitted_us - {MONDAY_US}) / {WEEK_US})");
        let mut report = Report::default();
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {week} AS week, r.status, COUNT(*) AS n FROM registrations r"
        ));
        report_scope(&mut qb, actor, scope);
        qb.push(" GROUP BY week, r.status ORDER BY week");
        for row in qb.build().fetch_all(&self.read).await? {
            report.filed.push(WeekCount {
                week_start: week_start(get(&row, "week")?)?,
                status: Status::parse(&get::<String>(&row, "status")?).map_err(corrupt)?,
                count: get(&row, "n")?,
            });
        }
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT {week} AS week, CAST(AVG(r.decided_us - r.submitted_us) AS BIGINT) AS average_us,              CAST(SUM(CASE WHEN r.approved_us IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS approved,              CAST(SUM(CASE WHEN r.status = 'declined' THEN 1 ELSE 0 END) AS BIGINT) AS declined              FROM registrations r"
        ));
        report_scope(&mut qb, actor, scope);
        qb.push(" AND r.decided_us IS NOT NULL GROUP BY week ORDER BY week");
        for row in qb.build().fetch_all(&self.read).await? {
            let week_start = week_start(get(&row, "week")?)?;
            let value = |column: &str| -> StoreResult<WeekValue> {
                Ok(WeekValue {
                    week_start,
                    value: get(&row, column)?,
                })
            };
            // Minutes computed here: the backends round a fractional average differently.
            report.decision_minutes.push(WeekValue {
                week_start,
                value: get::<i64>(&row, "average_us")? / 60_000_000,
            });
            report.approved.push(value("approved")?);
            report.declined.push(value("declined")?);
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT g.name AS region, p.name AS partner, r.currency, CAST(SUM(r.est_value_minor) AS BIGINT) AS value              FROM registrations r JOIN partners p ON p.id = r.partner_id JOIN regions g ON g.id = p.region_id",
        );
        report_scope(&mut qb, actor, scope);
        qb.push(" AND r.status IN ('submitted', 'approved') GROUP BY g.name, p.name, r.currency ORDER BY value DESC");
        for row in qb.build().fetch_all(&self.read).await? {
            report.pipeline.push(PipelineValue {
                region: get(&row, "region")?,
                partner: get(&row, "partner")?,
                value: Money {
                    amount_minor: get(&row, "value")?,
                    currency: parse_currency(&get::<String>(&row, "currency")?)?,
                },
            });
        }
        Ok(report)
    }
}
