//! ID numbers, masks, the birth month in clear, age bands and member dates.

use super::*;
use jiff::civil::date;
use proptest::prelude::*;

fn make_id(region: &str, birth: &str, seq: &str) -> String {
    let first = format!("{region}{birth}{seq}");
    let c = id_check_char(first.as_bytes()) as char;
    format!("{first}{c}")
}

#[test]
fn a_known_valid_number_parses() {
    // The standard's worked example.
    let id = IdCardNo::parse("11010519491231002X").unwrap();
    assert_eq!(id.birth_date(), date(1949, 12, 31));
    assert_eq!(id.gender(), Gender::Female);
    assert_eq!(id.masked(), "110105************");
    assert_eq!(id.birth_month(), "1949-12");
    let lower = IdCardNo::parse(" 11010519491231002x ").unwrap();
    assert_eq!(lower.as_str(), "11010519491231002X");
}

#[test]
fn bad_numbers_are_refused_with_reasons() {
    let cases = [
        ("", "请填写"),
        ("1101051949123100", "18位"),
        ("11010519491231002Y", "前17位"),
        ("110105194912310021", "校验位"),
        ("110105194902300021", "出生日期"),
        ("１１０１０５１９４９１２３１００２Ｘ", "18位"),
    ];
    for (raw, needle) in cases {
        let err = IdCardNo::parse(raw).unwrap_err();
        assert_eq!(err.field, "id_card");
        assert!(err.message.contains(needle), "{raw}: {}", err.message);
    }
}

#[test]
fn consistency_with_form_fields() {
    let id = IdCardNo::parse(&make_id("360102", "19800315", "124")).unwrap();
    assert_eq!(id.gender(), Gender::Female);
    assert!(
        id.check_consistent(Some(date(1980, 3, 15)), Some(Gender::Female))
            .is_ok()
    );
    assert_eq!(
        id.check_consistent(Some(date(1980, 3, 16)), None)
            .unwrap_err()
            .field,
        "birth_date"
    );
    assert_eq!(
        id.check_consistent(None, Some(Gender::Male))
            .unwrap_err()
            .field,
        "gender"
    );
}

fn raw(id_card: &str) -> RawMember<'_> {
    RawMember {
        org_id: "7",
        name: "张三",
        id_card,
        category: "full",
        joined_on: "2010-07-01",
        full_on: "2011-07-01",
        ..RawMember::default()
    }
}

#[test]
fn a_new_member_parses_into_typed_values() {
    let today = date(2026, 11, 29);
    let id = make_id("360102", "19800315", "123");
    let m = MemberInput::parse(
        &RawMember {
            phone: "138 1234 5678",
            gender: "男",
            ..raw(&id)
        },
        today,
        None,
    )
    .unwrap();
    assert_eq!(m.org_id, 7);
    assert_eq!(m.gender, Gender::Male);
    assert_eq!(m.birth_date, date(1980, 3, 15));
    assert_eq!(m.birth_month(), "1980-03");
    assert_eq!(m.category, MemberCategory::Full);
    assert_eq!(m.full_on, Some(date(2011, 7, 1)));
    assert_eq!(m.phone.as_ref().map(PhoneNo::as_str), Some("13812345678"));
    assert_eq!(m.id_card.as_ref().map(IdCardNo::as_str), Some(id.as_str()));
}

#[test]
fn every_bad_field_is_reported_in_form_order() {
    let bad = RawMember {
        org_id: "x",
        name: "张",
        gender: "未知",
        category: "",
        joined_on: "2010/07/01",
        phone: "123",
        ..RawMember::default()
    };
    let errs = MemberInput::parse(&bad, date(2026, 11, 29), None).unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
    assert_eq!(
        fields,
        [
            "org_id",
            "name",
            "id_card",
            "gender",
            "category",
            "joined_on",
            "phone"
        ]
    );
    // A new number's birth date and gender must agree with the form.
    let id = make_id("360102", "19800315", "123");
    let errs = MemberInput::parse(
        &RawMember {
            birth_date: "1980-03-16",
            ..raw(&id)
        },
        date(2026, 11, 29),
        None,
    )
    .unwrap_err();
    assert_eq!(errs[0].message, "出生日期与公民身份号码不一致");
}

