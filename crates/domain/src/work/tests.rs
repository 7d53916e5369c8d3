use super::*;
use crate::ids::OrgId;
use jiff::civil::{Date, date};
use proptest::prelude::*;

fn action(kind: ActionKind) -> Action {
    match kind {
        ActionKind::Start => Action::Start,
        ActionKind::Submit => Action::Submit,
        ActionKind::Accept => Action::Accept,
        ActionKind::Return => Action::Return {
            reason: "材料不全，请补充会议记录".into(),
        },
        ActionKind::Note => Action::Note {
            text: "已召开专题会议".into(),
            attachments: 2,
        },
    }
}

const PARTIES: [Party; 4] = [Party::Assignee, Party::Owner, Party::Parent, Party::Other];

/// The whole allowed table, written out independently of the engine.
fn expected(state: WorkState, kind: ActionKind, party: Party) -> Option<WorkState> {
    use ActionKind as A;
    use Party as P;
    use WorkState as S;
    match (state, kind, party) {
        (S::Assigned, A::Start, P::Assignee) => Some(S::InProgress),
        (S::InProgress, A::Submit, P::Assignee) => Some(S::Submitted),
        (S::Submitted, A::Accept, P::Owner) => Some(S::Accepted),
        (S::Submitted, A::Return, P::Owner) => Some(S::InProgress),
        (
            S::Assigned | S::InProgress | S::Submitted,
            A::Note,
            P::Assignee | P::Owner | P::Parent,
        ) => Some(state),
        _ => None,
    }
}

#[test]
fn every_state_action_and_party() {
    let mut allowed = 0;
    for state in WorkState::ALL {
        for kind in ActionKind::ALL {
            for party in PARTIES {
                let got = transition(state, &action(kind), party);
                match (expected(state, kind, party), got) {
                    (Some(to), Ok(t)) => {
                        allowed += 1;
                        assert_eq!((t.from, t.to, t.action, t.party), (state, to, kind, party));
                        assert!(t.needs_audit);
                    }
                    (None, Err(e)) => {
                        let msg = e.to_string();
                        assert!(!msg.is_empty() && msg.contains(kind.label()), "{msg}");
                    }
                    (want, got) => panic!("{state:?} {kind:?} {party:?}: {want:?} vs {got:?}"),
                }
            }
        }
    }
    assert_eq!(allowed, 4 + 9);
}

#[test]
fn refusals_say_why_in_chinese() {
    let cases = [
        (
            WorkState::Accepted,
            ActionKind::Note,
            Party::Owner,
            "事项已验收销号，不能再填写进展",
        ),
        (
            WorkState::Submitted,
            ActionKind::Accept,
            Party::Assignee,
            "承办单位无权验收销号：只有交办单位可以验收销号",
        ),
        (
            WorkState::Assigned,
            ActionKind::Submit,
            Party::Assignee,
            "事项当前为“已分派”，不能提交办结：只有“办理中”的事项可以提交办结",
        ),
        (
            WorkState::InProgress,
            ActionKind::Note,
            Party::Other,
            "无关单位无权填写进展：只有承办单位、交办单位、上级党组织可以填写进展",
        ),
        (
            WorkState::Submitted,
            ActionKind::Return,
            Party::Parent,
            "上级党组织无权退回重办：只有交办单位可以退回重办",
        ),
    ];
    for (state, kind, party, msg) in cases {
        assert_eq!(
            transition(state, &action(kind), party)
                .unwrap_err()
                .to_string(),
            msg
        );
    }
}

#[test]
fn a_return_needs_a_reason_of_at_most_500_characters() {
    let ret = |reason: &str| {
        transition(
            WorkState::Submitted,
            &Action::Return {
                reason: reason.into(),
            },
            Party::Owner,
        )
    };
    assert_eq!(ret("  ").unwrap_err().to_string(), "请填写退回理由");
    assert_eq!(
        ret(&"退".repeat(501)).unwrap_err().to_string(),
        "退回理由不能超过500个字"
    );
    let t = ret(&format!(" {} ", "退".repeat(500))).unwrap();
    assert_eq!(t.text.unwrap().chars().count(), 500);
    assert_eq!(t.to, WorkState::InProgress);
}

