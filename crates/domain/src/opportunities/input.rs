//! What managers, sales management and Major Account Managers send about opportunities, and its
//! parsing into checked values. Every bad field is named.

use super::{Party, PartyKind};
use crate::FieldErrors;
use crate::directory::customers::{Customer, CustomerInput, parse_customer};
use crate::directory::products::{ProductLine, ProductLineInput, parse_lines};
use crate::money::{Money, MoneyInput, parse_money};
use crate::registrations::input::{CloseInput, Outcome};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// How far ahead a forecast close date may lie.
pub const MAX_CLOSE_HORIZON_DAYS: i64 = 5 * 366;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PartyInput {
    /// `user` (an internal user) or `partner`.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, value_type = PartyKind))]
    pub kind: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, minimum = 1))]
    pub id: Option<i64>,
}

fn parse_party(input: &Option<PartyInput>, field: &str, errors: &mut FieldErrors) -> Option<Party> {
    let input = errors.required(field, input)?;
    let kind = errors
        .required(&format!("{field}.kind"), &input.kind)
        .and_then(|k| errors.parsed(&format!("{field}.kind"), PartyKind::parse(k)));
    let id = errors.required(&format!("{field}.id"), &input.id).copied();
    if id.is_some_and(|id| id < 1) {
        errors.add(format!("{field}.id"), "must be a positive id");
        return None;
    }
    Some(Party { kind: kind?, id: id? })
}

/// ROE-1: an opportunity as the sales team or a partner opens it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewOpportunityInput {
    /// The account.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub customer: Option<CustomerInput>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<200>))]
    pub name: Option<String>,
    /// One of the pipeline's open stages; the first when absent.
    pub stage: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub forecast: Option<MoneyInput>,
    /// The forecast close date (YYYY-MM-DD, today or later).
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, format = Date))]
    pub close_date: Option<String>,
    /// The forecasted products: the manager's rights cover these (ROE-2).
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, min_items = 1, max_items = 200)
    )]
    pub products: Option<Vec<ProductLineInput>>,
    /// The opportunity plan: next steps.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<4000>))]
    pub plan: Option<String>,
    /// Sales management may name the manager; anyone else manages what they open.
    pub manager: Option<PartyInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOpportunity {
    pub customer: Customer,
    pub name: String,
    pub stage: Option<String>,
    pub forecast: Money,
    pub close_date: Date,
    pub lines: Vec<ProductLine>,
    pub plan: Option<String>,
    pub manager: Option<Party>,
}

fn close_date(field: &str, raw: &Option<String>, today: Date, errors: &mut FieldErrors) -> Option<Date> {
    let date = errors.date(field, raw)?;
    let latest = today.saturating_add(MAX_CLOSE_HORIZON_DAYS.days());
    if date < today {
        errors.add(field, format!("must be today ({today}) or later"));
        None
    } else if date > latest {
        errors.add(field, format!("must be no later than {latest}"));
        None
    } else {
        Some(date)
    }
}

pub fn parse_new_opportunity(input: &NewOpportunityInput, today: Date) -> Result<NewOpportunity, FieldErrors> {
    let mut errors = FieldErrors::default();
    let customer = errors
        .required("customer", &input.customer)
        .cloned()
        .and_then(|c| parse_customer(&c, "customer.", &mut errors));
    let name = errors.text("name", &input.name, 200);
    let stage = errors.optional_text("stage", &input.stage, 60);
    let forecast = parse_money(&input.forecast, "forecast", &mut errors);
    errors.required("close_date", &input.close_date);
    let close = close_date("close_date", &input.close_date, today, &mut errors);
    let lines = parse_lines("products", &input.products, &mut errors);
    let plan = errors.optional_text("plan", &input.plan, 4000);
    let manager = input
        .manager
        .as_ref()
        .and_then(|m| parse_party(&Some(m.clone()), "manager", &mut errors));
    match (customer, name, forecast, close, lines) {
        (Some(customer), Some(name), Some(forecast), Some(close_date), Some(lines)) if errors.is_empty() => {
            Ok(NewOpportunity {
                customer,
                name,
                stage,
                forecast,
                close_date,
                lines,
                plan,
                manager,
            })
        }
        _ => Err(errors),
    }
}

