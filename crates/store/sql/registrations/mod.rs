//! Registrations (REG-1 … REG-7).

mod discussion;
pub(crate) mod lifecycle;
pub(crate) mod matching;
pub(crate) mod rows;
pub(crate) mod sweeps;

use crate::sql::audit::audit_entry_from_row;
use crate::sql::directory::customers::resolve_customer;
use crate::sql::directory::load_settings;
use crate::sql::kit::*;
use crate::sql::orders::links::order_links;
use crate::sql::registrations::lifecycle::{
    deciders, next_sor_number, record_change, reload_for_decision, take_claims, tell_submitter, transition,
};
use crate::sql::registrations::matching::{find_matches, identity_of};
use crate::sql::registrations::rows::{
    Filing, REG_CONTACT_COLUMNS, change_request_from_row, conflicts_json, contact_from_row, insert_lines,
    insert_registration, load_change_request, load_lines, load_reg, present, products_for, redact_conflicts, reload,
    route_submission, snapshot,
};
use crate::sql::write::Change;

#[async_trait]
impl RegistrationStore for SqlStore {
    async fn submit_registration(
        &self,
        actor: &Actor,
        registration: NewRegistration,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let partner_id = policy::can_submit(actor)
            .ok_or_else(|| StoreError::Forbidden("only partner users submit registrations".into()))?;
        let mut tx = self.begin(Some(actor), now).await?;
        let settings = load_settings(&mut tx).await?;
        if registration.estimated_value.currency != settings.currency {
            return Err(StoreError::invalid(
                "estimated_value.currency",
                format!("must be the program currency, {}", settings.currency),
            ));
        }
        let (partner_name, approver_id) = route_submission(&mut tx, partner_id, &settings).await?;
        let lines = products_for(&mut tx, "products", &registration.lines).await?;
        let customer_id = resolve_customer(&mut tx, &registration.customer, now).await?;
        let skus: Vec<String> = registration.lines.iter().map(|l| l.sku.clone()).collect();
        let matches = find_matches(
            &mut tx,
            &registration.customer.identity(),
            Some(customer_id),
            &skus,
            Some(partner_id),
            None,
        )
        .await?;
        let filing = Filing {
            partner_id,
            customer_id,
            approver_id,
            submitted_by: actor.user_id,
            matches: &matches,
        };
        let id = insert_registration(&mut tx, &registration, filing, now).await?;
        insert_lines(&mut tx, id, &lines).await?;
        let (reg, lines) = reload(&mut tx, id).await?;
        tx.audit(Change {
            action: "registration.submit",
            entity_type: "registration",
            entity_id: id,
            before: None,
            after: Some(&snapshot(&reg, &lines)),
        })
        .await?;
        let draft = notify::submitted(
            id,
            &partner_name,
            &reg.customer.name,
            reg.estimated_value,
            matches.iter().any(|m| m.is_conflict),
        );
        for recipient in deciders(&mut tx, approver_id).await? {
            tx.notify(
                &format!("submitted:{id}:{recipient}"),
                recipient,
                &draft,
                ("registration", id),
            )
            .await?;
        }
        let submitted = present(reg, lines, None, actor);
        tx.commit_answering(&submitted).await?;
        Ok(submitted)
    }

    async fn get_registration(&self, actor: &Actor, id: i64) -> StoreResult<Registration> {
        let mut conn = self.read.acquire().await?;
        let reg = load_reg(&mut conn, id).await?;
        check(
            access::can_view(actor, reg.partner_id),
            "registration",
            "view this registration",
        )?;
        let mut reg = reg;
        let lines = load_lines(&mut conn, id).await?;
        if reg.status == Status::Submitted && actor.is_staff() {
            // Current for whoever decides: registrations filed since this one may resemble it.
            let skus: Vec<String> = lines.iter().map(|l| l.line.sku.clone()).collect();
            let identity = identity_of(&reg.customer);
            reg.conflicts = find_matches(
                &mut conn,
                &identity,
                Some(reg.customer.id),
                &skus,
                Some(reg.partner_id),
                Some(id),
            )
            .await?;
            reg.possible_conflict = reg.conflicts.iter().any(|m| m.is_conflict);
        }
        let orders = order_links(&mut conn, actor, &reg).await?;
        Ok(present(reg, lines, orders, actor))
    }

