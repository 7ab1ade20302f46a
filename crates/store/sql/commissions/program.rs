//! The program's shape (PRG-1): levels and activation stages as data, product categories with parents,
//! and each partner's level and stage history, plan and payout schedule, and reviews.

use crate::sql::directory::{load_settings, save_settings, today};
use crate::sql::kit::*;
use crate::sql::write::{Change, Write};
use domain::commissions::input::NewLevel;
use domain::commissions::policy::{can_keep_commissions, can_read_commissions, can_shape_program};
use domain::commissions::{PeriodKind, ReviewDates, plan_for_partner};
use domain::settings::payout_schedule;

pub(super) fn require(allowed: bool, what: &str) -> StoreResult<()> {
    if allowed {
        Ok(())
    } else {
        Err(StoreError::Forbidden(format!("you may not {what}")))
    }
}

pub(super) fn invalid(field: &str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldErrors::single(field, message))
}

pub(super) fn rank_of(raw: i64) -> u32 {
    u32::try_from(raw).unwrap_or(0)
}

pub(super) async fn list_levels(conn: &mut Conn) -> StoreResult<Vec<LevelView>> {
    let weights = load_settings(conn).await?.lead_distribution;
    let rows = sqlx::query(
        "SELECT l.id, l.code, l.name, l.rank, l.default_plan_id, p.name AS plan_name, \
         (SELECT COUNT(*) FROM partners WHERE level = l.code) AS partners \
         FROM partner_levels l LEFT JOIN commission_plans p ON p.id = l.default_plan_id ORDER BY l.rank DESC",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let code = PartnerLevel::parse(&get::<String>(row, "code")?).map_err(corrupt)?;
            Ok(LevelView {
                id: get(row, "id")?,
                code,
                name: get(row, "name")?,
                rank: rank_of(get(row, "rank")?),
                default_plan_id: get(row, "default_plan_id")?,
                default_plan_name: get(row, "plan_name")?,
                lead_weight: weights.weight(code),
                partners: get(row, "partners")?,
            })
        })
        .collect()
}

/// Issue 15 item 1: a level's name, rank and default plan are its row; its lead weight is the
/// distribution's, written to the program settings in the same write.
pub(super) async fn update_level(tx: &mut Write<'_>, id: i64, level: &NewLevel) -> StoreResult<LevelView> {
    let before = list_levels(tx).await?;
    let old = before
        .iter()
        .find(|l| l.id == id)
        .ok_or(StoreError::NotFound("level"))?
        .clone();
    if let Some(plan) = level.default_plan_id {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM commission_plans WHERE id = $1")
            .bind(plan)
            .fetch_optional(&mut **tx)
            .await?;
        known.ok_or_else(|| invalid("default_plan_id", format!("there is no plan {plan}")))?;
    }
    sqlx::query("UPDATE partner_levels SET name = $1, rank = $2, default_plan_id = $3 WHERE id = $4")
        .bind(&level.name)
        .bind(i64::from(level.rank))
        .bind(level.default_plan_id)
        .bind(id)
        .execute(&mut **tx)
        .await
        .on_unique("another level has this name or rank")?;
    if old.lead_weight != level.lead_weight {
        let settings = load_settings(tx).await?;
        let mut changed = settings.clone();
        changed
            .lead_distribution
            .level_weights
            .insert(old.code.as_str().to_owned(), level.lead_weight);
        save_settings(tx, &settings, &changed).await?;
    }
    let after = list_levels(tx).await?;
    let new = after
        .into_iter()
        .find(|l| l.id == id)
        .ok_or(StoreError::NotFound("level"))?;
    tx.audit(Change {
        action: "level.update",
        entity_type: "partner_level",
        entity_id: id,
        before: Some(&json!(old)),
        after: Some(&json!(new)),
    })
    .await?;
    Ok(new)
}

pub(super) async fn list_stages(conn: &mut Conn) -> StoreResult<Vec<StageView>> {
    let rows = sqlx::query(
        "SELECT s.id, s.code, s.name, s.position, \
         (SELECT COUNT(*) FROM partners WHERE activation_stage = s.code) AS partners \
         FROM activation_stages s ORDER BY s.position",
    )
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(StageView {
                id: get(row, "id")?,
                code: get(row, "code")?,
                name: get(row, "name")?,
                position: rank_of(get(row, "position")?),
                partners: get(row, "partners")?,
            })
        })
        .collect()
}

pub(super) async fn update_stage(tx: &mut Write<'_>, id: i64, name: &str, position: u32) -> StoreResult<StageView> {
    let before = list_stages(tx).await?;
    let old = before
        .iter()
        .find(|s| s.id == id)
        .ok_or(StoreError::NotFound("stage"))?
        .clone();
    sqlx::query("UPDATE activation_stages SET name = $1, position = $2 WHERE id = $3")
        .bind(name)
        .bind(i64::from(position))
        .bind(id)
        .execute(&mut **tx)
        .await
        .on_unique("another stage has this name or position")?;
    let new = list_stages(tx)
        .await?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or(StoreError::NotFound("stage"))?;
    tx.audit(Change {
        action: "stage.update",
        entity_type: "activation_stage",
        entity_id: id,
        before: Some(&json!(old)),
        after: Some(&json!(new)),
    })
    .await?;
    Ok(new)
}

