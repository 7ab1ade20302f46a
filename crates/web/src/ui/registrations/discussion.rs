//! A registration's discussion on its page: comments between its partner and the channel team, and
//! the files they attach, over the same store services as the JSON API.

use crate::AppState;
use crate::routes::registrations::file_download;
use crate::ui::Pages;
use crate::ui::access::Viewer;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::registrations::actions::{after_at, invalid, outcome};
use crate::ui::upload::Upload;
use axum::extract::{Form, Multipart, Path, State};
use axum::response::Response;
use domain::Actor;
use domain::access::Access;
use domain::registrations::discussion::{CommentInput, MAX_ATTACHMENT_BYTES, can_discuss, file_size, parse_comment};
use serde::Deserialize;
use store::{Discussion, Registration};

pub fn routes() -> Pages {
    Pages::default()
        .post("/registrations/{id}/comments", comment)
        .post_upload("/registrations/{id}/attachments", attach)
        .get("/registrations/{id}/attachments/{attachment_id}", download)
}

pub struct CommentView {
    pub author: String,
    /// The partner's name, or the author's role in the channel team.
    pub side: String,
    pub at: String,
    pub body: String,
}

pub struct AttachmentView {
    pub href: String,
    pub file_name: String,
    pub kind: String,
    pub size: String,
    pub sha256: String,
    pub added: String,
}

pub struct DiscussionView {
    pub comments: Vec<CommentView>,
    pub attachments: Vec<AttachmentView>,
    pub max_size: String,
}

/// The discussion of `reg` as its page shows it, for those who take part in it.
pub async fn view(
    state: &AppState,
    actor: &Actor,
    reg: &Registration,
    zone: &jiff::tz::TimeZone,
) -> Result<Option<DiscussionView>, UiError> {
    if can_discuss(actor, reg.partner_id) != Access::Allowed {
        return Ok(None);
    }
    let Discussion { comments, attachments } = state.store.discussion(actor, reg.id).await?;
    let comments = comments
        .into_iter()
        .map(|c| CommentView {
            side: if c.author_role.is_partner() {
                reg.partner_name.clone()
            } else {
                c.author_role.label().into_owned()
            },
            author: c.author_name,
            at: when(c.created_at, zone),
            body: c.body,
        })
        .collect();
    let attachments = attachments
        .into_iter()
        .map(|a| AttachmentView {
            href: format!("/registrations/{}/attachments/{}", reg.id, a.id),
            kind: a.kind.label().into_owned(),
            size: file_size(a.size_bytes),
            added: format!("{}, {}", a.uploader_name, when(a.created_at, zone)),
            file_name: a.file_name,
            sha256: a.sha256,
        })
        .collect();
    Ok(Some(DiscussionView {
        comments,
        attachments,
        max_size: file_size(MAX_ATTACHMENT_BYTES as i64),
    }))
}

#[derive(Deserialize)]
struct CommentForm {
    body: Option<String>,
}

async fn comment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("body", "body")];
    let input = CommentInput {
        body: form.body.clone(),
    };
    let result = match parse_comment(&input) {
        Err(e) => Ok(Err(invalid("comment", e, FIELDS))),
        Ok(text) => outcome(
            "comment",
            FIELDS,
            state
                .store
                .add_comment(&viewer.actor(), id, text, state.clock.now())
                .await,
        ),
    };
    after_at(&state, viewer, id, "#discussion", result, |r| {
        r.typed("body", form.body.as_deref())
    })
    .await
}

async fn attach(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("file", "file"), ("file_name", "file")];
    let file = Upload::read_for(&mut multipart, "attach")
        .await
        .and_then(|mut upload| upload.attachment("attach", FIELDS));
    let result = match file {
        Err(refused) => Ok(Err(refused)),
        Ok(file) => outcome(
            "attach",
            FIELDS,
            state
                .store
                .add_attachment(&viewer.actor(), id, file, state.clock.now())
                .await,
        ),
    };
    after_at(&state, viewer, id, "#discussion", result, |r| r).await
}

async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, attachment_id)): Path<(i64, i64)>,
) -> Result<Response, UiError> {
    let file = state.store.attachment(&viewer.actor(), id, attachment_id).await?;
    Ok(file_download(
        file.attachment.kind,
        &file.attachment.file_name,
        file.content,
    ))
}
