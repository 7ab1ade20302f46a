//! A registration's discussion: comments and attached files between its partner and the channel
//! team (issue 13).

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::{Auth, FileBody, Id, IdPair, JsonBody};
use crate::idempotency::{self, IdempotencyKey};
use axum::Json;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use domain::registrations::discussion::{CommentInput, MAX_ATTACHMENT_BYTES, parse_attachment, parse_comment};
use store::{Attachment, AttachmentFile, Comment, Discussion};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    let files = OpenApiRouter::new()
        .routes(routes!(attach))
        .layer(DefaultBodyLimit::max(MAX_ATTACHMENT_BYTES));
    OpenApiRouter::new()
        .routes(routes!(discussion))
        .routes(routes!(comment))
        .routes(routes!(download))
        .merge(files)
}

/// A registration's comments and attached files, oldest first (its partner and the channel team).
#[utoipa::path(get, path = "/registrations/{id}/discussion", tag = "discussion", params(("id" = i64, Path)),
    responses((status = 200, body = Discussion), (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn discussion(State(state): State<AppState>, Auth(actor): Auth, Id(id): Id) -> ApiResult<Json<Discussion>> {
    Ok(Json(state.store.discussion(&actor, id).await?))
}

/// Comment on a registration; the other side is told.
#[utoipa::path(post, path = "/registrations/{id}/comments", tag = "discussion", request_body = CommentInput,
    params(("id" = i64, Path), IdempotencyKey),
    responses((status = 201, body = Comment), (status = 422, body = Problem), (status = 404, body = Problem),
        (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn comment(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    key: IdempotencyKey,
    body: JsonBody<CommentInput>,
) -> ApiResult<Response> {
    idempotency::once(
        &state,
        &actor,
        key,
        &format!("POST /registrations/{id}/comments"),
        &body.bytes,
        StatusCode::CREATED,
        || async {
            let text = parse_comment(&body.value)?;
            let comment = state.store.add_comment(&actor, id, text, state.clock.now()).await?;
            Ok((StatusCode::CREATED, serde_json::to_value(&comment).unwrap_or_default()))
        },
    )
    .await
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AttachQuery {
    /// The file's name as its owner knows it, e.g. `LOI Springfield.pdf`.
    #[param(required = true)]
    file_name: Option<String>,
}

/// Attach a file to a registration: the raw file as the body, its name in `file_name`. Accepted:
/// PDF, PNG, JPEG, UTF-8 text, Word (.docx) and Excel (.xlsx), recognised by their content, up to
/// 10 MB; stored with their SHA-256.
#[utoipa::path(post, path = "/registrations/{id}/attachments", tag = "discussion",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    params(("id" = i64, Path), AttachQuery,
        IdempotencyKey),
    responses((status = 201, body = Attachment), (status = 422, body = Problem), (status = 413, body = Problem),
        (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn attach(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Id(id): Id,
    Query(query): Query<AttachQuery>,
    key: IdempotencyKey,
    FileBody(bytes): FileBody,
) -> ApiResult<Response> {
    let name = query.file_name.unwrap_or_default();
    idempotency::once(
        &state,
        &actor,
        key,
        &format!("POST /registrations/{id}/attachments?file_name={name}"),
        &bytes,
        StatusCode::CREATED,
        || async {
            let file = parse_attachment(&name, bytes.to_vec())?;
            let attachment = state.store.add_attachment(&actor, id, file, state.clock.now()).await?;
            Ok((
                StatusCode::CREATED,
                serde_json::to_value(&attachment).unwrap_or_default(),
            ))
        },
    )
    .await
}

/// Download an attached file.
#[utoipa::path(get, path = "/registrations/{id}/attachments/{attachment_id}", tag = "discussion",
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 200, description = "The file, as it was attached", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/png"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "text/plain"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 404, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = [])))]
async fn download(
    State(state): State<AppState>,
    Auth(actor): Auth,
    IdPair(id, attachment_id): IdPair,
) -> ApiResult<Response> {
    Ok(file_download(state.store.attachment(&actor, id, attachment_id).await?))
}

/// An attachment as a download, for the API and the pages alike: always saved, never shown in the
/// browser, so that a file from one side never runs as a page of this site.
pub fn file_download(file: AttachmentFile) -> Response {
    let attachment = file.attachment;
    (
        [
            (header::CONTENT_TYPE, attachment.kind.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, content_disposition(&attachment.file_name)),
        ],
        file.content,
    )
        .into_response()
}

/// `attachment` with the name twice (RFC 6266): an ASCII stand-in for old clients, and the name
/// itself percent-encoded in UTF-8 (RFC 8187). Written here because it is these few lines.
fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::content_disposition;

    #[test]
    fn a_file_name_is_saved_as_it_was_named_and_cannot_break_the_header() {
        assert_eq!(
            content_disposition("LOI Springfield.pdf"),
            "attachment; filename=\"LOI Springfield.pdf\"; filename*=UTF-8''LOI%20Springfield.pdf"
        );
        assert_eq!(
            content_disposition("Angebot \"Köln\".pdf"),
            "attachment; filename=\"Angebot _K_ln_.pdf\"; filename*=UTF-8''Angebot%20%22K%C3%B6ln%22.pdf"
        );
    }
}
