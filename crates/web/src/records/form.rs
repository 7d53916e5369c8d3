//! The entry and edit form of a record: one column for a phone, the record
//! types the organization may hold, the sign-in list pre-checked present
//! (or typed-in counts for an organization without members of its own),
//! photos taken on the spot; re-rendered with the messages next to their
//! fields when the service refuses it.

use super::upload::{self, Submitted};
use super::{FieldErrors, Opt};
use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::layout::{Layout, render, status_of, with_status};
use crate::orgs::parse_id;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use dangjian_domain::FieldError;
use dangjian_service::ServiceError;
use dangjian_service::records::{self, FormOptions, RecordDetail, RecordForm};
use dangjian_service::store::org::OrgRow;
use serde::Deserialize;

/// A mark checkbox: the mark's code, its label with the types it belongs to.
pub(super) struct MarkBox {
    value: String,
    label: String,
    checked: bool,
}

/// One line of the sign-in list.
pub(super) struct MemberLine {
    id: i64,
    name: String,
    probationary: bool,
    present: bool,
    reason: String,
}

#[derive(Template)]
#[template(path = "records/form.html")]
pub(super) struct FormPage {
    l: Layout,
    title: String,
    action: String,
    cancel: String,
    org: OrgRow,
    type_opts: Vec<Opt>,
    /// Which types need minutes, in words.
    minutes_hint: String,
    minutes_required: bool,
    marks: Vec<MarkBox>,
    members: Vec<MemberLine>,
    form: RecordForm,
    errors: Vec<FieldError>,
    max_date: String,
    /// The entry form takes photos; the edit form leaves them to the detail page.
    with_files: bool,
    /// Files were chosen but the form came back: they must be chosen again.
    files_dropped: bool,
}

impl FieldErrors for FormPage {
    fn errors(&self) -> &[FieldError] {
        &self.errors
    }
}

/// What the page shows besides the options and the form.
struct Frame {
    title: String,
    action: String,
    cancel: String,
    with_files: bool,
    files_dropped: bool,
}