/// Every category with its parent, by id.
pub(super) async fn category_parents(conn: &mut Conn) -> StoreResult<BTreeMap<i64, (String, Option<i64>)>> {
    let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as("SELECT id, name, parent_id FROM product_categories")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name, parent)| (id, (name, parent)))
        .collect())
}

/// The category and its ancestors, own first (DECISIONS 62: parent categories count). A cycle cannot
/// be written (`set_category_parent` refuses one); the walk stops at one anyway.
pub(super) fn chain(parents: &BTreeMap<i64, (String, Option<i64>)>, id: i64) -> Vec<i64> {
    let mut chain = vec![id];
    let mut at = id;
    while let Some(parent) = parents.get(&at).and_then(|(_, p)| *p) {
        if chain.contains(&parent) {
            break;
        }
        chain.push(parent);
        at = parent;
    }
    chain
}

pub(super) async fn list_categories(conn: &mut Conn) -> StoreResult<Vec<Category>> {
    let parents = category_parents(conn).await?;
    let mut categories: Vec<Category> = parents
        .iter()
        .map(|(id, (name, parent))| {
            let mut names: Vec<&str> = chain(&parents, *id)
                .iter()
                .filter_map(|c| parents.get(c).map(|(n, _)| n.as_str()))
                .collect();
            names.reverse();
            Category {
                id: *id,
                name: name.clone(),
                parent_id: *parent,
                path: names.join(" › "),
            }
        })
        .collect();
    categories.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(categories)
}

async fn category(conn: &mut Conn, id: i64) -> StoreResult<Category> {
    list_categories(conn)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(StoreError::NotFound("category"))
}

pub(super) async fn create_category(tx: &mut Write<'_>, new: &NewCategory) -> StoreResult<Category> {
    let id: i64 = sqlx::query_scalar("INSERT INTO product_categories (name, parent_id) VALUES ($1, $2) RETURNING id")
        .bind(&new.name)
        .bind(new.parent_id)
        .fetch_one(&mut **tx)
        .await
        .on_unique_or_foreign_key(
            "a category with this name exists",
            invalid("parent_id", "there is no such category"),
        )?;
    let created = category(tx, id).await?;
    tx.audit(Change {
        action: "category.create",
        entity_type: "product_category",
        entity_id: id,
        before: None,
        after: Some(&json!(created)),
    })
    .await?;
    Ok(created)
}

pub(super) async fn set_category_parent(tx: &mut Write<'_>, id: i64, parent: Option<i64>) -> StoreResult<Category> {
    let before = category(tx, id).await?;
    if let Some(parent) = parent {
        let parents = category_parents(tx).await?;
        if !parents.contains_key(&parent) {
            return Err(invalid("parent_id", format!("there is no category {parent}")));
        }
        if chain(&parents, parent).contains(&id) {
            return Err(invalid(
                "parent_id",
                "a category cannot sit under itself or one of its own",
            ));
        }
    }
    sqlx::query("UPDATE product_categories SET parent_id = $1 WHERE id = $2")
        .bind(parent)
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let after = category(tx, id).await?;
    tx.audit(Change {
        action: "category.move",
        entity_type: "product_category",
        entity_id: id,
        before: Some(&json!(before)),
        after: Some(&json!(after)),
    })
    .await?;
    Ok(after)
}

