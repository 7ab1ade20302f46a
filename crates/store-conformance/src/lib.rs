//! The behaviour every store backend must show, one module per feature family. Each backend's
//! `tests/conformance` binary runs every case against a fresh database with [`conformance_tests!`].
//! The fixtures here — the [`World`] every case starts from — are also the world `testkit` serves.
//!
//! Dates are concrete: the suite's "today" is 2026-11-22 (UTC) unless a case moves the clock.

pub mod access;
pub mod audit;
pub mod commissions;
pub mod directory;
pub mod idempotency;
pub mod invoices;
pub mod jobs;
pub mod leads;
pub mod opportunities;
pub mod orders;
pub mod registrations;
pub mod reports;

use domain::access::input::Email;
use domain::directory::customers::CustomerInput;
use domain::directory::products::ProductLineInput;
use domain::directory::{ActivationStage, PartnerLevel};
use domain::money::MoneyInput;
use domain::registrations::ValidityChoice;
use domain::registrations::input::{Approval, NewRegistrationInput, parse_new_registration};
use domain::{Actor, Currency, Role};
use jiff::civil::date;
use std::sync::Arc;
use store::{NewUserRecord, Notification, PageRequest, Registration, Store};

/// Runs every conformance case as its own test, in one module per feature family, named as the
/// case's module here: `registrations::matching::claim_check_answers_only_claimed_or_free`.
/// `$factory` is an async fn in scope where the macro is invoked, returning a fresh, migrated,
/// empty `Arc<dyn Store>`. A new case is listed here, under its module.
#[macro_export]
macro_rules! conformance_tests {
    ($factory:ident) => {
        $crate::conformance_tests!(@family $factory; access:
            browser_sessions_are_kept_until_their_user_is_signed_out,
            sign_in_attempts_are_counted_before_the_password_is_checked,
            reset_links_are_secret_single_and_few,
            api_tokens_may_expire,
            administrators_edit_users_with_an_audit_entry,
            a_users_tokens_are_listed_for_administrators,
            the_names_of_several_users_are_read_at_once
        );
        $crate::conformance_tests!(@family $factory; audit: the_audit_trail_verifies_and_tells_the_history);
        $crate::conformance_tests!(@family $factory; commissions:
            a_paid_invoice_earns_and_its_refund_claws_back,
            partial_payments_earn_by_the_programs_policy,
            periods_confirm_once_complete_and_carry_below_the_minimum,
            the_sweep_confirms_complete_periods_and_sends_statements,
            volume_tiers_count_the_partners_quarter,
            levels_plans_and_partners_keep_to_their_own
        );
        $crate::conformance_tests!(@family $factory; directory:
            master_data_is_validated_and_unique,
            price_versions_apply_from_their_date_and_imports_are_whole,
            partners_are_renamed_and_moved_by_administrators
        );
        $crate::conformance_tests!(@family $factory; idempotency:
            idempotency_keys_keep_the_first_response,
            a_committed_write_is_replayed_after_its_answer_was_lost,
            a_key_is_in_progress_only_while_its_request_runs
        );
        $crate::conformance_tests!(@family $factory; jobs:
            expiry_and_reminders_run_once_however_often_swept,
            outbox_leases_hand_each_message_to_one_worker,
            notifications_are_read_by_their_recipient_only
        );
        $crate::conformance_tests!(@family $factory; opportunities:
            an_approved_registration_makes_its_partner_the_manager,
            rights_cover_the_forecast_until_the_grace_ends,
            a_later_close_date_waits_for_sales_management,
            a_major_account_turns_business_over_and_shares_only_with_consent,
            a_new_opportunity_on_a_major_account_goes_to_its_mam,
            a_won_renewal_keeps_its_manager_until_sales_management_moves_the_stream,
            co_sell_partners_follow_the_shared_timeline,
            a_partner_without_a_level_opens_nothing

        );
        $crate::conformance_tests!(@family $factory; invoices:
            an_invoice_is_paid_in_parts_and_credited_line_by_line,
            an_unpaid_invoice_is_cancelled_or_credited_away,
            an_order_is_invoiced_to_its_partner_and_partners_see_their_own,
            an_invoice_file_imports_whole_or_not_at_all
        );
        $crate::conformance_tests!(@family $factory; leads:
            leads_go_to_the_nearest_partner_by_the_rules_and_say_why,
            a_declined_lead_goes_to_the_next_partner_and_never_back,
            weight_zero_and_a_full_partner_are_skipped,
            a_lead_without_a_country_waits_for_a_person,
            partners_see_and_answer_only_their_own_leads,
            lead_imports_are_whole_and_distributed
        );
        $crate::conformance_tests!(@family $factory; orders:
            orders_are_priced_under_a_valid_sor_and_by_policy_without,
            an_expired_sor_refuses_boards_but_prices_accessories,
            the_same_po_is_entered_once,
            an_unknown_sku_refuses_its_line_not_the_po,
            orders_are_private_to_their_partner,
            follow_on_orders_draw_down_the_sor_and_closing_links_them
        );
        $crate::conformance_tests!(@family $factory; registrations:
            submission_is_routed_to_the_regional_manager,
            fallback_approver_decides_when_the_region_has_none,
            approval_issues_sequential_sor_numbers_and_validity,
            concurrent_approvals_never_duplicate_or_skip_sor_numbers,
            partners_never_see_each_others_registrations,
            decline_records_the_reason_and_tells_the_partner,
            invalid_transitions_name_what_is_allowed,
            withdrawal_releases_the_protection,
            lists_filter_and_page,
            the_customer_contact_is_stored_for_its_partner_and_approver;
          discussion:
            both_sides_discuss_a_registration_and_no_one_else_does,
            each_side_sees_the_questions_waiting_for_its_answer;
          matching:
            conflicts_are_found_across_spelling_variants,
            approval_needs_acknowledgement_when_another_partner_filed_first,
            two_partners_never_hold_the_same_customer_and_product,
            concurrent_approvals_of_one_opportunity_approve_exactly_one,
            claim_check_answers_only_claimed_or_free;
          requests:
            extension_requests_are_asked_by_the_partner_and_decided_by_the_manager,
            update_requests_move_the_claims,
            lists_leave_out_registrations_with_a_pending_request
        );
        $crate::conformance_tests!(@family $factory; reports: dashboard_figures_aggregate_by_week);
    };
    // A family's test module, with one nested module per submodule of the family.
    (@family $factory:ident; $family:ident: $($case:ident),+ $(; $sub:ident: $($sub_case:ident),+)*) => {
        mod $family {
            $crate::conformance_tests!(@cases $factory; $family; $($case),+);
            $(
                mod $sub {
                    $crate::conformance_tests!(@cases $factory; $family::$sub; $($sub_case),+);
                }
            )*
        }
    };
    (@cases $factory:ident; $($module:ident)::+; $($case:ident),+) => {
        use super::$factory;
        use $crate::$($module)::+ as cases;
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                cases::$case($factory().await).await;
            }
        )+
    };
}