#[test]
fn a_note_keeps_the_state_and_counts_attachments() {
    let note = |text: &str, attachments| {
        transition(
            WorkState::InProgress,
            &Action::Note {
                text: text.into(),
                attachments,
            },
            Party::Assignee,
        )
    };
    let t = note("完成整改方案", 3).unwrap();
    assert_eq!(
        (t.from, t.to, t.attachments),
        (WorkState::InProgress, WorkState::InProgress, 3)
    );
    assert_eq!(t.text.as_deref(), Some("完成整改方案"));
    assert_eq!(note("", 1).unwrap_err().to_string(), "请填写进展情况");
    assert_eq!(
        note("照片", 21).unwrap_err().to_string(),
        "每条进展最多20个附件"
    );
}

#[test]
fn states_round_trip_their_codes() {
    for s in WorkState::ALL {
        assert_eq!(WorkState::from_code(s.code()), Some(s));
    }
    assert_eq!(WorkState::from_code("done"), None);
}

const DEADLINE: Date = date(2026, 6, 30);

fn day(d: i8) -> Date {
    DEADLINE
        .checked_add(jiff::Span::new().days(i64::from(d)))
        .unwrap()
}

#[test]
fn overdue_starts_the_day_after_the_deadline() {
    use DeadlineStatus as D;
    let s = |state, submitted, today| deadline_status(DEADLINE, state, submitted, today);
    assert_eq!(
        s(WorkState::InProgress, None, day(-2)),
        D::Pending { days_left: 2 }
    );
    assert_eq!(
        s(WorkState::InProgress, None, day(0)),
        D::Pending { days_left: 0 }
    );
    assert_eq!(s(WorkState::Assigned, None, day(1)), D::Overdue { days: 1 });
    assert_eq!(
        s(WorkState::Submitted, Some(day(0)), day(9)),
        D::SubmittedOnTime
    );
    assert_eq!(
        s(WorkState::Submitted, Some(day(2)), day(9)),
        D::SubmittedLate { days: 2 }
    );
    assert_eq!(
        s(WorkState::Submitted, None, day(3)),
        D::SubmittedLate { days: 3 }
    );
    assert_eq!(s(WorkState::Accepted, Some(day(50)), day(99)), D::Closed);
    assert_eq!(D::SubmittedLate { days: 2 }.label(), "逾期提交");
    assert!(D::Overdue { days: 1 }.is_late() && !D::Closed.is_late());
}

#[test]
fn escalation_at_the_day_boundaries() {
    let rule = EscalationRule {
        grace_days: 3,
        further_days: 7,
    };
    let e = |state, d| escalation(DEADLINE, state, day(d), rule);
    assert_eq!(e(WorkState::InProgress, 3), Escalation::None);
    assert_eq!(e(WorkState::InProgress, 4), Escalation::Parent);
    assert_eq!(e(WorkState::Assigned, 10), Escalation::Parent);
    assert_eq!(e(WorkState::Assigned, 11), Escalation::Grandparent);
    assert_eq!(e(WorkState::Submitted, 40), Escalation::None);
    assert_eq!(e(WorkState::Accepted, 40), Escalation::None);
    assert_eq!(Escalation::Grandparent.levels_up(), 2);
    let zero = EscalationRule {
        grace_days: 0,
        further_days: 0,
    };
    assert_eq!(
        escalation(DEADLINE, WorkState::Assigned, day(0), zero),
        Escalation::None
    );
    assert_eq!(
        escalation(DEADLINE, WorkState::Assigned, day(1), zero),
        Escalation::Grandparent
    );
}

