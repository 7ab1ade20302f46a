//! Files people share — a registration's letter of intent, a co-sell partner's quote or contract —
//! recognised by their content, not by what the sender claims, and kept with their SHA-256.

use crate::fields::FieldErrors;
use crate::str_enum::str_enum;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The largest attachment: enough for a scanned, signed letter or a PO as PDF, small enough that
/// files kept in the database keep backups and restores quick.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
const MAX_FILE_NAME_CHARS: usize = 200;

/// The kinds of file people share (a registration's letter of intent, a co-sell partner's quote), each recognised by its content, not by what the
/// sender claims: a renamed program is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Text,
    Word,
    Excel,
}
str_enum!(FileKind {
    Pdf => "pdf" as "PDF",
    Png => "png" as "PNG image",
    Jpeg => "jpeg" as "JPEG image",
    Text => "text" as "Text",
    Word => "word" as "Word document",
    Excel => "excel" as "Excel workbook",
});

impl FileKind {
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Text => "text/plain; charset=utf-8",
            FileKind::Word => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileKind::Excel => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The kind of `bytes` named `file_name`: the signature at the start of the content decides; a
    /// ZIP container is a Word or Excel file only under that extension; text is UTF-8 without NULs.
    fn recognise(file_name: &str, bytes: &[u8]) -> Option<FileKind> {
        let extension = file_name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
        if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(b"PK\x03\x04") {
            match extension.as_deref() {
                Some("docx") => Some(FileKind::Word),
                Some("xlsx") => Some(FileKind::Excel),
                _ => None,
            }
        } else if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
            Some(FileKind::Text)
        } else {
            None
        }
    }
}

/// A file accepted, with the SHA-256 that lets either side prove later which
/// document was shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub file_name: String,
    pub kind: FileKind,
    pub sha256: String,
    pub content: Vec<u8>,
}

/// Checks an uploaded file: a name people can read (the last path segment, no control characters),
/// not empty, at most [`MAX_ATTACHMENT_BYTES`], and of a [`FileKind`] its content proves.
pub fn parse_attachment(file_name: &str, content: Vec<u8>) -> Result<NewAttachment, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = file_name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if name.is_empty() {
        errors.add("file_name", "is required");
    } else if name.chars().count() > MAX_FILE_NAME_CHARS {
        errors.add("file_name", format!("must be at most {MAX_FILE_NAME_CHARS} characters"));
    } else if name.chars().any(char::is_control) {
        errors.add("file_name", "must not contain control characters");
    }
    let kind = if content.is_empty() {
        errors.add("file", "is empty");
        None
    } else if content.len() > MAX_ATTACHMENT_BYTES {
        errors.add(
            "file",
            format!(
                "is larger than the {} MB a file may have",
                MAX_ATTACHMENT_BYTES / (1024 * 1024)
            ),
        );
        None
    } else {
        let kind = FileKind::recognise(name, &content);
        if kind.is_none() {
            errors.add(
                "file",
                "is not a PDF, PNG or JPEG image, text, Word (.docx) or Excel (.xlsx) file",
            );
        }
        kind
    };
    match kind {
        Some(kind) if errors.is_empty() => Ok(NewAttachment {
            file_name: name.to_owned(),
            kind,
            sha256: hex(&Sha256::digest(&content)),
            content,
        }),
        _ => Err(errors),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// "1.2 MB", "840 KB", "312 bytes": a file's size as people read it.
pub fn file_size(bytes: i64) -> String {
    const KB: i64 = 1024;
    match bytes {
        b if b >= KB * KB => format!("{:.1} MB", b as f64 / (KB * KB) as f64).replace(".0 MB", " MB"),
        b if b >= KB => format!("{} KB", (b + KB / 2) / KB),
        1 => "1 byte".to_owned(),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_their_content() {
        let pdf = parse_attachment("C:\\Users\\ann\\LOI Lakeside.pdf", b"%PDF-1.7\n...".to_vec()).unwrap();
        assert_eq!((pdf.file_name.as_str(), pdf.kind), ("LOI Lakeside.pdf", FileKind::Pdf));
        assert_eq!(pdf.sha256.len(), 64);
        assert_eq!(
            parse_attachment("po.txt", b"PO 4471, 24 boards".to_vec())
                .unwrap()
                .sha256,
            // `printf 'PO 4471, 24 boards' | sha256sum`
            "550c0b4ecc7b34776a1a17e4cd0c8921e4ee4ff7d0eb0e72dffc2ff3c429c6bc"
        );
        assert_eq!(
            parse_attachment("q.docx", b"PK\x03\x04rest".to_vec()).unwrap().kind,
            FileKind::Word
        );
        assert_eq!(
            parse_attachment("q.XLSX", b"PK\x03\x04rest".to_vec()).unwrap().kind,
            FileKind::Excel
        );
        assert_eq!(
            parse_attachment("scan.jpg", vec![0xFF, 0xD8, 0xFF, 0xE0]).unwrap().kind,
            FileKind::Jpeg
        );
        let refused = |name: &str, bytes: &[u8]| parse_attachment(name, bytes.to_vec()).unwrap_err().0[0].field.clone();
        // A program renamed to look like a document, a ZIP that is not an Office file, binary "text".
        assert_eq!(refused("invoice.pdf", b"MZ\x90\x00\x03"), "file");
        assert_eq!(refused("archive.zip", b"PK\x03\x04rest"), "file");
        assert_eq!(refused("notes.txt", b"abc\0def"), "file");
        assert_eq!(refused("empty.pdf", b""), "file");
        assert_eq!(refused("", b"%PDF-1.7"), "file_name");
        assert_eq!(refused("folder/", b"%PDF-1.7"), "file_name");
    }

    #[test]
    fn the_size_limit_is_ten_megabytes_inclusive() {
        let mut content = b"%PDF-".to_vec();
        content.resize(MAX_ATTACHMENT_BYTES, b' ');
        assert!(parse_attachment("big.pdf", content.clone()).is_ok());
        content.push(b' ');
        let refused = parse_attachment("big.pdf", content).unwrap_err();
        assert_eq!(refused.0[0].message, "is larger than the 10 MB a file may have");
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(file_size(1), "1 byte");
        assert_eq!(file_size(312), "312 bytes");
        assert_eq!(file_size(840 * 1024 + 100), "840 KB");
        assert_eq!(file_size(1_258_291), "1.2 MB");
        assert_eq!(file_size(MAX_ATTACHMENT_BYTES as i64), "10 MB");
    }
}
