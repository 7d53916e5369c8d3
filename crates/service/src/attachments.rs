//! Attachments (附件), the one module every owner of evidence files uses:
//! a record's photos and sign-in sheets (签到表、照片、PDF), a work item's
//! progress-note materials, and the files of later capabilities. The
//! content type is sniffed from the first bytes, never taken from the
//! upload; sizes and counts are limited; file names are cleaned so they are
//! safe to store, show and send back in a header; a download is sniffed
//! again and sent with its disposition. The owner's use case checks
//! permission and scope (on [`AttachmentMeta::owner_id`]) and audits; the
//! rows are in `dangjian_store::attachments`, one table per
//! [`OwnerKind`].

use crate::error::{ServiceError, ServiceResult};
use dangjian_domain::FieldError;
use dangjian_store::Conn;
use dangjian_store::attachments::{self as db, NewAttachment};
pub use dangjian_store::attachments::{AttachmentMeta, Owner, OwnerKind};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// Largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Attachments one owner (a record, a progress note) may carry at most.
pub const MAX_ATTACHMENTS: usize = 20;
/// Longest stored file name, in characters.
const MAX_NAME_CHARS: usize = 80;

/// An uploaded file as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The file types accepted, recognised by their magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Jpeg,
    Png,
    Webp,
    Pdf,
}

impl FileKind {
    /// Recognises the type from the first bytes, or `None`.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileKind::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(FileKind::Png)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(FileKind::Webp)
        } else if bytes.starts_with(b"%PDF-") {
            Some(FileKind::Pdf)
        } else {
            None
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Jpeg => "image/jpeg",
            FileKind::Png => "image/png",
            FileKind::Webp => "image/webp",
            FileKind::Pdf => "application/pdf",
        }
    }

    pub fn from_content_type(ct: &str) -> Option<Self> {
        [FileKind::Jpeg, FileKind::Png, FileKind::Webp, FileKind::Pdf]
            .into_iter()
            .find(|k| k.content_type() == ct)
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileKind::Jpeg => "jpg",
            FileKind::Png => "png",
            FileKind::Webp => "webp",
            FileKind::Pdf => "pdf",
        }
    }

    /// Images may be shown in the page; PDFs are downloaded.
    pub fn is_image(self) -> bool {
        !matches!(self, FileKind::Pdf)
    }
}

/// A checked upload, ready to store.
#[derive(Debug, Clone)]
pub(crate) struct Checked<'a> {
    pub file_name: String,
    pub kind: FileKind,
    pub sha256: String,
    pub bytes: &'a [u8],
}

/// Checks size and type and cleans the name.
pub(crate) fn check(upload: &Upload) -> Result<Checked<'_>, FieldError> {
    let shown = clean_name(&upload.file_name, None);
    if upload.bytes.is_empty() {
        return Err(FieldError::new(
            "attachments",
            format!("文件“{shown}”是空的"),
        ));
    }
    if upload.bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(FieldError::new(
            "attachments",
            format!(
                "文件“{shown}”超过{}MB，请压缩后再上传",
                MAX_ATTACHMENT_BYTES / 1024 / 1024
            ),
        ));
    }
    let Some(kind) = FileKind::sniff(&upload.bytes) else {
        return Err(FieldError::new(
            "attachments",
            format!("文件“{shown}”不是可接受的格式：只能上传 JPG、PNG、WebP 图片或 PDF 文件"),
        ));
    };
    Ok(Checked {
        file_name: clean_name(&upload.file_name, Some(kind)),
        kind,
        sha256: hex::encode(Sha256::digest(&upload.bytes)),
        bytes: &upload.bytes,
    })
}

/// Checks a batch of uploads for something that already carries `already`
/// attachments (`holder` names it in the count message, e.g. 每条记录);
/// every bad file is reported.
pub(crate) fn check_all<'a>(
    uploads: &'a [Upload],
    already: usize,
    holder: &str,
) -> Result<Vec<Checked<'a>>, Vec<FieldError>> {
    if already + uploads.len() > MAX_ATTACHMENTS {
        return Err(vec![FieldError::new(
            "attachments",
            format!("{holder}最多{MAX_ATTACHMENTS}个附件（已有{already}个）"),
        )]);
    }
    let mut errs = Vec::new();
    let mut ok = Vec::new();
    for u in uploads {
        match check(u) {
            Ok(c) => ok.push(c),
            Err(e) => errs.push(e),
        }
    }
    if errs.is_empty() { Ok(ok) } else { Err(errs) }
}

