//! Files handed to the browser: the response for an .xlsx download (with a
//! Chinese file name), and a short-lived in-memory shelf for files made by
//! one request and fetched by the next (the annotated import file). A shelf
//! entry belongs to the user who made it and expires after an hour; the
//! shelf holds at most `MAX_BYTES`, dropping the oldest first.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use dangjian_service::Actor;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const TTL: Duration = Duration::from_hours(1);
const MAX_BYTES: usize = 256 * 1024 * 1024;

/// A file to download.
#[derive(Clone)]
pub struct Download {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// An .xlsx attachment. The name goes in both the ASCII fallback and the
/// RFC 5987 UTF-8 form, which every current browser uses.
pub fn xlsx_response(file_name: &str, bytes: Vec<u8>) -> Response {
    let encoded: String =
        percent_encoding::utf8_percent_encode(file_name, percent_encoding::NON_ALPHANUMERIC)
            .to_string();
    let disposition = format!("attachment; filename=\"export.xlsx\"; filename*=UTF-8''{encoded}");
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

struct Entry {
    token: String,
    user_id: i64,
    made: Instant,
    file: Download,
}

/// The shelf; cloning shares it.
#[derive(Clone, Default)]
pub struct Shelf {
    entries: Arc<Mutex<VecDeque<Entry>>>,
}

impl Shelf {
    /// Puts a file on the shelf for `owner`; returns its token.
    pub fn put(&self, owner: &Actor, file: Download) -> String {
        let token = dangjian_service::crypto::random_token();
        let mut e = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        e.retain(|x| now.duration_since(x.made) < TTL);
        e.push_back(Entry {
            token: token.clone(),
            user_id: owner.user_id.0,
            made: now,
            file,
        });
        while e.iter().map(|x| x.file.bytes.len()).sum::<usize>() > MAX_BYTES && e.len() > 1 {
            e.pop_front();
        }
        token
    }

    /// The file behind `token`, if it is `owner`'s and not expired.
    pub fn get(&self, owner: &Actor, token: &str) -> Option<Download> {
        let e = self
            .entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        e.iter()
            .find(|x| x.token == token && x.user_id == owner.user_id.0 && x.made.elapsed() < TTL)
            .map(|x| x.file.clone())
    }
}

/// The policy an uploaded attachment (a record's or a work note's photo or
/// PDF) is served under: nothing in it may run.
const ATTACHMENT_CSP: &str = "default-src 'none'; img-src 'self'; style-src 'none'; sandbox";

/// Serves an uploaded attachment: the type sniffed by the service, its
/// disposition (`inline` for images), and [`ATTACHMENT_CSP`].
pub fn attachment_response(
    file: dangjian_service::attachments::Download,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let mut r = file.bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(file.content_type),
    );
    if let Ok(v) = HeaderValue::from_str(&file.content_disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(ATTACHMENT_CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