pub fn ts(raw: &str) -> jiff::Timestamp {
    raw.parse().expect("timestamp literal")
}

/// 2026-11-22, 10:00 UTC.
pub fn today() -> jiff::Timestamp {
    ts("2026-11-22T10:00:00Z")
}

/// A program with two regions, three partners and a small price list.
pub struct World {
    pub store: Arc<dyn Store>,
    pub admin: Actor,
    pub order_entry: Actor,
    /// Regional manager of "West" (partners A and B).
    pub west_manager: Actor,
    /// Regional manager of "East" (partner C).
    pub east_manager: Actor,
    pub partner_a: Actor,
    pub partner_b: Actor,
    pub partner_c: Actor,
    pub region_without_manager: i64,
}

async fn user(store: &dyn Store, email: &str, role: Role, partner_id: Option<i64>) -> Actor {
    let user = store
        .create_user(
            None,
            NewUserRecord {
                email: Email::parse(email).unwrap(),
                display_name: email.to_owned(),
                role,
                partner_id,
                password_hash: None,
            },
            today(),
        )
        .await
        .unwrap();
    Actor {
        user_id: user.id,
        email: user.email,
        role,
        partner_id,
    }
}

async fn partner(store: &dyn Store, name: &str, region_id: i64) -> i64 {
    store
        .create_partner(
            None,
            domain::directory::input::NewPartner {
                name: name.to_owned(),
                level: PartnerLevel::Gold,
                activation_stage: ActivationStage::FullyOperational,
                region_id,
                reach: Default::default(),
            },
            today(),
        )
        .await
        .unwrap()
        .id
}