/// What the manager changes; absent fields stay. A later close date is asked for, not set (ROE-3).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpportunityUpdateInput {
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<200>))]
    pub name: Option<String>,
    pub stage: Option<String>,
    pub forecast: Option<MoneyInput>,
    /// An earlier (or the same) forecast close date; a later one needs sales management's approval.
    #[cfg_attr(feature = "openapi", schema(format = Date))]
    pub close_date: Option<String>,
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 200))]
    pub products: Option<Vec<ProductLineInput>>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<4000>))]
    pub plan: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpportunityUpdate {
    pub name: Option<String>,
    pub stage: Option<String>,
    pub forecast: Option<Money>,
    pub close_date: Option<Date>,
    pub lines: Option<Vec<ProductLine>>,
    pub plan: Option<String>,
}

pub fn parse_update(input: &OpportunityUpdateInput, today: Date) -> Result<OpportunityUpdate, FieldErrors> {
    let mut errors = FieldErrors::default();
    let update = OpportunityUpdate {
        name: input.name.as_ref().and_then(|_| errors.text("name", &input.name, 200)),
        stage: errors.optional_text("stage", &input.stage, 60),
        forecast: input
            .forecast
            .as_ref()
            .and_then(|_| parse_money(&input.forecast, "forecast", &mut errors)),
        close_date: close_date("close_date", &input.close_date, today, &mut errors),
        lines: input
            .products
            .as_ref()
            .and_then(|_| parse_lines("products", &input.products, &mut errors)),
        plan: errors.optional_text("plan", &input.plan, 4000),
    };
    errors.into_result(update)
}

/// ROE-1: won, or lost with its reason.
pub fn parse_outcome(input: &CloseInput) -> Result<(Outcome, Option<String>), FieldErrors> {
    let (outcome, reason) = crate::registrations::input::parse_close(input)?;
    if outcome == Outcome::Lost && reason.is_none() {
        return Err(FieldErrors::single("reason", "say why it was lost"));
    }
    Ok((outcome, reason))
}

/// ROE-3: asking sales management to move the forecast close date later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CloseDateRequestInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, format = Date))]
    pub close_date: Option<String>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<2000>))]
    pub reason: Option<String>,
}

pub fn parse_close_date_request(input: &CloseDateRequestInput, today: Date) -> Result<(Date, String), FieldErrors> {
    let mut errors = FieldErrors::default();
    errors.required("close_date", &input.close_date);
    let date = close_date("close_date", &input.close_date, today, &mut errors);
    let reason = errors.text("reason", &input.reason, 2000);
    match (date, reason) {
        (Some(d), Some(r)) if errors.is_empty() => Ok((d, r)),
        _ => Err(errors),
    }
}

/// A yes or no with an optional note: sales management on a close date, the MAM on a team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub approve: Option<bool>,
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::fields::optional_text_schema::<2000>))]
    pub note: Option<String>,
}

pub fn parse_decision(input: &DecisionInput) -> Result<(bool, Option<String>), FieldErrors> {
    let mut errors = FieldErrors::default();
    let approve = errors.required("approve", &input.approve).copied();
    let note = errors.optional_text("note", &input.note, 2000);
    match approve {
        Some(a) if errors.is_empty() => Ok((a, note)),
        _ => Err(errors),
    }
}

/// ROE-5: elevating an account to Major Account, with its manager and plan.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MajorAccountInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, minimum = 1))]
    pub customer_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub manager: Option<PartyInput>,
    /// The Major Account Manager plan: how the account's business is to grow.
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<4000>))]
    pub plan: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MajorAccount {
    pub customer_id: i64,
    pub manager: Party,
    pub plan: String,
}

