//! A registration's discussion: comments and attached files (issue 13).

use crate::sql::kit::*;
use crate::sql::registrations::lifecycle::deciders;
use crate::sql::registrations::rows::{RegRow, load_reg};
use crate::sql::write::{Change, Write};
use domain::registrations::discussion::{self, AwaitedFrom, FileKind, NewAttachment};

/// Comments with their authors; `{COMMENTS} WHERE …`.
const COMMENTS: &str =
    "SELECT c.*, u.display_name, u.role FROM registration_comments c JOIN users u ON u.id = c.author_id";
const ATTACHMENT_COLUMNS: &str = "a.id, a.registration_id, a.uploaded_by, u.display_name, a.file_name, a.kind, \
     a.size_bytes, a.sha256, a.created_us";

async fn load_for_discussion(conn: &mut Conn, actor: &Actor, registration_id: i64) -> StoreResult<RegRow> {
    let reg = load_reg(conn, registration_id).await?;
    check(
        discussion::can_discuss(actor, reg.partner_id),
        "registration",
        "take part in this registration's discussion",
    )?;
    Ok(reg)
}

fn comment_from_row(row: &DbRow) -> StoreResult<Comment> {
    Ok(Comment {
        id: get(row, "id")?,
        registration_id: get(row, "registration_id")?,
        author_id: get(row, "author_id")?,
        author_name: get(row, "display_name")?,
        author_role: Role::parse(&get::<String>(row, "role")?).map_err(corrupt)?,
        body: get(row, "body")?,
        created_at: at(get(row, "created_us")?),
    })
}

fn attachment_from_row(row: &DbRow) -> StoreResult<Attachment> {
    Ok(Attachment {
        id: get(row, "id")?,
        registration_id: get(row, "registration_id")?,
        uploaded_by: get(row, "uploaded_by")?,
        uploader_name: get(row, "display_name")?,
        file_name: get(row, "file_name")?,
        kind: FileKind::parse(&get::<String>(row, "kind")?).map_err(corrupt)?,
        size_bytes: get(row, "size_bytes")?,
        sha256: get(row, "sha256")?,
        created_at: at(get(row, "created_us")?),
    })
}

/// Tells the other side of the registration: the partner's submitter when the channel team writes,
/// the approver (or the administrators) when the partner does.
async fn tell_the_other_side(
    tx: &mut Write<'_>,
    actor: &Actor,
    reg: &RegRow,
    entry: (&str, i64),
    what: &str,
) -> StoreResult<()> {
    let author: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
        .bind(actor.user_id)
        .fetch_one(&mut **tx)
        .await?;
    let recipients = if actor.role.is_partner() {
        deciders(tx, reg.approver_id).await?
    } else {
        vec![reg.submitted_by]
    };
    let draft = discussion::added(reg.id, &reg.customer.name, &author, what);
    for recipient in recipients.into_iter().filter(|r| *r != actor.user_id) {
        let dedupe = format!("{}:{}:{recipient}", entry.0, entry.1);
        tx.notify(&dedupe, recipient, &draft, ("registration", reg.id)).await?;
    }
    Ok(())
}

#[async_trait]
impl DiscussionStore for SqlStore {
    async fn add_comment(
        &self,
        actor: &Actor,
        registration_id: i64,
        body: String,
        now: Timestamp,
    ) -> StoreResult<Comment> {
        let mut tx = self.begin(Some(actor), now).await?;
        let reg = load_for_discussion(&mut tx, actor, registration_id).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO registration_comments (registration_id, author_id, body, created_us) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(registration_id)
        .bind(actor.user_id)
        .bind(&body)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await?;
        tx.audit(Change {
            action: "registration.comment",
            entity_type: "registration",
            entity_id: registration_id,
            before: None,
            after: Some(&json!({ "comment_id": id, "body": body })),
        })
        .await?;
        tell_the_other_side(&mut tx, actor, &reg, ("comment", id), "commented").await?;
        let comment = comment_by_id(&mut tx, id).await?;
        tx.commit_answering(&comment).await?;
        Ok(comment)
    }

