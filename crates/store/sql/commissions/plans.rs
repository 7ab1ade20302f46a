//! Commission plans and their versions (PRG-3). A version's rules are stored as the domain's validated
//! list; its categories and levels are checked against the tables when it is added.

use crate::sql::kit::*;
use crate::sql::write::{Change, Write};
use domain::commissions::input::{NewPlan, NewPlanVersion};
use domain::commissions::{DecidingDate, Plan, PlanVersion, Rule};

fn version_from_row(row: &DbRow) -> StoreResult<PlanVersion> {
    let rules: Vec<Rule> = serde_json::from_str(&get::<String>(row, "rules")?).map_err(|e| corrupt(e.to_string()))?;
    Ok(PlanVersion {
        id: get(row, "id")?,
        plan_id: get(row, "plan_id")?,
        number: u32::try_from(get::<i64>(row, "number")?).unwrap_or(0),
        effective_from: parse_date(&get::<String>(row, "effective_from")?)?,
        effective_until: get::<Option<String>>(row, "effective_until")?
            .as_deref()
            .map(parse_date)
            .transpose()?,
        rules,
    })
}

const VERSION_SELECT: &str = "SELECT v.* FROM commission_plan_versions v";

/// With the commission lines written under each version, for the plan's page only: the engine reads
/// versions on every payment, where counting would grow with every line ever written (DECISIONS 67).
const COUNTED_VERSION_SELECT: &str = "SELECT v.*, \
     (SELECT COUNT(*) FROM commission_lines c WHERE c.version_id = v.id) AS lines FROM commission_plan_versions v";

/// A plan and all its versions, as the engine reads them.
pub(crate) async fn load_terms(conn: &mut Conn, plan_id: i64) -> StoreResult<(Plan, Vec<PlanVersion>)> {
    let row = sqlx::query("SELECT id, name, deciding_date FROM commission_plans WHERE id = $1")
        .bind(plan_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("plan"))?;
    let plan = Plan {
        id: get(&row, "id")?,
        name: get(&row, "name")?,
        deciding_date: DecidingDate::parse(&get::<String>(&row, "deciding_date")?).map_err(corrupt)?,
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{VERSION_SELECT} WHERE v.plan_id = $1 ORDER BY v.number"
    )))
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    let versions = rows.iter().map(version_from_row).collect::<StoreResult<_>>()?;
    Ok((plan, versions))
}

pub(super) async fn plan_view(conn: &mut Conn, plan_id: i64) -> StoreResult<PlanView> {
    let (plan, _) = load_terms(conn, plan_id).await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{COUNTED_VERSION_SELECT} WHERE v.plan_id = $1 ORDER BY v.number DESC"
    )))
    .bind(plan_id)
    .fetch_all(&mut *conn)
    .await?;
    let versions = rows
        .iter()
        .map(|row| {
            let (v, lines) = (version_from_row(row)?, get(row, "lines")?);
            Ok(PlanVersionView {
                id: v.id,
                number: v.number,
                effective_from: v.effective_from,
                effective_until: v.effective_until,
                rules: v.rules,
                lines,
            })
        })
        .collect::<StoreResult<_>>()?;
    let levels: Vec<String> =
        sqlx::query_scalar("SELECT name FROM partner_levels WHERE default_plan_id = $1 ORDER BY rank DESC")
            .bind(plan_id)
            .fetch_all(&mut *conn)
            .await?;
    let partners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM partners WHERE commission_plan_id = $1")
        .bind(plan_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(PlanView {
        id: plan.id,
        name: plan.name,
        deciding_date: plan.deciding_date,
        versions,
        levels,
        partners,
    })
}

pub(super) async fn list_plans(conn: &mut Conn) -> StoreResult<Vec<PlanView>> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM commission_plans ORDER BY name")
        .fetch_all(&mut *conn)
        .await?;
    let mut plans = Vec::with_capacity(ids.len());
    for id in ids {
        plans.push(plan_view(conn, id).await?);
    }
    Ok(plans)
}

pub(super) async fn create_plan(tx: &mut Write<'_>, plan: &NewPlan) -> StoreResult<PlanView> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO commission_plans (name, deciding_date, created_by, created_us) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(&plan.name)
    .bind(plan.deciding_date.as_str())
    .bind(tx.actor().map(|a| a.user_id))
    .bind(us(tx.now()))
    .fetch_one(&mut **tx)
    .await
    .on_unique("a plan with this name exists")?;
    let created = plan_view(tx, id).await?;
    tx.audit(Change {
        action: "plan.create",
        entity_type: "commission_plan",
        entity_id: id,
        before: None,
        after: Some(&json!(created)),
    })
    .await?;
    Ok(created)
}

/// Each rule's category and level must exist: named by field, all at once.
async fn check_rule_targets(conn: &mut Conn, version: &NewPlanVersion) -> StoreResult<()> {
    let categories: BTreeSet<i64> = sqlx::query_scalar::<_, i64>("SELECT id FROM product_categories")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let levels: BTreeSet<i64> = sqlx::query_scalar::<_, i64>("SELECT id FROM partner_levels")
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let mut errors = FieldErrors::default();
    for (i, rule) in version.rules.iter().enumerate() {
        if let Some(c) = rule.category_id.filter(|c| !categories.contains(c)) {
            errors.add(format!("rules[{i}].category_id"), format!("there is no category {c}"));
        }
        if let Some(l) = rule.level_id.filter(|l| !levels.contains(l)) {
            errors.add(format!("rules[{i}].level_id"), format!("there is no level {l}"));
        }
    }
    errors.into_result(()).map_err(StoreError::from)
}

pub(super) async fn add_version(tx: &mut Write<'_>, plan_id: i64, version: &NewPlanVersion) -> StoreResult<PlanView> {
    let before = plan_view(tx, plan_id).await?;
    check_rule_targets(tx, version).await?;
    let number = before.versions.iter().map(|v| v.number).max().unwrap_or(0) + 1;
    let rules: Vec<Rule> = version
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| Rule {
            id: i as i64 + 1,
            name: r.name.clone(),
            category_id: r.category_id,
            level_id: r.level_id,
            kind: r.kind.clone(),
        })
        .collect();
    let body = serde_json::to_string(&rules).map_err(|e| StoreError::Database(e.to_string()))?;
    sqlx::query(
        "INSERT INTO commission_plan_versions (plan_id, number, effective_from, effective_until, rules, created_by, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(plan_id)
    .bind(i64::from(number))
    .bind(version.effective_from.to_string())
    .bind(version.effective_until.map(|d| d.to_string()))
    .bind(&body)
    .bind(tx.actor().map(|a| a.user_id))
    .bind(us(tx.now()))
    .execute(&mut **tx)
    .await
    .on_unique("another version of this plan was added meanwhile")?;
    let after = plan_view(tx, plan_id).await?;
    tx.audit(Change {
        action: "plan.version",
        entity_type: "commission_plan",
        entity_id: plan_id,
        before: Some(&json!(before)),
        after: Some(&json!(after)),
    })
    .await?;
    Ok(after)
}