#[test]
fn a_task_progress_table() {
    let item = |org, state, submitted_on, reported| UnitItem {
        org: OrgId(org),
        state,
        deadline: DEADLINE,
        submitted_on,
        reported,
    };
    let items = [
        item(1, WorkState::Assigned, None, false),
        item(2, WorkState::InProgress, None, true),
        item(3, WorkState::Submitted, Some(day(2)), true),
        item(4, WorkState::Submitted, Some(day(-1)), true),
        item(5, WorkState::Accepted, Some(day(-5)), true),
        item(6, WorkState::InProgress, None, false),
    ];
    let p = task_progress(&items, day(5));
    assert_eq!(
        (p.units, p.assigned, p.in_progress, p.submitted, p.accepted),
        (6, 1, 2, 2, 1)
    );
    assert_eq!((p.overdue, p.submitted_late), (3, 1));
    assert_eq!(p.not_reported, [OrgId(1), OrgId(6)]);
    assert_eq!(p.accepted_permille(), 166);
    assert_eq!(task_progress(&[], day(0)).accepted_permille(), 0);
    // On the deadline day nothing open is overdue yet; a late submission
    // stays late whatever day the table is read.
    let early = task_progress(&items, day(0));
    assert_eq!((early.overdue, early.submitted_late), (0, 1));
}

fn step_strategy() -> impl Strategy<Value = (ActionKind, Party, bool)> {
    (
        proptest::sample::select(ActionKind::ALL.to_vec()),
        proptest::sample::select(PARTIES.to_vec()),
        any::<bool>(),
    )
}

proptest! {
    /// Random sequences of actions by random parties: nothing leaves
    /// 已验收, every success is an auditable record of a real move (or a
    /// note), and the state follows the records exactly.
    #[test]
    fn random_sequences_never_leave_accepted(steps in proptest::collection::vec(step_strategy(), 0..60)) {
        let mut state = WorkState::Assigned;
        let mut audit: Vec<Transition> = Vec::new();
        for (kind, party, empty_text) in steps {
            let act = match (kind, empty_text) {
                (ActionKind::Return, true) => Action::Return { reason: String::new() },
                (ActionKind::Note, true) => Action::Note { text: " ".into(), attachments: 0 },
                _ => action(kind),
            };
            let before = state;
            match transition(state, &act, party) {
                Ok(t) => {
                    prop_assert!(before != WorkState::Accepted);
                    prop_assert!(t.needs_audit);
                    prop_assert_eq!(t.from, before);
                    prop_assert_eq!(Some(t.to), expected(before, kind, party));
                    state = t.to;
                    audit.push(t);
                }
                Err(_) => prop_assert!(expected(before, kind, party).is_none() || empty_text),
            }
        }
        // The audit trail replays to the final state.
        let replayed = audit.iter().fold(WorkState::Assigned, |s, t| {
            assert_eq!(t.from, s);
            t.to
        });
        prop_assert_eq!(replayed, state);
    }

    #[test]
    fn escalation_never_goes_down_as_days_pass(d in -30i8..60, more in 0i8..30, grace in 0u32..10, further in 0u32..10) {
        let rule = EscalationRule { grace_days: grace, further_days: further };
        for state in WorkState::ALL {
            let a = escalation(DEADLINE, state, day(d), rule);
            let b = escalation(DEADLINE, state, day(d + more), rule);
            prop_assert!(b >= a);
            if a != Escalation::None {
                prop_assert!(deadline_status(DEADLINE, state, None, day(d)).is_late());
            }
        }
    }
}

#[test]
fn notes_and_reasons_keep_their_line_breaks() {
    let t = transition(
        WorkState::InProgress,
        &Action::Note {
            text: " 一、已召开会议\r\n二、已整改\t完毕 ".into(),
            attachments: 0,
        },
        Party::Assignee,
    )
    .unwrap();
    assert_eq!(t.text.as_deref(), Some("一、已召开会议\n二、已整改\t完毕"));
    let e = transition(
        WorkState::Submitted,
        &Action::Return {
            reason: "缺少\u{7}材料".into(),
        },
        Party::Owner,
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "退回理由含有不可见的控制字符");
}
