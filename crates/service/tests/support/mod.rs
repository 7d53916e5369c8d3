//! Helpers shared by the records, compliance and policy tests: a fixed
//! "today", record forms, row counts and the audit-chain check.

#![allow(dead_code)]

use crate::common::TestSvc;
use dangjian_service::audit::{self, Verification};
use dangjian_service::records::{AttendanceForm, RecordForm};
use dangjian_service::{Actor, Clock, ServiceError};

/// 2026-11-29 at noon in Shanghai.
pub const NOW: &str = "2026-11-29T04:00:00Z";

pub async fn fixed() -> Vec<TestSvc> {
    let mut all = TestSvc::all().await;
    for t in &mut all {
        t.svc.clock = Clock::Fixed(NOW.parse().unwrap());
    }
    all
}

/// A form for `record_type` on `held_on` with minutes and no attendance.
pub fn form(record_type: &str, held_on: &str) -> RecordForm {
    RecordForm {
        record_type: record_type.into(),
        held_on: held_on.into(),
        place: "村党群服务中心".into(),
        host: "张书记".into(),
        topics: "学习党的二十届四中全会精神".into(),
        minutes: "会议传达学习了有关精神，并结合实际进行了讨论。".into(),
        ..RecordForm::default()
    }
}

/// The sign-in list: `present` members present, `absent` absent with a reason.
pub fn sheet(present: &[i64], absent: &[i64]) -> Vec<AttendanceForm> {
    let mut v: Vec<AttendanceForm> = present
        .iter()
        .map(|&m| AttendanceForm {
            member_id: m,
            present: true,
            absent_reason: String::new(),
        })
        .collect();
    v.extend(absent.iter().map(|&m| AttendanceForm {
        member_id: m,
        present: false,
        absent_reason: "外出务工".into(),
    }));
    v
}

/// A form with a headcount (for organizations without members of their own).
pub fn counted(record_type: &str, held_on: &str, expected: u32, present: u32) -> RecordForm {
    RecordForm {
        expected_count: expected.to_string(),
        present_count: present.to_string(),
        ..form(record_type, held_on)
    }
}

/// The fixture members of an organization, in id order.
pub async fn members_of(t: &TestSvc, org: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM members WHERE org_id = $1 ORDER BY id")
        .bind(org)
        .fetch_all(&t.svc.store.pool)
        .await
        .unwrap()
}

pub async fn count(t: &TestSvc, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
        .fetch_one(&t.svc.store.pool)
        .await
        .unwrap()
}

/// (records, attendance lines, attachments, audit rows).
pub async fn counts(t: &TestSvc) -> (i64, i64, i64, i64) {
    (
        count(t, "records").await,
        count(t, "record_attendance").await,
        count(t, "attachments").await,
        count(t, "audit_log").await,
    )
}

pub async fn chain_ok(t: &TestSvc) {
    match audit::verify(&t.svc).await.unwrap() {
        Verification::Ok { .. } => {}
        Verification::Broken(b) => panic!("{}: audit chain broken: {b:?}", t.engine),
    }
}

/// The (field, message) pairs of a refusal.
pub fn invalid(r: Result<impl std::fmt::Debug, ServiceError>) -> Vec<(String, String)> {
    match r {
        Err(ServiceError::Invalid(errs)) => errs
            .into_iter()
            .map(|e| (e.field.to_owned(), e.message))
            .collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

pub fn fe(field: &str, message: &str) -> Vec<(String, String)> {
    vec![(field.to_owned(), message.to_owned())]
}

pub fn forbidden(r: Result<impl std::fmt::Debug, ServiceError>) -> String {
    match r {
        Err(ServiceError::Forbidden(m)) => m,
        other => panic!("expected forbidden, got {other:?}"),
    }
}

pub async fn actor(t: &TestSvc, name: &str) -> Actor {
    t.actor(name).await
}
