//! PRG-1, seed 003: partner levels ("Bronze, Silver and Gold … default commission plans for each")
//! and activation stages ("first contact, ramp-up, fully operational") as data, reviews of a
//! partner's standing, and the plan a partner earns under.

use crate::str_enum::str_enum;
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// A partner level: ranked, with the plan its partners earn under unless one has its own, and the
/// weight lead distribution gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Level {
    pub id: i64,
    /// "Gold".
    pub name: String,
    /// Higher ranks higher: Bronze 1, Silver 2, Gold 3.
    pub rank: u32,
    pub default_plan_id: Option<i64>,
    /// Lead distribution's weight (0 … 100; 0: never offered leads automatically).
    pub lead_weight: u32,
}

/// Levels in the order people read them: the highest rank first, then by name.
pub fn ordered(levels: &mut [Level]) {
    levels.sort_by(|a, b| b.rank.cmp(&a.rank).then_with(|| a.name.cmp(&b.name)));
}

/// An activation stage: where a partner stands in onboarding, in order of `position`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub id: i64,
    /// "Ramp-up".
    pub name: String,
    pub position: u32,
}

/// One entry of a partner's history: from `effective` on, it holds this level and stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelChange {
    pub level_id: Option<i64>,
    pub stage_id: Option<i64>,
    pub effective: Date,
}

/// Issue 15 item 1 (the level and stage history is kept): what the partner held on `date` — the
/// latest change in effect then (of two on one day, the later entry). The level a line's rule is
/// matched by is the one held on the plan's deciding date (DECISIONS 62).
pub fn held_on(history: &[LevelChange], date: Date) -> Option<&LevelChange> {
    history
        .iter()
        .enumerate()
        .filter(|(_, change)| change.effective <= date)
        .max_by_key(|(i, change)| (change.effective, *i))
        .map(|(_, change)| change)
}

/// Where the plan a partner earns under comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PlanSource {
    /// The partner's own plan, set on its page.
    Partner,
    /// Its level's default plan.
    Level,
}
str_enum!(PlanSource { Partner => "partner" as "The partner's own plan", Level => "level" as "Its level's plan" });

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanChoice {
    pub plan_id: i64,
    pub source: PlanSource,
}

/// Seed 003 ("assign your partners a Partner level and Commission Plan"; "default commission plans
/// for each" level): a partner's own plan overrides its level's default; a partner with neither earns
/// nothing.
pub fn plan_for_partner(own_plan_id: Option<i64>, level_plan_id: Option<i64>) -> Option<PlanChoice> {
    match (own_plan_id, level_plan_id) {
        (Some(plan_id), _) => Some(PlanChoice {
            plan_id,
            source: PlanSource::Partner,
        }),
        (None, Some(plan_id)) => Some(PlanChoice {
            plan_id,
            source: PlanSource::Level,
        }),
        (None, None) => None,
    }
}

/// A partner's reviews of level and stage: the latest held and the next planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReviewDates {
    pub latest: Option<Date>,
    pub next: Option<Date>,
}

/// Where a partner's next review stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    NotPlanned,
    Planned,
    DueSoon,
    Due,
}
str_enum!(ReviewStatus {
    NotPlanned => "not_planned" as "No review planned",
    Planned => "planned" as "Review planned",
    DueSoon => "due_soon" as "Review due soon",
    Due => "due" as "Review due",
});

impl ReviewStatus {
    /// The channel manager is reminded of a review due soon or due.
    pub fn reminds(self) -> bool {
        matches!(self, ReviewStatus::DueSoon | ReviewStatus::Due)
    }
}

impl ReviewDates {
    /// Issue 15 item 1: a review is due on its date and after; `remind_days` before it, it is due soon.
    /// `today` is the company's calendar date.
    pub fn status(&self, today: Date, remind_days: u32) -> ReviewStatus {
        let Some(next) = self.next else {
            return ReviewStatus::NotPlanned;
        };
        if today >= next {
            ReviewStatus::Due
        } else if today.saturating_add(i64::from(remind_days).days()) >= next {
            ReviewStatus::DueSoon
        } else {
            ReviewStatus::Planned
        }
    }

    /// A review held on `held`: it becomes the latest, and the next falls `interval_months` later.
    pub fn after_review(held: Date, interval_months: u32) -> ReviewDates {
        ReviewDates {
            latest: Some(held),
            next: Some(held.saturating_add(i64::from(interval_months).months())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn level(id: i64, name: &str, rank: u32, plan: Option<i64>) -> Level {
        Level {
            id,
            name: name.into(),
            rank,
            default_plan_id: plan,
            lead_weight: rank,
        }
    }

    #[test]
    fn a_partners_own_plan_overrides_its_levels() {
        let gold = level(3, "Gold", 3, Some(30));
        assert_eq!(
            plan_for_partner(None, gold.default_plan_id),
            Some(PlanChoice {
                plan_id: 30,
                source: PlanSource::Level
            })
        );
        assert_eq!(
            plan_for_partner(Some(99), gold.default_plan_id),
            Some(PlanChoice {
                plan_id: 99,
                source: PlanSource::Partner
            })
        );
        assert_eq!(
            plan_for_partner(None, level(1, "Bronze", 1, None).default_plan_id),
            None
        );
        assert_eq!(plan_for_partner(None, None), None);
    }

    #[test]
    fn the_level_held_on_a_date_is_the_latest_change_by_then() {
        let change = |level, day| LevelChange {
            level_id: Some(level),
            stage_id: None,
            effective: day,
        };
        let history = [
            change(1, date(2025, 1, 10)),
            change(3, date(2025, 4, 1)),
            change(2, date(2025, 4, 1)),
        ];
        assert_eq!(held_on(&history, date(2025, 1, 9)), None);
        assert_eq!(held_on(&history, date(2025, 3, 31)).unwrap().level_id, Some(1));
        assert_eq!(held_on(&history, date(2025, 4, 1)).unwrap().level_id, Some(2));
    }

    #[test]
    fn levels_read_highest_first() {
        let mut levels = vec![
            level(1, "Bronze", 1, None),
            level(3, "Gold", 3, None),
            level(2, "Silver", 2, None),
        ];
        ordered(&mut levels);
        let names: Vec<_> = levels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Gold", "Silver", "Bronze"]);
    }

    #[test]
    fn reviews_remind_before_they_are_due() {
        let reviews = ReviewDates::after_review(date(2026, 1, 15), 6);
        assert_eq!(reviews.next, Some(date(2026, 7, 15)));
        assert_eq!(reviews.status(date(2026, 6, 30), 14), ReviewStatus::Planned);
        assert_eq!(reviews.status(date(2026, 7, 1), 14), ReviewStatus::DueSoon);
        assert_eq!(reviews.status(date(2026, 7, 15), 14), ReviewStatus::Due);
        assert_eq!(reviews.status(date(2026, 9, 1), 14), ReviewStatus::Due);
        assert!(ReviewStatus::DueSoon.reminds() && !ReviewStatus::Planned.reminds());
        assert_eq!(
            ReviewDates::default().status(date(2026, 7, 1), 14),
            ReviewStatus::NotPlanned
        );
        // Month ends clamp: a review on 31 August, six months on, is due on the last day of February.
        assert_eq!(
            ReviewDates::after_review(date(2026, 8, 31), 6).next,
            Some(date(2027, 2, 28))
        );
    }
}
