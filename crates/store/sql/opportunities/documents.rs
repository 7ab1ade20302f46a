//! ROE-4: copies of quotes and contracts shared on an opportunity — a co-sell partner's with the
//! manager. Stored by content with their SHA-256, never changed.

use crate::sql::kit::*;
use crate::sql::opportunities::managers::notify_party;
use crate::sql::opportunities::rows::load_detail;
use crate::sql::write::{Change, Write};
use domain::documents::{FileKind, NewAttachment};
use domain::opportunities::{self as roe, DocumentPurpose};

const DOCUMENT_COLUMNS: &str = "d.id, d.opportunity_id, d.uploaded_by, d.purpose, d.file_name, d.kind, d.size_bytes, \
     d.sha256, d.created_us, u.display_name, p.name AS partner_name";

const DOCUMENT_FROM: &str =
    "FROM opportunity_documents d JOIN users u ON u.id = d.uploaded_by LEFT JOIN partners p ON p.id = u.partner_id";

fn document_from_row(row: &DbRow) -> StoreResult<OpportunityDocument> {
    Ok(OpportunityDocument {
        id: get(row, "id")?,
        opportunity_id: get(row, "opportunity_id")?,
        uploaded_by: get(row, "uploaded_by")?,
        uploader_name: get(row, "display_name")?,
        uploader_partner: get(row, "partner_name")?,
        purpose: DocumentPurpose::parse(&get::<String>(row, "purpose")?).map_err(corrupt)?,
        file_name: get(row, "file_name")?,
        kind: FileKind::parse(&get::<String>(row, "kind")?).map_err(corrupt)?,
        size_bytes: get(row, "size_bytes")?,
        sha256: get(row, "sha256")?,
        created_at: at(get(row, "created_us")?),
    })
}

pub(crate) async fn documents_of(conn: &mut Conn, id: i64) -> StoreResult<Vec<OpportunityDocument>> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS} {DOCUMENT_FROM} WHERE d.opportunity_id = $1 ORDER BY d.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(document_from_row).collect()
}

/// A document of this opportunity with its content (one of another opportunity is not found here).
pub(crate) async fn document_by_id(conn: &mut Conn, id: i64, document_id: i64) -> StoreResult<DocumentFile> {
    let sql = format!("SELECT {DOCUMENT_COLUMNS}, d.content {DOCUMENT_FROM} WHERE d.id = $1 AND d.opportunity_id = $2");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(document_id)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("document"))?;
    Ok(DocumentFile {
        document: document_from_row(&row)?,
        content: get(&row, "content")?,
    })
}

/// Stores the file and tells the manager, unless the manager shared it.
pub(crate) async fn share(
    tx: &mut Write<'_>,
    actor: &Actor,
    id: i64,
    purpose: DocumentPurpose,
    file: &NewAttachment,
) -> StoreResult<OpportunityDocument> {
    let detail = load_detail(tx, actor, id).await?;
    if !roe::policy::can_add_note(actor) {
        return Err(StoreError::Forbidden(
            "order entry and finance read the opportunity's documents; the selling team shares them".into(),
        ));
    }
    let size = i64::try_from(file.content.len()).map_err(|e| corrupt(e.to_string()))?;
    let document_id: i64 = sqlx::query_scalar(
        "INSERT INTO opportunity_documents \
         (opportunity_id, uploaded_by, purpose, file_name, kind, size_bytes, sha256, content, created_us) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(id)
    .bind(actor.user_id)
    .bind(purpose.as_str())
    .bind(&file.file_name)
    .bind(file.kind.as_str())
    .bind(size)
    .bind(&file.sha256)
    .bind(&file.content)
    .bind(us(tx.now()))
    .fetch_one(&mut **tx)
    .await?;
    tx.audit(Change {
        action: "opportunity.document",
        entity_type: "opportunity",
        entity_id: id,
        before: None,
        after: Some(&json!({
            "document_id": document_id,
            "purpose": purpose.as_str(),
            "file_name": file.file_name,
            "kind": file.kind.as_str(),
            "size_bytes": size,
            "sha256": file.sha256,
        })),
    })
    .await?;
    let opportunity = &detail.opportunity;
    if !roe::policy::acts_as(actor, opportunity.manager.party) {
        let draft = roe::notify::document_shared(&opportunity.number, &opportunity.name, purpose, &file.file_name);
        notify_party(
            tx,
            opportunity.manager.party,
            &format!("document:{document_id}"),
            &draft,
            id,
        )
        .await?;
    }
    Ok(document_by_id(tx, id, document_id).await?.document)
}