#[test]
fn an_edit_without_a_new_number_follows_the_stored_one() {
    let today = date(2026, 11, 29);
    let stored = StoredIdentity {
        id_card: Some(IdCardNo::parse(&make_id("360102", "19800315", "124")).unwrap()),
        gender: Some(Gender::Female),
    };
    let m = MemberInput::parse(&raw(""), today, Some(&stored)).unwrap();
    assert_eq!(m.id_card, None);
    assert_eq!(
        (m.birth_date, m.gender),
        (date(1980, 3, 15), Gender::Female)
    );
    // A birth date is refused even when it is the right one; a gender only
    // when it differs.
    let errs = MemberInput::parse(
        &RawMember {
            birth_date: "1980-03-15",
            gender: "男",
            ..raw("")
        },
        today,
        Some(&stored),
    )
    .unwrap_err();
    let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["birth_date", "gender"]);
    assert!(
        MemberInput::parse(
            &RawMember {
                gender: "女",
                ..raw("")
            },
            today,
            Some(&stored)
        )
        .is_ok()
    );
    // A stored number that cannot be decrypted is said so.
    let lost = StoredIdentity {
        id_card: None,
        gender: Some(Gender::Female),
    };
    let errs = MemberInput::parse(&raw(""), today, Some(&lost)).unwrap_err();
    assert_eq!(errs[0].field, "id_card");
    assert!(errs[0].message.contains("无法解密"));
    // An unreadable stored gender code does not matter: the number says it.
    let no_code = StoredIdentity {
        gender: None,
        ..stored.clone()
    };
    let m = MemberInput::parse(&raw(""), today, Some(&no_code)).unwrap();
    assert_eq!(m.gender, Gender::Female);
    // Neither readable: the decryption error, never a panic.
    let neither = StoredIdentity {
        id_card: None,
        gender: None,
    };
    let errs = MemberInput::parse(&raw(""), today, Some(&neither)).unwrap_err();
    assert_eq!(errs[0].field, "id_card");
}

#[test]
fn old_masks_in_audit_summaries_are_redacted() {
    let mut v = serde_json::json!({"after": {"id_card": "360102********1234", "name": "张三"},
        "list": ["11010519********002X", "360102********123X", "360102************"]});
    assert!(redact_old_masks(&mut v));
    assert_eq!(v["after"]["id_card"], "360102************");
    assert_eq!(v["after"]["name"], "张三");
    assert_eq!(v["list"][1], "360102************");
    assert_eq!(v["list"][2], "360102************");
    assert!(!redact_old_masks(&mut v), "nothing left to change");
}

#[test]
fn masking_hides_the_middle() {
    assert_eq!(mask_id_card("360102198003151234"), "360102************");
    assert_eq!(birth_year_label("1980-03"), "1980年");
    assert_eq!(birth_year_label(""), "");
    assert_eq!(mask_phone("13812345678"), "138****5678");
    assert_eq!(
        PhoneNo::parse("138-1234-5678").unwrap().masked(),
        "138****5678"
    );
    assert!(PhoneNo::parse("2381234567").is_err());
}

#[test]
fn member_dates() {
    use MemberCategory::{Full, Probationary};
    let today = date(2026, 11, 29);
    let birth = date(1990, 5, 1);
    // (joined, category, full_on, the field blamed or None when accepted)
    let cases = [
        (
            date(2007, 1, 1),
            Full,
            Some(date(2008, 1, 1)),
            Some("joined_on"),
        ),
        (date(2015, 1, 1), Full, Some(date(2016, 1, 1)), None),
        (
            date(2015, 1, 1),
            Full,
            Some(date(2015, 6, 1)),
            Some("full_on"),
        ),
        (
            date(2015, 1, 1),
            Full,
            Some(date(2017, 6, 1)),
            Some("full_on"),
        ),
        (date(2026, 3, 1), Probationary, None, None),
        (date(2023, 3, 1), Probationary, None, Some("category")),
        (date(2027, 3, 1), Probationary, None, Some("joined_on")),
        (
            date(2026, 3, 1),
            Probationary,
            Some(date(2026, 10, 1)),
            Some("full_on"),
        ),
    ];
    for (joined, category, full_on, blamed) in cases {
        let got = check_member_dates(birth, joined, category, full_on, today)
            .err()
            .map(|e| e.field);
        assert_eq!(
            got, blamed,
            "joined {joined}, {category:?}, full {full_on:?}"
        );
    }
    assert_eq!(age_on(birth, date(2026, 4, 30)), 35);
    assert_eq!(age_on(birth, date(2026, 5, 1)), 36);
}