/// Issue 15 item 1 (the history is kept): what the partner holds from `on`, appended when its level or
/// stage changes. Called by every write that sets them.
pub(crate) async fn record_standing(
    tx: &mut Write<'_>,
    partner_id: i64,
    level: PartnerLevel,
    stage: ActivationStage,
) -> StoreResult<()> {
    let latest: Option<(String, String)> = sqlx::query_as(
        "SELECT level, activation_stage FROM partner_level_history WHERE partner_id = $1 \
         ORDER BY effective_on DESC, id DESC LIMIT 1",
    )
    .bind(partner_id)
    .fetch_optional(&mut **tx)
    .await?;
    if latest.is_some_and(|(l, s)| l == level.as_str() && s == stage.as_str()) {
        return Ok(());
    }
    let now = tx.now();
    let on = today(tx, now).await?;
    sqlx::query(
        "INSERT INTO partner_level_history (partner_id, level, activation_stage, effective_on, changed_by, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(partner_id)
    .bind(level.as_str())
    .bind(stage.as_str())
    .bind(on.to_string())
    .bind(tx.actor().map(|a| a.user_id))
    .bind(us(tx.now()))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The partner's level and stage history, oldest first.
pub(super) async fn history(conn: &mut Conn, partner_id: i64) -> StoreResult<Vec<StandingChange>> {
    let rows = sqlx::query(
        "SELECT h.level, h.activation_stage, h.effective_on, u.display_name FROM partner_level_history h \
         LEFT JOIN users u ON u.id = h.changed_by WHERE h.partner_id = $1 ORDER BY h.effective_on, h.id",
    )
    .bind(partner_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(StandingChange {
                level: PartnerLevel::parse(&get::<String>(row, "level")?).map_err(corrupt)?,
                activation_stage: get(row, "activation_stage")?,
                effective_on: parse_date(&get::<String>(row, "effective_on")?)?,
                changed_by: get(row, "display_name")?,
            })
        })
        .collect()
}

pub(super) fn optional_date(raw: Option<String>) -> StoreResult<Option<Date>> {
    raw.as_deref().map(parse_date).transpose()
}

pub(super) fn optional_period(raw: Option<String>) -> StoreResult<Option<PeriodKind>> {
    raw.as_deref()
        .map(|p| PeriodKind::parse(p).map_err(corrupt))
        .transpose()
}

pub(super) async fn partner_program(conn: &mut Conn, partner_id: i64, now: Timestamp) -> StoreResult<PartnerProgram> {
    let row = sqlx::query(
        "SELECT p.name, p.level, p.activation_stage, p.commission_plan_id, p.payout_period, p.automatic_confirmation, \
         p.latest_review_on, p.next_review_on, l.id AS level_id, l.default_plan_id \
         FROM partners p LEFT JOIN partner_levels l ON l.code = p.level WHERE p.id = $1",
    )
    .bind(partner_id)
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(StoreError::NotFound("partner"))?;
    let settings = load_settings(conn).await?;
    let own_plan_id: Option<i64> = get(&row, "commission_plan_id")?;
    let default_plan: Option<i64> = get(&row, "default_plan_id")?;
    let choice = plan_for_partner(own_plan_id, default_plan);
    let plan_name: Option<String> = match choice {
        Some(choice) => {
            sqlx::query_scalar("SELECT name FROM commission_plans WHERE id = $1")
                .bind(choice.plan_id)
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    let payout_period = optional_period(get(&row, "payout_period")?)?;
    let automatic_confirmation: Option<bool> = get(&row, "automatic_confirmation")?;
    let (effective_payout_period, effective_automatic_confirmation) =
        payout_schedule(&settings.commissions, payout_period, automatic_confirmation);
    let reviews = ReviewDates {
        latest: optional_date(get(&row, "latest_review_on")?)?,
        next: optional_date(get(&row, "next_review_on")?)?,
    };
    let today = business_date(now, &settings.zone());
    Ok(PartnerProgram {
        partner_id,
        partner_name: get(&row, "name")?,
        level: PartnerLevel::parse(&get::<String>(&row, "level")?).map_err(corrupt)?,
        activation_stage: get(&row, "activation_stage")?,
        own_plan_id,
        plan_id: choice.map(|c| c.plan_id),
        plan_name,
        plan_source: choice.map(|c| c.source),
        payout_period,
        automatic_confirmation,
        effective_payout_period,
        effective_automatic_confirmation,
        latest_review_on: reviews.latest,
        next_review_on: reviews.next,
        review_status: reviews.status(today, settings.commissions.review_reminder_days),
        history: history(conn, partner_id).await?,
    })
}

pub(super) async fn set_partner_terms(
    tx: &mut Write<'_>,
    partner_id: i64,
    terms: &PartnerTerms,
) -> StoreResult<PartnerProgram> {
    let now = tx.now();
    let before = partner_program(tx, partner_id, now).await?;
    sqlx::query(
        "UPDATE partners SET commission_plan_id = $1, payout_period = $2, automatic_confirmation = $3, \
         latest_review_on = $4, next_review_on = $5 WHERE id = $6",
    )
    .bind(terms.own_plan_id)
    .bind(terms.payout_period.map(|p| p.as_str()))
    .bind(terms.automatic_confirmation)
    .bind(terms.latest_review_on.map(|d| d.to_string()))
    .bind(terms.next_review_on.map(|d| d.to_string()))
    .bind(partner_id)
    .execute(&mut **tx)
    .await
    .on_foreign_key(invalid("own_plan_id", "there is no such plan"))?;
    let after = partner_program(tx, partner_id, now).await?;
    tx.audit(Change {
        action: "partner.program",
        entity_type: "partner",
        entity_id: partner_id,
        before: Some(&json!(before)),
        after: Some(&json!(after)),
    })
    .await?;
    Ok(after)
}

/// Reads of the program's shape: staff other than sales reps and order entry; a partner reads its own
/// standing only.
pub(super) fn check_read(actor: &Actor, partner_id: Option<i64>) -> StoreResult<()> {
    check(can_read_commissions(actor, partner_id), "partner", "read commissions")
}

pub(super) fn require_keeper(actor: &Actor) -> StoreResult<()> {
    require(
        can_keep_commissions(actor),
        "keep commissions (finance and administrators)",
    )
}

pub(super) fn require_shaper(actor: &Actor) -> StoreResult<()> {
    require(can_shape_program(actor), "change levels and stages (administrators)")
}