fn form_page(
    user: &CurrentUser,
    opts: FormOptions,
    frame: Frame,
    form: RecordForm,
    errors: Vec<FieldError>,
) -> Response {
    let mut type_opts = vec![Opt {
        value: String::new(),
        label: "请选择".into(),
        selected: form.record_type.is_empty(),
    }];
    type_opts.extend(opts.record_types.iter().map(|t| Opt {
        value: t.code.clone(),
        label: t.label.clone(),
        selected: t.code == form.record_type,
    }));
    // The hint names the shorter list: the types that need minutes, or
    // (usually) the few that do not.
    let (needed, optional): (Vec<&str>, Vec<&str>) = {
        let (a, b): (Vec<_>, Vec<_>) = opts.record_types.iter().partition(|t| t.minutes_required);
        (
            a.iter().map(|t| t.label.as_str()).collect(),
            b.iter().map(|t| t.label.as_str()).collect(),
        )
    };
    let minutes_hint = if needed.is_empty() {
        "可简要记录讨论和决定的事项".to_owned()
    } else if optional.is_empty() {
        "各类活动均须填写会议记录".to_owned()
    } else if needed.len() <= optional.len() {
        format!("{}须填写会议记录", needed.join("、"))
    } else {
        format!("除{}外，各类活动均须填写会议记录", optional.join("、"))
    };
    let minutes_required = opts
        .record_types
        .iter()
        .any(|t| t.code == form.record_type && t.minutes_required);
    let mut marks: Vec<MarkBox> = Vec::new();
    let mut owners: Vec<Vec<&str>> = Vec::new();
    for t in &opts.record_types {
        for (code, label) in &t.marks {
            if let Some(i) = marks.iter().position(|m| &m.value == code) {
                owners[i].push(&t.label);
            } else {
                marks.push(MarkBox {
                    value: code.clone(),
                    label: label.clone(),
                    checked: form.marks.contains(code),
                });
                owners.push(vec![&t.label]);
            }
        }
    }
    for (m, types) in marks.iter_mut().zip(&owners) {
        m.label = format!("{}（适用于{}）", m.label, types.join("、"));
    }
    let members = opts
        .members
        .iter()
        .map(|m| {
            let line = form.attendance.iter().find(|a| a.member_id == m.id);
            MemberLine {
                id: m.id,
                name: m.name.clone(),
                probationary: m.category == "probationary",
                present: line.is_some_and(|a| a.present),
                reason: line.map(|a| a.absent_reason.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let status = status_of(&errors);
    let r = render(&FormPage {
        l: Layout::new(user, "life"),
        title: frame.title,
        action: frame.action,
        cancel: frame.cancel,
        org: opts.org,
        type_opts,
        minutes_hint,
        minutes_required,
        marks,
        members,
        form,
        errors,
        max_date: opts.max_date,
        with_files: frame.with_files,
        files_dropped: frame.files_dropped,
    });
    with_status(r, status)
}

fn new_frame(org: i64, files_dropped: bool) -> Frame {
    Frame {
        title: "登记组织生活".into(),
        action: "/records/new".into(),
        cancel: format!("/records?org={org}"),
        with_files: true,
        files_dropped,
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewQuery {
    org: String,
    /// A record type to preselect (the 组织生活 page links "what is due").
    #[serde(rename = "type")]
    record_type: String,
}

/// The organization named by a raw id, or the user's own.
fn org_or_own(user: &CurrentUser, raw: &str) -> Result<i64, AppError> {
    if raw.trim().is_empty() {
        return Ok(user.actor.org_id.0);
    }
    parse_id(raw.trim())
}

pub(super) async fn new_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> Result<Response, AppError> {
    let org = org_or_own(&user, &q.org)?;
    let opts = records::form_options(&st.svc, &user.actor, org).await?;
    // Everyone present until unticked; the date defaults to today.
    let record_type = opts
        .record_types
        .iter()
        .find(|t| t.code == q.record_type.trim())
        .map(|t| t.code.clone())
        .unwrap_or_default();
    let form = RecordForm {
        record_type,
        held_on: opts.max_date.clone(),
        attendance: opts
            .members
            .iter()
            .map(|m| records::AttendanceForm {
                member_id: m.id,
                present: true,
                absent_reason: String::new(),
            })
            .collect(),
        ..RecordForm::default()
    };
    let frame = new_frame(opts.org.id, false);
    Ok(form_page(&user, opts, frame, form, Vec::new()))
}

pub(super) async fn create(
    State(st): State<AppState>,
    user: CurrentUser,
    mp: Multipart,
) -> Result<Response, AppError> {
    let sent: Submitted = match upload::read(&user, mp).await {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let org = org_or_own(&user, sent.value("org"))?;
    let form = sent.record_form();
    match records::create(&st.svc, &user.actor, org, &form, &sent.files).await {
        Ok(saved) => Ok(Redirect::to(&format!("/records/{}?saved=1", saved.id)).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let opts = records::form_options(&st.svc, &user.actor, org).await?;
            let frame = new_frame(opts.org.id, !sent.files.is_empty());
            Ok(form_page(&user, opts, frame, form, errors))
        }
        Err(e) => Err(e.into()),
    }
}

/// The record, if the user may change it; a confirmed record is changed
/// only by a parent organization.
async fn editable(st: &AppState, user: &CurrentUser, id: i64) -> Result<RecordDetail, AppError> {
    let d = records::get(&st.svc, &user.actor, id).await?;
    if !d.can_edit {
        user.actor
            .require(dangjian_domain::role::Permission::EditOrg)?;
        return Err(
            ServiceError::forbidden("已审核确认的记录不能由本级修改，请联系上级党组织").into(),
        );
    }
    Ok(d)
}

fn edit_frame(d: &RecordDetail) -> Frame {
    Frame {
        title: format!("修改组织生活记录：{}", d.type_label),
        action: format!("/records/{}/edit", d.record.id),
        cancel: format!("/records/{}", d.record.id),
        with_files: false,
        files_dropped: false,
    }
}

pub(super) async fn edit_page(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let d = editable(&st, &user, id).await?;
    let opts = records::form_options(&st.svc, &user.actor, d.record.org_id).await?;
    let r = &d.record;
    let form = RecordForm {
        record_type: r.record_type.clone(),
        held_on: r.held_on.clone(),
        place: r.place.clone(),
        host: r.host.clone(),
        topics: r.topics.clone(),
        minutes: r.minutes.clone(),
        marks: d.marks.iter().map(|(c, _)| c.clone()).collect(),
        attendance: d
            .attendance
            .iter()
            .map(|a| records::AttendanceForm {
                member_id: a.member_id,
                present: a.present != 0,
                absent_reason: a.absent_reason.clone(),
            })
            .collect(),
        expected_count: if opts.members.is_empty() {
            r.expected_count.to_string()
        } else {
            String::new()
        },
        present_count: if opts.members.is_empty() {
            r.present_count.to_string()
        } else {
            String::new()
        },
    };
    let frame = edit_frame(&d);
    Ok(form_page(&user, opts, frame, form, Vec::new()))
}

pub(super) async fn update(
    State(st): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let sent = match upload::read(&user, mp).await {
        Ok(s) => s,
        Err(r) => return Ok(r),
    };
    let d = editable(&st, &user, id).await?;
    let form = sent.record_form();
    match records::update(&st.svc, &user.actor, id, &form).await {
        Ok(_) => Ok(Redirect::to(&format!("/records/{id}?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let opts = records::form_options(&st.svc, &user.actor, d.record.org_id).await?;
            Ok(form_page(&user, opts, edit_frame(&d), form, errors))
        }
        Err(e) => Err(e.into()),
    }
}
