//! A form that sends a file (multipart): the chosen file and the form's other fields, read whole; a
//! file too large or cut off is refused beside the file field in a person's words.

use crate::ui::registrations::{Refused, invalid};
use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;
use domain::documents::{MAX_ATTACHMENT_BYTES, NewAttachment, file_size, parse_attachment};
use std::collections::BTreeMap;

/// What a multipart form sent: the `file` field as (name, content), and every other field as text.
pub struct Upload {
    file: Option<(String, Vec<u8>)>,
    fields: BTreeMap<String, String>,
}

impl Upload {
    pub async fn read(multipart: &mut Multipart) -> Result<Upload, MultipartError> {
        let mut upload = Upload {
            file: None,
            fields: BTreeMap::new(),
        };
        while let Some(field) = multipart.next_field().await? {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            if name == "file" {
                let file_name = field.file_name().unwrap_or_default().to_owned();
                let bytes = field.bytes().await?;
                upload.file = Some((file_name, bytes.to_vec()));
            } else {
                upload.fields.insert(name, field.text().await?);
            }
        }
        // A form sent without choosing a file still carries an empty, nameless part.
        upload.file = upload
            .file
            .filter(|(name, bytes)| !name.is_empty() || !bytes.is_empty());
        Ok(upload)
    }

    /// Reads the form as an attachment's form `form` does: a broken upload refused beside the file.
    pub async fn read_for(multipart: &mut Multipart, form: &'static str) -> Result<Upload, Refused> {
        Upload::read(multipart).await.map_err(|e| broken(form, e))
    }

    /// The chosen file as sent, (name, content).
    pub fn file(self) -> Option<(String, Vec<u8>)> {
        self.file
    }

    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// The chosen file as an attachment (recognised by content, within the size limit); refused
    /// beside `file` when none was chosen or it is not one we accept.
    pub fn attachment(
        &mut self,
        form: &'static str,
        fields: &[(&str, &'static str)],
    ) -> Result<NewAttachment, Refused> {
        let Some((name, content)) = self.file.take() else {
            return Err(Refused::new(form, StatusCode::UNPROCESSABLE_ENTITY).error("file", "Choose a file to attach."));
        };
        parse_attachment(&name, content).map_err(|e| invalid(form, e, fields))
    }
}

fn broken(form: &'static str, e: MultipartError) -> Refused {
    let message = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "The file is larger than the {} allowed here.",
            file_size(MAX_ATTACHMENT_BYTES as i64)
        )
    } else {
        "The file did not arrive whole: choose it and attach it again.".to_owned()
    };
    Refused::new(form, e.status()).error("file", message)
}
