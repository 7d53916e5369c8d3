//! The record form and its checks: every field parsed and cross-checked
//! against the active profile and the organization's members, all errors
//! reported at once with the form field they belong to. Nothing here
//! touches the database; the caller loads what the checks need.

use crate::error::{Errors, ServiceError, ServiceResult};
use dangjian_domain::FieldError;
use dangjian_domain::error::{date_field, text_field};
use dangjian_domain::org::OrgKind;
use dangjian_domain::policy::{Profile, RecordType, quorum_met};
use dangjian_store::record::{AttendanceLine, ExpectedMember, RecordFields};
use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Limits of the free-text fields, in characters.
pub const MAX_PLACE: usize = 100;
pub const MAX_HOST: usize = 30;
pub const MAX_TOPICS: usize = 500;
pub const MAX_MINUTES: usize = 20_000;
pub const MAX_ABSENT_REASON: usize = 200;
/// Count-only attendance at most (a county-wide 党课 in a hall).
pub const MAX_HEADCOUNT: i64 = 10_000;
/// No record is dated before this day.
pub const EARLIEST: Date = date(2000, 1, 1);

/// One line of the sign-in list as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct AttendanceForm {
    pub member_id: i64,
    pub present: bool,
    /// Only kept for absent members.
    pub absent_reason: String,
}

/// The record form as submitted (web form, phone form or JSON).
///
/// Attendance comes in one of two ways. For an organization with members of
/// its own (a branch), `attendance` is the sign-in list: the page pre-fills
/// one line per active member (`records::form_options`), a member not listed
/// counts as absent, and the figures are computed from it. For an
/// organization without members of its own (a 党委 studying as a group, a
/// 党小组), `expected_count` and `present_count` are typed in.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RecordForm {
    /// A record type code of the active profile.
    pub record_type: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub place: String,
    pub host: String,
    pub topics: String,
    pub minutes: String,
    /// Mark codes of the record type (e.g. `by_secretary` 书记讲党课).
    pub marks: Vec<String>,
    pub attendance: Vec<AttendanceForm>,
    pub expected_count: String,
    pub present_count: String,
}

/// The parsed form: stored fields and the sign-in list.
#[derive(Debug, Clone)]
pub(crate) struct Parsed {
    pub fields: RecordFields,
    pub lines: Vec<AttendanceLine>,
}

/// What the checks need to know about the organization.
pub(crate) struct OrgContext<'a> {
    pub kind: OrgKind,
    pub members: &'a [ExpectedMember],
}

/// Parses and checks the form against the profile, the organization and
/// `today`.
pub(crate) fn parse(
    form: &RecordForm,
    profile: &Profile,
    profile_version: i64,
    org: &OrgContext<'_>,
    today: Date,
) -> ServiceResult<Parsed> {
    let mut e = Errors::default();
    let rtype = e.take(record_type(form, profile, org.kind));
    let held_on = e.take(date_field("held_on", "活动日期", &form.held_on));
    if let Some(d) = held_on {
        if d > today {
            e.push(FieldError::new("held_on", "活动日期不能晚于今天"));
        } else if d < EARLIEST {
            e.push(FieldError::new("held_on", "活动日期不能早于2000年1月1日"));
        }
    }
    let place = e.take(text_field(
        "place",
        "活动地点",
        &form.place,
        true,
        MAX_PLACE,
    ));
    let host = e.take(text_field("host", "主持人", &form.host, true, MAX_HOST));
    let topics = e.take(text_field(
        "topics",
        "主题或议题",
        &form.topics,
        true,
        MAX_TOPICS,
    ));
    let minutes = e.take(minutes_field(&form.minutes, rtype));
    let marks = rtype.and_then(|t| e.take(marks_field(&form.marks, t)));
    let attendance = e.take(attendance(form, org));
    e.finish()?;
    let (
        Some(rtype),
        Some(held_on),
        Some(place),
        Some(host),
        Some(topics),
        Some(minutes),
        Some(marks),
        Some(att),
    ) = (
        rtype, held_on, place, host, topics, minutes, marks, attendance,
    )
    else {
        unreachable!("finish() returned Ok, so every field parsed")
    };
    let valid = !rtype.members_meeting || quorum_met(att.voting as u32, att.voting_present as u32);
    Ok(Parsed {
        fields: RecordFields {
            record_type: rtype.code.clone(),
            held_on: held_on.to_string(),
            place,
            host,
            topics,
            minutes,
            expected_count: att.expected,
            present_count: att.present,
            voting_count: att.voting,
            voting_present: att.voting_present,
            valid,
            marks,
            profile_version,
        },
        lines: att.lines,
    })
}

fn record_type<'p>(
    form: &RecordForm,
    profile: &'p Profile,
    kind: OrgKind,
) -> Result<&'p RecordType, FieldError> {
    let code = form.record_type.trim();
    if code.is_empty() {
        return Err(FieldError::new("record_type", "请选择记录类型"));
    }
    let t = profile
        .record_type(code)
        .or_else(|| profile.record_types().iter().find(|t| t.label == code))
        .ok_or_else(|| FieldError::new("record_type", "当前政策配置中没有这种记录类型"))?;
    if !t.may_be_held_by(kind) {
        return Err(FieldError::new(
            "record_type",
            format!("{}不能开展“{}”", kind.label(), t.label),
        ));
    }
    Ok(t)
}