    async fn list_registrations(
        &self,
        actor: &Actor,
        filter: RegistrationFilter,
        page: PageRequest,
    ) -> StoreResult<Page<RegistrationSummary>> {
        let mut qb = QueryBuilder::<Db>::new(format!(
            "SELECT r.id, r.partner_id, p.name AS partner_name, r.status, r.customer_id, r.customer_name, \
                 r.est_value_minor, r.currency, r.expected_close, r.sor_number, r.valid_through, r.submitted_us, \
                 r.possible_conflict, r.approver_id, {REG_CONTACT_COLUMNS} \
                 FROM registrations r JOIN partners p ON p.id = r.partner_id WHERE "
        ));
        push_keyset(&mut qb, "r.id", &page, filter.oldest_first);
        if let Some(approver) = filter.approver_id {
            qb.push(" AND r.approver_id = ").push_bind(approver);
        }
        if let Some(region) = filter.region_id {
            qb.push(" AND p.region_id = ").push_bind(region);
        }
        if let Some(before) = filter.submitted_before {
            qb.push(" AND r.submitted_us < ").push_bind(us(before));
        }
        if actor.role.is_partner() {
            qb.push(" AND r.partner_id = ")
                .push_bind(actor.partner_id.unwrap_or(-1));
        }
        if let Some(partner) = filter.partner_id {
            qb.push(" AND r.partner_id = ").push_bind(partner);
        }
        if let Some(status) = filter.status {
            qb.push(" AND r.status = ").push_bind(status.as_str());
        }
        if let Some(customer) = filter.customer_id {
            qb.push(" AND r.customer_id = ").push_bind(customer);
        }
        if let Some(before) = filter.expiring_before {
            qb.push(" AND r.status = 'approved' AND r.valid_through <= ")
                .push_bind(before.to_string());
        }
        if let Some(before) = filter.close_date_before {
            qb.push(" AND r.status = 'approved' AND r.expected_close < ")
                .push_bind(before.to_string());
        }
        if filter.without_pending_request {
            // The partial unique index `change_requests_one_pending` answers this per registration.
            qb.push(
                " AND NOT EXISTS (SELECT 1 FROM change_requests q WHERE q.registration_id = r.id AND q.status = 'pending')",
            );
        }
        if let Some(text) = filter.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let escaped = text
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            qb.push(" AND (LOWER(r.customer_name) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR LOWER(p.name) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR LOWER(r.sor_number) LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
        push_page_order(&mut qb, "r.id", &page, filter.oldest_first);
        let rows = qb.build().fetch_all(&self.read).await?;
        let items = rows
            .iter()
            .map(|row| {
                let partner_id = get(row, "partner_id")?;
                let sees_contact = policy::sees_contact(actor, partner_id, get(row, "approver_id")?);
                Ok(RegistrationSummary {
                    id: get(row, "id")?,
                    partner_id,
                    partner_name: get(row, "partner_name")?,
                    status: Status::parse(&get::<String>(row, "status")?).map_err(corrupt)?,
                    customer_id: get(row, "customer_id")?,
                    customer_name: get(row, "customer_name")?,
                    customer_contact: contact_from_row(row)?.filter(|_| sees_contact),
                    estimated_value: Money {
                        amount_minor: get(row, "est_value_minor")?,
                        currency: parse_currency(&get::<String>(row, "currency")?)?,
                    },
                    expected_close_date: parse_date(&get::<String>(row, "expected_close")?)?,
                    sor_number: get(row, "sor_number")?,
                    valid_through: get::<Option<String>>(row, "valid_through")?
                        .as_deref()
                        .map(parse_date)
                        .transpose()?,
                    submitted_at: at(get(row, "submitted_us")?),
                    possible_conflict: get(row, "possible_conflict")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Page::from_rows(items, &page, |r| r.id))
    }

    async fn approve_registration(
        &self,
        actor: &Actor,
        id: i64,
        approval: Approval,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let mut tx = self.begin(Some(actor), now).await?;
        let (reg, lines) = reload_for_decision(&mut tx, actor, id).await?;
        reg.status.apply(Action::Approve)?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        let valid_through = rules::resolve_validity(
            approval.validity,
            today,
            settings.default_validity_days,
            settings.max_validity_days,
        )
        .map_err(|e| StoreError::invalid("valid_through", e.to_string()))?;
        // Checked again at approval: registrations filed since submission count too.
        let skus: Vec<String> = lines.iter().map(|l| l.line.sku.clone()).collect();
        let matches = find_matches(
            &mut tx,
            &identity_of(&reg.customer),
            Some(reg.customer.id),
            &skus,
            Some(reg.partner_id),
            Some(id),
        )
        .await?;
        let blocking: Vec<ConflictMatch> = matches
            .iter()
            .filter(|m| rules::stands_in_the_way(m.is_conflict, m.status, m.registration_id, id))
            .cloned()
            .collect();
        if !blocking.is_empty() && !approval.acknowledge_conflicts {
            return Err(StoreError::Conflict {
                message: format!(
                    "{} other registration(s) may be the same opportunity and were filed first or are approved; \
                     review them and approve again with acknowledge_conflicts=true if they are different opportunities",
                    blocking.len()
                ),
                matches: blocking,
            });
        }
        take_claims(&mut tx, &reg, &lines).await?;
        let sor = next_sor_number(&mut tx, today).await?.to_string();
        sqlx::query(
            "UPDATE registrations SET status = 'approved', sor_number = $1, valid_through = $2, decided_by = $3, decided_us = $4, approved_us = $4, \
             decision_reason = $5, possible_conflict = $6, conflicts = $7 WHERE id = $8",
        )
        .bind(&sor)
        .bind(valid_through.to_string())
        .bind(actor.user_id)
        .bind(us(now))
        .bind(&approval.note)
        .bind(matches.iter().any(|m| m.is_conflict))
        .bind(conflicts_json(&matches)?)
        .bind(id)
        .execute(&mut *tx)
        .await
        .on_unique("SOR number already issued")?;
        crate::sql::opportunities::link_approved_registration(&mut tx, &reg, &lines).await?;
        let (after, after_lines) = record_change(&mut tx, "registration.approve", (&reg, &lines)).await?;
        let draft = notify::approved(id, &sor, &after.customer.name, valid_through);
        tell_submitter(&mut tx, &after, &format!("approved:{id}"), &draft).await?;
        tx.commit().await?;
        Ok(present(after, after_lines, None, actor))
    }

    async fn decline_registration(
        &self,
        actor: &Actor,
        id: i64,
        reason: String,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let mut tx = self.begin(Some(actor), now).await?;
        let (reg, lines) = reload_for_decision(&mut tx, actor, id).await?;
        transition(&mut tx, &reg, Action::Decline, actor, Some(&reason), now).await?;
        let (after, after_lines) = record_change(&mut tx, "registration.decline", (&reg, &lines)).await?;
        let draft = notify::declined(id, &after.customer.name, &reason);
        tell_submitter(&mut tx, &after, &format!("declined:{id}"), &draft).await?;
        tx.commit().await?;
        Ok(present(after, after_lines, None, actor))
    }

    async fn withdraw_registration(
        &self,
        actor: &Actor,
        id: i64,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        self.close_with(actor, id, Action::Withdraw, reason, now).await
    }

    async fn close_registration(
        &self,
        actor: &Actor,
        id: i64,
        outcome: Outcome,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<Registration> {
        let action = match outcome {
            Outcome::Won => Action::CloseWon,
            Outcome::Lost => Action::CloseLost,
        };
        self.close_with(actor, id, action, reason, now).await
    }

    async fn request_change(
        &self,
        actor: &Actor,
        registration_id: i64,
        change: ChangeRequest,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<ChangeRequestRecord> {
        let mut tx = self.begin(Some(actor), now).await?;
        let reg = load_reg(&mut tx, registration_id).await?;
        check(
            policy::can_request_change(actor, reg.partner_id),
            "registration",
            "request changes; partners ask for their own registrations",
        )?;
        rules::check_request_allowed(reg.status).map_err(StoreError::conflict)?;
        let settings = load_settings(&mut tx).await?;
        let today = business_date(now, &settings.zone());
        match &change {
            ChangeRequest::Extension { valid_through } => {
                let current = reg
                    .valid_through
                    .ok_or_else(|| StoreError::Database("approved registration without validity".into()))?;
                rules::check_extension(*valid_through, current, today, settings.max_validity_days)
                    .map_err(|e| StoreError::invalid("valid_through", e.to_string()))?;
            }
            ChangeRequest::Update {
                lines, estimated_value, ..
            } => {
                if let Some(lines) = lines {
                    products_for(&mut tx, "products", lines).await?;
                }
                if estimated_value.is_some_and(|v| v.currency != settings.currency) {
                    return Err(StoreError::invalid(
                        "estimated_value.currency",
                        format!("must be the program currency, {}", settings.currency),
                    ));
                }
            }
        }
        let change_json = serde_json::to_string(&change).map_err(|e| StoreError::Database(e.to_string()))?;
        let row = sqlx::query(
            "INSERT INTO change_requests (registration_id, kind, change, status, reason, requested_by, requested_us) \
             VALUES ($1, $2, $3, 'pending', $4, $5, $6) RETURNING *",
        )
        .bind(registration_id)
        .bind(change.kind().as_str())
        .bind(change_json)
        .bind(&reason)
        .bind(actor.user_id)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await
        .on_unique("a request for this registration is already pending; wait for its decision")?;
        let request = change_request_from_row(&row)?;
        tx.audit(Change {
            action: "request.create",
            entity_type: "registration",
            entity_id: registration_id,
            before: None,
            after: Some(&json!(request)),
        })
        .await?;
        let draft = notify::change_requested(registration_id, change.kind(), &reg.partner_name, &reg.customer.name);
        for recipient in deciders(&mut tx, reg.approver_id).await? {
            tx.notify(
                &format!("request:{}:{recipient}", request.id),
                recipient,
                &draft,
                ("registration", registration_id),
            )
            .await?;
        }
        tx.commit_answering(&request).await?;
        Ok(request)
    }

    async fn decide_change(
        &self,
        actor: &Actor,
        request_id: i64,
        approve: bool,
        reason: Option<String>,
        now: Timestamp,
    ) -> StoreResult<ChangeRequestRecord> {
        let mut tx = self.begin(Some(actor), now).await?;
        let request = load_change_request(&mut tx, request_id).await?;
        let (reg, lines) = reload(&mut tx, request.registration_id).await?;
        check(
            policy::can_decide(actor, reg.partner_id, reg.approver_id),
            "request",
            "decide this request",
        )?;
        rules::check_request_decidable(request.status, reg.status).map_err(StoreError::conflict)?;
        if approve {
            let change: ChangeRequest =
                serde_json::from_value(request.change.clone()).map_err(|e| corrupt(e.to_string()))?;
            self.apply_change(&mut tx, &reg, &change, now).await?;
        }
        let status = if approve {
            RequestStatus::Approved
        } else {
            RequestStatus::Declined
        };
        let row = sqlx::query(
            "UPDATE change_requests SET status = $1, decided_by = $2, decided_us = $3, decision_reason = $4 WHERE id = $5 RETURNING *",
        )
        .bind(status.as_str())
        .bind(actor.user_id)
        .bind(us(now))
        .bind(&reason)
        .bind(request_id)
        .fetch_one(&mut *tx)
        .await?;
        let decided = change_request_from_row(&row)?;
        let (after, after_lines) = reload(&mut tx, reg.id).await?;
        tx.audit(Change {
            action: if approve { "request.approve" } else { "request.decline" },
            entity_type: "registration",
            entity_id: reg.id,
            before: Some(&snapshot(&reg, &lines)),
            after: Some(&json!({"request": decided, "registration": snapshot(&after, &after_lines)})),
        })
        .await?;
        let draft = notify::change_decided(reg.id, decided.kind, approve, &reg.customer.name, reason.as_deref());
        tx.notify(
            &format!("request-decided:{request_id}"),
            decided.requested_by,
            &draft,
            ("registration", reg.id),
        )
        .await?;
        tx.commit().await?;
        Ok(decided)
    }

    async fn list_change_requests(&self, actor: &Actor, registration_id: i64) -> StoreResult<Vec<ChangeRequestRecord>> {
        let mut conn = self.read.acquire().await?;
        let reg = load_reg(&mut conn, registration_id).await?;
        check(
            access::can_view(actor, reg.partner_id),
            "registration",
            "view this registration",
        )?;
        let rows = sqlx::query("SELECT * FROM change_requests WHERE registration_id = $1 ORDER BY id")
            .bind(registration_id)
            .fetch_all(&mut *conn)
            .await?;
        rows.iter().map(change_request_from_row).collect()
    }

    async fn pending_change_requests(&self, actor: &Actor, limit: u32) -> StoreResult<Vec<PendingChangeRequest>> {
        if !policy::can_decide_registrations(actor) {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT c.*, p.name AS partner_name, p.region_id, r.customer_name, r.sor_number, r.valid_through \
             FROM change_requests c JOIN registrations r ON r.id = c.registration_id \
             JOIN partners p ON p.id = r.partner_id WHERE c.status = 'pending'",
        );
        if !access::can_administer(actor) {
            qb.push(" AND r.approver_id = ").push_bind(actor.user_id);
        }
        qb.push(" ORDER BY c.id LIMIT ").push_bind(i64::from(limit));
        let rows = qb.build().fetch_all(&self.read).await?;
        rows.iter()
            .map(|row| {
                Ok(PendingChangeRequest {
                    request: change_request_from_row(row)?,
                    partner_name: get(row, "partner_name")?,
                    region_id: get(row, "region_id")?,
                    customer_name: get(row, "customer_name")?,
                    sor_number: get(row, "sor_number")?,
                    valid_through: get::<Option<String>>(row, "valid_through")?
                        .as_deref()
                        .map(parse_date)
                        .transpose()?,
                })
            })
            .collect()
    }

    async fn check_claim(&self, actor: &Actor, customer: Customer, skus: Vec<String>) -> StoreResult<ClaimStatus> {
        let mut conn = self.read.acquire().await?;
        let matches = find_matches(
            &mut conn,
            &customer.identity(),
            None,
            &skus,
            actor.confined_to_partner(),
            None,
        )
        .await?;
        Ok(if matches.iter().any(|m| m.is_conflict) {
            ClaimStatus::Claimed
        } else {
            ClaimStatus::Free
        })
    }

    async fn registration_history(&self, actor: &Actor, id: i64) -> StoreResult<Vec<AuditEntry>> {
        let mut conn = self.read.acquire().await?;
        let reg = load_reg(&mut conn, id).await?;
        check(
            access::can_view(actor, reg.partner_id),
            "registration",
            "view this registration",
        )?;
        let rows =
            sqlx::query("SELECT * FROM audit_log WHERE entity_type = 'registration' AND entity_id = $1 ORDER BY id")
                .bind(id)
                .fetch_all(&mut *conn)
                .await?;
        let mut entries = rows.iter().map(audit_entry_from_row).collect::<StoreResult<Vec<_>>>()?;
        if actor.role.is_partner() {
            for entry in &mut entries {
                for state in [&mut entry.before, &mut entry.after].into_iter().flatten() {
                    redact_conflicts(state);
                }
            }
        }
        Ok(entries)
    }
}
