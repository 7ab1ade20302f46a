//! ROE-4 on the opportunity's page: the copies of quotes and contracts its team shares, each
//! downloadable as it was shared with its SHA-256, and the form to share one.

use super::detail::page;
use crate::AppState;
use crate::routes::registrations::file_download;
use crate::ui::Pages;
use crate::ui::access::Viewer;
use crate::ui::error::UiError;
use crate::ui::format::when;
use crate::ui::forms::{Choice, choices};
use crate::ui::registrations::{Forms, Refused, outcome};
use crate::ui::upload::Upload;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::documents::{MAX_ATTACHMENT_BYTES, file_size};
use domain::opportunities::DocumentPurpose;
use store::OpportunityDocument;

pub fn routes() -> Pages {
    Pages::default()
        .post_upload("/opportunities/{id}/documents", share)
        .get("/opportunities/{id}/documents/{document_id}", download)
}

pub struct DocumentView {
    pub href: String,
    pub file_name: String,
    pub purpose: String,
    pub kind: String,
    pub size: String,
    pub shared: String,
    pub sha256: String,
}

/// The documents section: what was shared, and the share form's choices as typed.
pub struct DocumentsView {
    pub documents: Vec<DocumentView>,
    pub purposes: Vec<Choice>,
    pub max_size: String,
}

pub fn view(documents: &[OpportunityDocument], forms: &Forms, zone: &jiff::tz::TimeZone) -> DocumentsView {
    let documents = documents
        .iter()
        .map(|d| DocumentView {
            href: format!("/opportunities/{}/documents/{}", d.opportunity_id, d.id),
            file_name: d.file_name.clone(),
            purpose: d.purpose.label().into_owned(),
            kind: d.kind.label().into_owned(),
            size: file_size(d.size_bytes),
            shared: match &d.uploader_partner {
                Some(partner) => format!("{} ({partner}), {}", d.uploader_name, when(d.created_at, zone)),
                None => format!("{}, {}", d.uploader_name, when(d.created_at, zone)),
            },
            sha256: d.sha256.clone(),
        })
        .collect();
    let chosen = forms.value("document", "purpose", DocumentPurpose::Quote.as_str());
    DocumentsView {
        documents,
        purposes: choices(
            DocumentPurpose::ALL
                .iter()
                .map(|p| (p.as_str().to_owned(), p.label().into_owned())),
            &chosen,
        ),
        max_size: file_size(MAX_ATTACHMENT_BYTES as i64),
    }
}

async fn share(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    mut multipart: Multipart,
) -> Result<Response, UiError> {
    const FIELDS: &[(&str, &str)] = &[("file", "file"), ("file_name", "file"), ("purpose", "purpose")];
    let shared = match Upload::read_for(&mut multipart, "document").await {
        Err(refused) => Err(refused),
        Ok(mut upload) => {
            let purpose = upload.field("purpose").unwrap_or_default().to_owned();
            let parsed = DocumentPurpose::parse(&purpose)
                .map_err(|_| {
                    Refused::new("document", StatusCode::UNPROCESSABLE_ENTITY).error(
                        "purpose",
                        "Choose what the document is: a quote, a contract or another document.",
                    )
                })
                .and_then(|p| Ok((p, upload.attachment("document", FIELDS)?)));
            match parsed {
                Err(refused) => Err(refused.typed("purpose", Some(&purpose))),
                Ok((p, file)) => outcome(
                    "document",
                    FIELDS,
                    state
                        .store
                        .add_document(&viewer.actor(), id, p, file, state.clock.now())
                        .await,
                )?
                .map_err(|refused| refused.typed("purpose", Some(&purpose))),
            }
        }
    };
    match shared {
        Ok(()) => Ok(Redirect::to(&format!("/opportunities/{id}#documents")).into_response()),
        Err(refused) => page(&state, viewer, id, Some(refused), None).await,
    }
}

async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, document_id)): Path<(i64, i64)>,
) -> Result<Response, UiError> {
    let file = state.store.document(&viewer.actor(), id, document_id).await?;
    Ok(file_download(
        file.document.kind,
        &file.document.file_name,
        file.content,
    ))
}