pub async fn world(store: Arc<dyn Store>) -> World {
    let s = store.as_ref();
    let admin = user(s, "admin@vendor.example", Role::Admin, None).await;
    let west_manager = user(s, "west@vendor.example", Role::ChannelManager, None).await;
    let east_manager = user(s, "east@vendor.example", Role::ChannelManager, None).await;
    let west = s
        .create_region(None, "West", Some(west_manager.user_id), today())
        .await
        .unwrap();
    let east = s
        .create_region(None, "East", Some(east_manager.user_id), today())
        .await
        .unwrap();
    let orphan = s.create_region(None, "Islands", None, today()).await.unwrap();
    let a = partner(s, "Northwind AV", west.id).await;
    let b = partner(s, "Contoso Classrooms", west.id).await;
    let c = partner(s, "Fabrikam Integration", east.id).await;
    let partner_a = user(s, "ann@northwind.example", Role::PartnerUser, Some(a)).await;
    let partner_b = user(s, "bob@contoso.example", Role::PartnerAdmin, Some(b)).await;
    let partner_c = user(s, "cat@fabrikam.example", Role::PartnerUser, Some(c)).await;
    let order_entry = user(s, "orders@vendor.example", Role::OrderEntry, None).await;
    // The issue's numbers: list 5,000.00, partner 3,500.00, Commercial MSRP 4,999.00, GOV/ED RRSP 4,599.00.
    for (sku, name, accessory, prices) in [
        (
            "MB-100",
            "MimioBoard 100 interactive display",
            false,
            [500_000, 350_000, 499_900, 459_900],
        ),
        (
            "MB-200",
            "MimioBoard 200 interactive display",
            false,
            [500_000, 350_000, 499_900, 459_900],
        ),
        ("PEN-2", "Replacement pen, 2 pack", true, [4_900, 3_200, 4_500, 4_100]),
    ] {
        let [list, partner_price, msrp, rrsp] = prices;
        s.create_product(
            None,
            domain::directory::products::NewProduct {
                sku: sku.into(),
                name: name.into(),
                category: if accessory {
                    "accessories".into()
                } else {
                    "displays".into()
                },
                is_accessory: accessory,
                list_price_minor: list,
                partner_price_minor: partner_price,
                msrp_minor: msrp,
                rrsp_minor: rrsp,
                currency: Currency::parse("USD").unwrap(),
                maintenance_term_months: None,
                effective_from: None,
            },
            today(),
        )
        .await
        .unwrap();
    }
    World {
        store,
        admin,
        order_entry,
        west_manager,
        east_manager,
        partner_a,
        partner_b,
        partner_c,
        region_without_manager: orphan.id,
    }
}

pub fn customer(name: &str, domain: Option<&str>, city: &str) -> CustomerInput {
    CustomerInput {
        name: Some(name.into()),
        domain: domain.map(Into::into),
        tax_id: None,
        city: Some(city.into()),
        postal_code: Some("62701".into()),
        country: Some("US".into()),
        segment: Some("education".into()),
    }
}

pub fn registration(customer: CustomerInput, skus: &[&str]) -> domain::registrations::input::NewRegistration {
    let input = NewRegistrationInput {
        customer: Some(customer),
        customer_contact: None,
        products: Some(
            skus.iter()
                .map(|s| ProductLineInput {
                    sku: Some((*s).into()),
                    quantity: Some(10),
                })
                .collect(),
        ),
        estimated_value: Some(MoneyInput {
            amount_minor: Some(3_500_000),
            currency: Some("USD".into()),
        }),
        expected_close_date: Some("2027-01-31".into()),
        description: None,
    };
    parse_new_registration(&input, date(2026, 11, 22)).unwrap()
}

/// Product lines as forms and the API send them: (SKU, quantity).
pub fn product_lines(lines: &[(&str, i64)]) -> Vec<ProductLineInput> {
    lines
        .iter()
        .map(|(sku, quantity)| ProductLineInput {
            sku: Some((*sku).into()),
            quantity: Some(*quantity),
        })
        .collect()
}

pub fn approval(acknowledge: bool) -> Approval {
    Approval {
        validity: ValidityChoice::ProgramDefault,
        acknowledge_conflicts: acknowledge,
        note: None,
    }
}

/// Files a registration for `name` in Springfield as `who`, on 2026-11-22.
pub async fn submit(w: &World, who: &Actor, name: &str, skus: &[&str]) -> Registration {
    w.store
        .submit_registration(who, registration(customer(name, None, "Springfield"), skus), today())
        .await
        .unwrap()
}

async fn notifications(w: &World, who: &Actor) -> Vec<Notification> {
    w.store
        .list_notifications(who, PageRequest::default())
        .await
        .unwrap()
        .items
}