pub fn parse_major_account(input: &MajorAccountInput) -> Result<MajorAccount, FieldErrors> {
    let mut errors = FieldErrors::default();
    let customer_id = errors.required("customer_id", &input.customer_id).copied();
    if customer_id.is_some_and(|id| id < 1) {
        errors.add("customer_id", "must be a positive id");
    }
    let manager = parse_party(&input.manager, "manager", &mut errors);
    let plan = errors.text("plan", &input.plan, 4000);
    match (customer_id, manager, plan) {
        (Some(customer_id), Some(manager), Some(plan)) if errors.is_empty() => Ok(MajorAccount {
            customer_id,
            manager,
            plan,
        }),
        _ => Err(errors),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub party: Option<PartyInput>,
    /// Basis points: 2500 is 25%.
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, minimum = 1, maximum = 10000)
    )]
    pub share_bp: Option<u32>,
}

/// ROE-2: the revenue-share team asked of the MAM; the shares total 10,000 basis points.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevenueShareInput {
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, nullable = false, min_items = 2, max_items = 10)
    )]
    pub shares: Option<Vec<ShareInput>>,
}

pub fn parse_revenue_share(input: &RevenueShareInput) -> Result<Vec<(Party, u32)>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let shares = errors.required("shares", &input.shares).cloned().unwrap_or_default();
    if input.shares.is_some() && !(2..=10).contains(&shares.len()) {
        errors.add("shares", "name from 2 to 10 parties");
    }
    let mut parsed = Vec::new();
    for (i, share) in shares.iter().enumerate() {
        let party = parse_party(&share.party, &format!("shares[{i}].party"), &mut errors);
        let bp = errors
            .required(&format!("shares[{i}].share_bp"), &share.share_bp)
            .copied();
        if bp.is_some_and(|bp| !(1..=super::WHOLE_BP).contains(&bp)) {
            errors.add(format!("shares[{i}].share_bp"), "must be from 1 to 10,000 basis points");
        }
        if let (Some(party), Some(bp)) = (party, bp) {
            parsed.push((party, bp));
        }
    }
    errors.into_result(parsed)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CoSellInput {
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, minimum = 1))]
    pub partner_id: Option<i64>,
}

pub fn parse_co_sell(input: &CoSellInput) -> Result<i64, FieldErrors> {
    match input.partner_id {
        Some(id) if id >= 1 => Ok(id),
        Some(_) => Err(FieldErrors::single("partner_id", "must be a positive id")),
        None => Err(FieldErrors::single("partner_id", "is required")),
    }
}

/// A note on the shared timeline: 1 to 4,000 characters.
pub fn parse_note(body: &Option<String>) -> Result<String, FieldErrors> {
    let mut errors = FieldErrors::default();
    let text = errors.text("body", body, 4000);
    match text {
        Some(text) if errors.is_empty() => Ok(text),
        _ => Err(errors),
    }
}

