//! Reading the record form's multipart body: the CSRF token must come first
//! (a forged request is refused before any large part is read), text
//! fields are collected as pairs (checkbox lists repeat their name), files
//! become service uploads. Then the pairs become a `RecordForm`.

use crate::auth::{CurrentUser, check_csrf, forbidden_csrf};
use crate::error::error_page;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::Response;
use dangjian_service::records::{AttendanceForm, RecordForm, Upload};
use std::collections::HashSet;

/// The multipart part that carries files.
pub(super) const FILES: &str = "attachments";

/// A text field longer than this is refused (the longest, the minutes, is
/// at most 20,000 characters of up to 4 bytes).
const MAX_TEXT_BYTES: usize = 100 * 1024;

/// What the form sent.
#[derive(Default)]
pub(crate) struct Submitted {
    pub pairs: Vec<(String, String)>,
    pub files: Vec<Upload>,
}

impl Submitted {
    /// The first value of a field, or "".
    pub fn value(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The record form. The sign-in list has one hidden `member` per listed
    /// member, a `present` checkbox valued with the member id, and a
    /// `reason_<id>` text.
    pub fn record_form(&self) -> RecordForm {
        let present: HashSet<&str> = self.values("present").collect();
        let mut seen = HashSet::new();
        let attendance = self
            .values("member")
            .filter_map(|raw| raw.trim().parse::<i64>().ok())
            .filter(|id| seen.insert(*id))
            .map(|id| AttendanceForm {
                member_id: id,
                present: present.contains(id.to_string().as_str()),
                absent_reason: self.value(&format!("reason_{id}")).to_owned(),
            })
            .collect();
        RecordForm {
            record_type: self.value("record_type").to_owned(),
            held_on: self.value("held_on").to_owned(),
            place: self.value("place").to_owned(),
            host: self.value("host").to_owned(),
            topics: self.value("topics").to_owned(),
            minutes: self.value("minutes").to_owned(),
            marks: self.values("marks").map(str::to_owned).collect(),
            attendance,
            expected_count: self.value("expected_count").to_owned(),
            present_count: self.value("present_count").to_owned(),
        }
    }
}

fn bad(msg: &str) -> Response {
    error_page(
        StatusCode::BAD_REQUEST,
        "提交的数据无效",
        msg.to_owned(),
        Vec::new(),
    )
}

fn too_large() -> Response {
    error_page(
        StatusCode::PAYLOAD_TOO_LARGE,
        "文件过大",
        format!(
            "一次上传的文件合计不能超过 {} MB，请分几次添加附件",
            super::MAX_UPLOAD_BODY / 1024 / 1024
        ),
        Vec::new(),
    )
}

/// Reads the whole form; an error is the response to send.
pub(crate) async fn read(user: &CurrentUser, mut mp: Multipart) -> Result<Submitted, Response> {
    let mut csrf_ok = false;
    let mut out = Submitted::default();
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(bad("上传的表单格式不正确，请返回刷新页面后重试")),
        };
        let name = field.name().unwrap_or_default().to_owned();
        if name == "csrf_token" {
            let t = field.text().await.map_err(|_| bad("表单格式不正确"))?;
            csrf_ok = check_csrf(user, &t);
            if !csrf_ok {
                return Err(forbidden_csrf());
            }
            continue;
        }
        if !csrf_ok {
            return Err(forbidden_csrf());
        }
        if name == FILES {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = match field.bytes().await {
                Ok(b) => b.to_vec(),
                Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
                Err(_) => return Err(bad("文件上传中断，请重试")),
            };
            // An empty file input still sends one nameless, empty part.
            if !(file_name.is_empty() && bytes.is_empty()) {
                out.files.push(Upload { file_name, bytes });
            }
            continue;
        }
        let bytes = field.bytes().await.map_err(|_| bad("表单格式不正确"))?;
        if bytes.len() > MAX_TEXT_BYTES {
            return Err(bad("填写的内容过长"));
        }
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| bad("表单内容不是有效的文字"))?;
        out.pairs.push((name, text));
    }
    if !csrf_ok {
        return Err(forbidden_csrf());
    }
    Ok(out)
}