/// A valid number of `region`, born `days` after 1920-01-01, with `seq`.
fn generated(region: u32, days: i32, seq: u32) -> (Date, String) {
    let birth = date(1920, 1, 1)
        .checked_add(jiff::Span::new().days(days))
        .unwrap();
    let raw = make_id(
        &format!("{region:06}"),
        &birth.strftime("%Y%m%d").to_string(),
        &format!("{seq:03}"),
    );
    (birth, raw)
}

proptest! {
    #[test]
    fn every_generated_number_round_trips(
        region in 110_000u32..660_000,
        days in 0i32..40_000,
        seq in 0u32..1000,
    ) {
        let (birth, raw) = generated(region, days, seq);
        let id = IdCardNo::parse(&raw).unwrap();
        prop_assert_eq!(id.birth_date(), birth);
        prop_assert_eq!(id.gender() == Gender::Male, seq % 2 == 1);
        let masked = id.masked();
        prop_assert_eq!(masked.len(), 18);
        prop_assert_eq!(&masked[..6], &raw[..6]);
        prop_assert!(masked[6..].chars().all(|c| c == '*'));
        prop_assert_eq!(id.birth_month(), birth.strftime("%Y-%m").to_string());
    }

}

proptest! {
    // Each case tries 31,000 candidate numbers: a few cases suffice.
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// What stays in clear (the mask, the birth month, the gender) is
    /// consistent with at least a thousand valid numbers: counting every
    /// day of the month and every sequence number of the gender's parity
    /// whose check digit passes, the true number is one of them.
    #[test]
    fn what_is_in_clear_leaves_thousands_of_candidates(
        region in 110_000u32..660_000,
        days in 0i32..40_000,
        seq in 0u32..1000,
    ) {
        let (_, raw) = generated(region, days, seq);
        let id = IdCardNo::parse(&raw).unwrap();
        let (masked, month, gender) = (id.masked(), id.birth_month(), id.gender());
        let mut candidates = 0u32;
        let mut found = false;
        for day in 1..=31 {
            for s in 0..1000u32 {
                let c = format!("{}{}{day:02}{s:03}", &masked[..6], month.replace('-', ""));
                let c = format!("{c}{}", id_check_char(c.as_bytes()) as char);
                if let Ok(p) = IdCardNo::parse(&c)
                    && p.masked() == masked && p.birth_month() == month && p.gender() == gender
                {
                    candidates += 1;
                    found |= c == raw;
                }
            }
        }
        prop_assert!(found);
        prop_assert!(candidates >= 1000, "{candidates}");
    }
}

proptest! {
    /// Every age falls in exactly one band, whatever the day.
    #[test]
    fn age_bands_partition_birth_months(days in 0i32..30_000, age_days in 0i32..36_000) {
        let today = date(2000, 1, 1).checked_add(jiff::Span::new().days(days)).unwrap();
        let birth = today.checked_sub(jiff::Span::new().days(age_days)).unwrap();
        let month = birth.strftime("%Y-%m").to_string();
        let hits = AGE_BANDS
            .iter()
            .filter(|(_, _, lo, hi)| {
                let (from, to) = age_band_months(*lo, *hi, today);
                from <= month && month <= to
            })
            .count();
        prop_assert_eq!(hits, 1, "born {} on {}", birth, today);
    }

    #[test]
    fn a_single_changed_digit_is_caught(pos in 0usize..17, delta in 1u8..10) {
        let raw = make_id("360102", "19800315", "123");
        let mut bytes = raw.into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        let changed = String::from_utf8(bytes).unwrap();
        prop_assert!(IdCardNo::parse(&changed).is_err());
    }

    #[test]
    fn parsing_never_panics(s in "\\PC{0,40}") {
        let _ = IdCardNo::parse(&s);
        let _ = PhoneNo::parse(&s);
    }
}