/// ROE-5: re-assignment by sales management, of named opportunities or of a partner's open ones
/// (optionally in one region), with a reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReassignInput {
    /// These opportunities; or else every open one of `from_partner_id`.
    #[cfg_attr(feature = "openapi", schema(max_items = 1000))]
    pub opportunity_ids: Option<Vec<i64>>,
    pub from_partner_id: Option<i64>,
    /// With `from_partner_id`: only opportunities in this region.
    pub region_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false))]
    pub to: Option<PartyInput>,
    #[cfg_attr(feature = "openapi", schema(required = true, nullable = false, schema_with = crate::fields::text_schema::<2000>))]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Ids(Vec<i64>),
    PartnersOpen { partner_id: i64, region_id: Option<i64> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reassignment {
    pub selection: Selection,
    pub to: Party,
    pub reason: String,
}

pub fn parse_reassign(input: &ReassignInput) -> Result<Reassignment, FieldErrors> {
    let mut errors = FieldErrors::default();
    let selection = match (&input.opportunity_ids, input.from_partner_id) {
        (Some(ids), None) if (1..=1000).contains(&ids.len()) && ids.iter().all(|id| *id >= 1) => {
            Some(Selection::Ids(ids.clone()))
        }
        (Some(_), None) => {
            errors.add(
                "opportunity_ids",
                "name from 1 to 1,000 opportunities by their positive ids",
            );
            None
        }
        (None, Some(partner_id)) if partner_id >= 1 => Some(Selection::PartnersOpen {
            partner_id,
            region_id: input.region_id,
        }),
        (None, Some(_)) => {
            errors.add("from_partner_id", "must be a positive id");
            None
        }
        (Some(_), Some(_)) => {
            errors.add(
                "opportunity_ids",
                "give either opportunity_ids or from_partner_id, not both",
            );
            None
        }
        (None, None) => {
            errors.add(
                "opportunity_ids",
                "name the opportunities, or a partner whose open ones move",
            );
            None
        }
    };
    if input.region_id.is_some() && input.from_partner_id.is_none() {
        errors.add("region_id", "only with from_partner_id");
    }
    let to = parse_party(&input.to, "to", &mut errors);
    let reason = errors.text("reason", &input.reason, 2000);
    match (selection, to, reason) {
        (Some(selection), Some(to), Some(reason)) if errors.is_empty() => Ok(Reassignment { selection, to, reason }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn fields(errors: FieldErrors) -> Vec<String> {
        errors.0.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn every_missing_field_of_a_new_opportunity_is_named() {
        let err = parse_new_opportunity(&NewOpportunityInput::default(), date(2026, 12, 1)).unwrap_err();
        assert_eq!(fields(err), ["customer", "name", "forecast", "close_date", "products"]);
    }

    #[test]
    fn a_close_date_in_the_past_is_refused() {
        let input = OpportunityUpdateInput {
            close_date: Some("2026-11-30".into()),
            ..Default::default()
        };
        let err = parse_update(&input, date(2026, 12, 1)).unwrap_err();
        assert_eq!(err.0[0].message, "must be today (2026-12-01) or later");
    }

    #[test]
    fn a_lost_opportunity_says_why() {
        let lost = CloseInput {
            outcome: Some("lost".into()),
            reason: None,
        };
        assert_eq!(fields(parse_outcome(&lost).unwrap_err()), ["reason"]);
        let won = CloseInput {
            outcome: Some("won".into()),
            reason: None,
        };
        assert_eq!(parse_outcome(&won), Ok((Outcome::Won, None)));
    }

    #[test]
    fn shares_name_their_bad_rows() {
        let input = RevenueShareInput {
            shares: Some(vec![
                ShareInput {
                    party: Some(PartyInput {
                        kind: Some("partner".into()),
                        id: Some(3),
                    }),
                    share_bp: Some(12_000),
                },
                ShareInput {
                    party: Some(PartyInput {
                        kind: Some("team".into()),
                        id: Some(7),
                    }),
                    share_bp: Some(3000),
                },
            ]),
        };
        assert_eq!(
            fields(parse_revenue_share(&input).unwrap_err()),
            ["shares[0].share_bp", "shares[1].party.kind"]
        );
    }

    #[test]
    fn a_reassignment_names_what_moves_and_why() {
        let err = parse_reassign(&ReassignInput::default()).unwrap_err();
        assert_eq!(fields(err), ["opportunity_ids", "to", "reason"]);
        let bulk = ReassignInput {
            from_partner_id: Some(4),
            region_id: Some(2),
            to: Some(PartyInput {
                kind: Some("partner".into()),
                id: Some(5),
            }),
            reason: Some("Coverage: Mountain region".into()),
            ..Default::default()
        };
        assert_eq!(
            parse_reassign(&bulk).unwrap().selection,
            Selection::PartnersOpen {
                partner_id: 4,
                region_id: Some(2)
            }
        );
    }
}