/// The stored form of a checked upload.
impl<'a> Checked<'a> {
    fn as_new(&'a self) -> NewAttachment<'a> {
        NewAttachment {
            file_name: &self.file_name,
            content_type: self.kind.content_type(),
            sha256: &self.sha256,
            data: self.bytes,
        }
    }
}

/// Stores checked uploads for `owner`, in order; returns their ids.
pub(crate) async fn store_all(
    conn: &mut Conn,
    owner: &Owner,
    files: &[Checked<'_>],
    by: &str,
    now: &str,
) -> ServiceResult<Vec<i64>> {
    let mut ids = Vec::with_capacity(files.len());
    for f in files {
        ids.push(db::insert(conn, owner, &f.as_new(), by, now).await?);
    }
    Ok(ids)
}

/// The attachments of one owner, in upload order.
pub(crate) async fn list(
    conn: &mut Conn,
    kind: OwnerKind,
    owner_id: i64,
) -> ServiceResult<Vec<AttachmentMeta>> {
    Ok(db::list(conn, kind, owner_id).await?)
}

/// How many attachments an owner carries already.
pub(crate) async fn count(conn: &mut Conn, kind: OwnerKind, owner_id: i64) -> ServiceResult<usize> {
    Ok(usize::try_from(db::count(conn, kind, owner_id).await?).unwrap_or(usize::MAX))
}

/// One attachment of `kind` by id, without its bytes: the caller checks
/// the scope of its owner before reading more. Another kind's id is
/// `NotFound`.
pub(crate) async fn meta(
    conn: &mut Conn,
    kind: OwnerKind,
    id: i64,
) -> ServiceResult<AttachmentMeta> {
    Ok(db::meta(conn, kind, id).await?)
}

/// Removes one attachment of `kind` (the caller has checked and audits).
pub(crate) async fn delete(conn: &mut Conn, kind: OwnerKind, id: i64) -> ServiceResult<()> {
    Ok(db::delete(conn, kind, id).await?)
}

/// An attachment to send: bytes with the sniffed type and a safe name.
#[derive(Debug, Clone)]
pub struct Download {
    pub file_name: String,
    pub content_type: &'static str,
    /// `inline` for images, `attachment` for PDFs.
    pub content_disposition: String,
    pub bytes: Vec<u8>,
}

/// The bytes of an attachment whose owner the caller has found in scope.
/// The stored type was sniffed on upload; the bytes are sniffed again so
/// that only the four accepted types are ever served, whatever the row
/// says (anything else is `NotFound`).
pub(crate) async fn download(
    conn: &mut Conn,
    kind: OwnerKind,
    meta: AttachmentMeta,
) -> ServiceResult<Download> {
    let bytes = db::data(conn, kind, meta.id).await?;
    let sniffed = FileKind::sniff(&bytes)
        .filter(|k| Some(*k) == FileKind::from_content_type(&meta.content_type))
        .ok_or(ServiceError::NotFound)?;
    Ok(Download {
        content_disposition: content_disposition(&meta.file_name, sniffed.is_image()),
        file_name: meta.file_name,
        content_type: sniffed.content_type(),
        bytes,
    })
}

/// The last path component, without control and reserved characters, at
/// most 80 characters, with the extension of the sniffed type (a `.exe`
/// name on a JPEG becomes `….jpg`).
pub fn clean_name(raw: &str, kind: Option<FileKind>) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*'))
        .collect();
    name = name.trim().trim_matches('.').trim().to_owned();
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (name[..i].to_owned(), name[i + 1..].to_ascii_lowercase()),
        _ => (name.clone(), String::new()),
    };
    let mut stem: String = stem.chars().take(MAX_NAME_CHARS - 5).collect();
    if stem.trim().is_empty() {
        "附件".clone_into(&mut stem);
    }
    match kind {
        Some(k) => {
            let same = ext == k.extension() || (k == FileKind::Jpeg && ext == "jpeg");
            let ext = if same { ext } else { k.extension().to_owned() };
            format!("{stem}.{ext}")
        }
        None if ext.is_empty() => stem,
        None => format!("{stem}.{}", ext.chars().take(5).collect::<String>()),
    }
}

/// A `Content-Disposition` value: an ASCII fallback name plus the UTF-8 name
/// (RFC 6266 / 5987), with nothing that could break out of the header.
pub fn content_disposition(file_name: &str, inline: bool) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in file_name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            encoded.push(b as char);
        } else {
            let _ = write!(encoded, "%{b:02X}");
        }
    }
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_take_the_sniffed_extension() {
        assert_eq!(
            clean_name("C:\\Users\\张三\\签到表.JPG", Some(FileKind::Jpeg)),
            "签到表.jpg"
        );
        assert_eq!(
            clean_name("../../etc/passwd", Some(FileKind::Pdf)),
            "passwd.pdf"
        );
        assert_eq!(clean_name("run.exe", Some(FileKind::Png)), "run.png");
        assert_eq!(
            clean_name("<script>\".pdf", Some(FileKind::Pdf)),
            "script.pdf"
        );
        assert_eq!(clean_name("...", Some(FileKind::Webp)), "附件.webp");
        assert_eq!(clean_name("a\r\nb.jpeg", Some(FileKind::Jpeg)), "ab.jpeg");
    }

    #[test]
    fn disposition_is_header_safe() {
        let d = content_disposition("会议\"照片\".jpg", false);
        assert_eq!(
            d,
            "attachment; filename=\"______.jpg\"; filename*=UTF-8''%E4%BC%9A%E8%AE%AE%22%E7%85%A7%E7%89%87%22.jpg"
        );
        assert!(content_disposition("a.pdf", true).starts_with("inline; "));
    }

    #[test]
    fn types_are_sniffed_from_bytes() {
        assert_eq!(
            FileKind::sniff(b"\xFF\xD8\xFF\xE0rest"),
            Some(FileKind::Jpeg)
        );
        assert_eq!(
            FileKind::sniff(b"\x89PNG\r\n\x1a\n...."),
            Some(FileKind::Png)
        );
        assert_eq!(
            FileKind::sniff(b"RIFF\0\0\0\0WEBPVP8 "),
            Some(FileKind::Webp)
        );
        assert_eq!(FileKind::sniff(b"%PDF-1.7\n"), Some(FileKind::Pdf));
        assert_eq!(FileKind::sniff(b"<html><script>"), None);
        assert_eq!(FileKind::sniff(b"GIF89a"), None);
        assert_eq!(FileKind::sniff(b"RIFF\0\0\0\0WAVE"), None);
    }
}