    async fn add_attachment(
        &self,
        actor: &Actor,
        registration_id: i64,
        file: NewAttachment,
        now: Timestamp,
    ) -> StoreResult<Attachment> {
        let mut tx = self.begin(Some(actor), now).await?;
        let reg = load_for_discussion(&mut tx, actor, registration_id).await?;
        let size = i64::try_from(file.content.len()).map_err(|e| corrupt(e.to_string()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO registration_attachments \
             (registration_id, uploaded_by, file_name, kind, size_bytes, sha256, content, created_us) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(registration_id)
        .bind(actor.user_id)
        .bind(&file.file_name)
        .bind(file.kind.as_str())
        .bind(size)
        .bind(&file.sha256)
        .bind(&file.content)
        .bind(us(now))
        .fetch_one(&mut *tx)
        .await?;
        tx.audit(Change {
            action: "registration.attach",
            entity_type: "registration",
            entity_id: registration_id,
            before: None,
            after: Some(&json!({
                "attachment_id": id,
                "file_name": file.file_name,
                "kind": file.kind.as_str(),
                "size_bytes": size,
                "sha256": file.sha256,
            })),
        })
        .await?;
        let what = format!("attached {}", file.file_name);
        tell_the_other_side(&mut tx, actor, &reg, ("attachment", id), &what).await?;
        let attachment = attachment_by_id(&mut tx, registration_id, id).await?.attachment;
        tx.commit_answering(&attachment).await?;
        Ok(attachment)
    }

    async fn discussion(&self, actor: &Actor, registration_id: i64) -> StoreResult<Discussion> {
        let mut conn = self.read.acquire().await?;
        load_for_discussion(&mut conn, actor, registration_id).await?;
        let comments = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{COMMENTS} WHERE c.registration_id = $1 ORDER BY c.id"
        )))
        .bind(registration_id)
        .fetch_all(&mut *conn)
        .await?;
        let sql = format!(
            "SELECT {ATTACHMENT_COLUMNS} FROM registration_attachments a JOIN users u ON u.id = a.uploaded_by \
             WHERE a.registration_id = $1 ORDER BY a.id"
        );
        let attachments = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(registration_id)
            .fetch_all(&mut *conn)
            .await?;
        Ok(Discussion {
            comments: comments.iter().map(comment_from_row).collect::<StoreResult<_>>()?,
            attachments: attachments
                .iter()
                .map(attachment_from_row)
                .collect::<StoreResult<_>>()?,
        })
    }

    async fn awaiting_reply(&self, actor: &Actor, limit: u32) -> StoreResult<Vec<AwaitingReply>> {
        // The reader's registrations first, then each one's latest comment by the index on
        // (registration_id, id): the cost follows the reader's registrations, not all comments.
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT c.*, u.display_name, u.role, r.customer_name, r.sor_number FROM registrations r \
             JOIN registration_comments c ON c.id = \
             (SELECT MAX(l.id) FROM registration_comments l WHERE l.registration_id = r.id) \
             JOIN users u ON u.id = c.author_id WHERE r.status IN ('submitted', 'approved') AND ",
        );
        match discussion::awaited_from(actor) {
            AwaitedFrom::ChannelTeamOf(partner) => qb
                .push("r.partner_id = ")
                .push_bind(partner)
                .push(" AND u.partner_id IS NULL"),
            AwaitedFrom::PartnersOf(manager) => qb
                .push("r.approver_id = ")
                .push_bind(manager)
                .push(" AND u.partner_id IS NOT NULL"),
            AwaitedFrom::AnyPartner => qb.push("u.partner_id IS NOT NULL"),
            AwaitedFrom::Nobody => return Ok(Vec::new()),
        };
        qb.push(" ORDER BY c.id DESC LIMIT ").push_bind(i64::from(limit));
        let rows = qb.build().fetch_all(&self.read).await?;
        rows.iter()
            .map(|row| {
                Ok(AwaitingReply {
                    registration_id: get(row, "registration_id")?,
                    customer_name: get(row, "customer_name")?,
                    sor_number: get(row, "sor_number")?,
                    comment: comment_from_row(row)?,
                })
            })
            .collect()
    }

    async fn attachment(&self, actor: &Actor, registration_id: i64, attachment_id: i64) -> StoreResult<AttachmentFile> {
        let mut conn = self.read.acquire().await?;
        load_for_discussion(&mut conn, actor, registration_id).await?;
        attachment_by_id(&mut conn, registration_id, attachment_id).await
    }
}

async fn comment_by_id(conn: &mut Conn, id: i64) -> StoreResult<Comment> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{COMMENTS} WHERE c.id = $1")))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    comment_from_row(&row)
}

/// An attachment of this registration (one of another registration is not found here).
async fn attachment_by_id(conn: &mut Conn, registration_id: i64, id: i64) -> StoreResult<AttachmentFile> {
    let sql = format!(
        "SELECT {ATTACHMENT_COLUMNS}, a.content FROM registration_attachments a \
         JOIN users u ON u.id = a.uploaded_by WHERE a.id = $1 AND a.registration_id = $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(registration_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("attachment"))?;
    Ok(AttachmentFile {
        attachment: attachment_from_row(&row)?,
        content: get(&row, "content")?,
    })
}