fn minutes_field(raw: &str, rtype: Option<&RecordType>) -> Result<String, FieldError> {
    // Minutes are long text: line breaks are kept, other controls refused.
    let value = raw.trim();
    if value.is_empty() {
        if let Some(t) = rtype.filter(|t| t.minutes_required) {
            return Err(FieldError::new(
                "minutes",
                format!("“{}”须填写会议记录", t.label),
            ));
        }
        return Ok(String::new());
    }
    if value.chars().count() > MAX_MINUTES {
        return Err(FieldError::new(
            "minutes",
            format!("会议记录不能超过{MAX_MINUTES}个字"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(FieldError::new("minutes", "会议记录含有不可见的控制字符"));
    }
    Ok(value.replace("\r\n", "\n"))
}

fn marks_field(raw: &[String], t: &RecordType) -> Result<String, FieldError> {
    let mut codes: Vec<&str> = Vec::new();
    for m in raw.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
        let mark = t
            .mark(m)
            .or_else(|| t.marks.iter().find(|k| k.label == m))
            .ok_or_else(|| FieldError::new("marks", format!("“{}”没有“{m}”这一标记", t.label)))?;
        if !codes.contains(&mark.code.as_str()) {
            codes.push(&mark.code);
        }
    }
    Ok(codes.join(","))
}

/// Attendance figures and the sign-in list.
struct Attendance {
    expected: i64,
    present: i64,
    voting: i64,
    voting_present: i64,
    lines: Vec<AttendanceLine>,
}

fn attendance(form: &RecordForm, org: &OrgContext<'_>) -> Result<Attendance, FieldError> {
    if org.members.is_empty() {
        return headcount(form);
    }
    let mut seen = HashSet::new();
    let mut by_id = std::collections::HashMap::new();
    for line in &form.attendance {
        let Some(m) = org.members.iter().find(|m| m.id == line.member_id) else {
            return Err(FieldError::new(
                "attendance",
                format!(
                    "出席名单中的人员（编号{}）不是本组织的在册党员，实到人数不能超过本组织党员人数（{}人）",
                    line.member_id,
                    org.members.len()
                ),
            ));
        };
        if !seen.insert(line.member_id) {
            return Err(FieldError::new(
                "attendance",
                format!("出席名单中{}重复出现", m.name),
            ));
        }
        let reason = line.absent_reason.trim();
        if !line.present && reason.chars().count() > MAX_ABSENT_REASON {
            return Err(FieldError::new(
                "attendance",
                format!("{}的缺席原因不能超过{MAX_ABSENT_REASON}个字", m.name),
            ));
        }
        if !line.present && reason.chars().any(char::is_control) {
            return Err(FieldError::new(
                "attendance",
                format!("{}的缺席原因含有不可见的控制字符", m.name),
            ));
        }
        by_id.insert(line.member_id, line);
    }
    let mut a = Attendance {
        expected: 0,
        present: 0,
        voting: 0,
        voting_present: 0,
        lines: Vec::with_capacity(org.members.len()),
    };
    for m in org.members {
        let line = by_id.get(&m.id);
        let present = line.is_some_and(|l| l.present);
        let reason = match line {
            Some(l) if !present => l.absent_reason.trim().to_owned(),
            _ => String::new(),
        };
        let voting = m.category == "full";
        a.expected += 1;
        a.present += i64::from(present);
        a.voting += i64::from(voting);
        a.voting_present += i64::from(voting && present);
        a.lines.push(AttendanceLine {
            member_id: m.id,
            present,
            absent_reason: reason,
        });
    }
    if a.present == 0 {
        return Err(FieldError::new("attendance", "请在出席名单中勾选实到人员"));
    }
    Ok(a)
}

/// Typed-in figures, for organizations without members of their own.
fn headcount(form: &RecordForm) -> Result<Attendance, FieldError> {
    let number = |field: &'static str, label: &str, raw: &str| -> Result<i64, FieldError> {
        match raw.trim().parse::<i64>() {
            Ok(n) if (1..=MAX_HEADCOUNT).contains(&n) => Ok(n),
            _ if raw.trim().is_empty() => Err(FieldError::new(field, format!("请填写{label}"))),
            _ => Err(FieldError::new(
                field,
                format!("{label}应为1到{MAX_HEADCOUNT}之间的整数"),
            )),
        }
    };
    if !form.attendance.is_empty() {
        return Err(FieldError::new(
            "attendance",
            "本组织没有直属党员，请填写应到和实到人数，不能逐人登记",
        ));
    }
    let expected = number("expected_count", "应到人数", &form.expected_count)?;
    let present = number("present_count", "实到人数", &form.present_count)?;
    if present > expected {
        return Err(FieldError::new(
            "present_count",
            format!("实到人数（{present}）不能超过应到人数（{expected}）"),
        ));
    }
    Ok(Attendance {
        expected,
        present,
        voting: expected,
        voting_present: present,
        lines: Vec::new(),
    })
}

/// The notice shown with a saved members' meeting that lacks a quorum.
pub fn quorum_notice(f: &RecordFields) -> String {
    format!(
        "有表决权的党员应到{}人、实到{}人，未超过半数，本次党员大会无效，不计入规定动作完成情况",
        f.voting_count, f.voting_present
    )
}

/// Refuses a form for a dissolved organization.
pub(crate) fn require_active_org(status: &str) -> ServiceResult<()> {
    if status == "active" {
        Ok(())
    } else {
        Err(ServiceError::field(
            "org_id",
            "该组织已撤销，不能再登记组织生活",
        ))
    }
}
