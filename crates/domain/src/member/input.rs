//! The member form (and an import row) parsed into typed values, every
//! field and cross-check at once: the ID number, gender and birth date
//! agreeing with it, the dates against each other and today. What is
//! stored (encryption, the scope, duplicates) is the service's.

use super::{Gender, IdCardNo, MemberCategory, PhoneNo, check_member_dates, person_name};
use crate::error::{FieldError, date_field, optional_date_field, text_field};
use jiff::civil::Date;

/// The member form as typed (or read from an import row).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawMember<'a> {
    pub org_id: &'a str,
    pub name: &'a str,
    pub id_card: &'a str,
    pub gender: &'a str,
    pub birth_date: &'a str,
    pub ethnicity: &'a str,
    pub education: &'a str,
    pub category: &'a str,
    pub joined_on: &'a str,
    pub full_on: &'a str,
    pub post: &'a str,
    pub phone: &'a str,
    pub address: &'a str,
}

/// What an edit knows of the member as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredIdentity {
    /// The stored number, decrypted and parsed; `None` when it could not be
    /// (the key does not match the database), or was not needed because a
    /// new number was given.
    pub id_card: Option<IdCardNo>,
    /// The stored gender.
    pub gender: Option<Gender>,
}

/// A member as parsed from the form: typed values that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInput {
    pub org_id: i64,
    pub name: String,
    /// The number given; `None` only on edit when the field was left empty:
    /// the stored number stays.
    pub id_card: Option<IdCardNo>,
    /// The number's gender (the stored number's on edit without a new one).
    pub gender: Gender,
    /// The number's birth date (the stored number's on edit without a new one).
    pub birth_date: Date,
    pub ethnicity: String,
    pub education: String,
    pub category: MemberCategory,
    pub joined_on: Date,
    pub full_on: Option<Date>,
    pub post: String,
    /// The number given; `None` when the field was left empty (on edit:
    /// the stored number stays).
    pub phone: Option<PhoneNo>,
    pub address: String,
}

/// Collects field errors in order.
#[derive(Default)]
struct Errors(Vec<FieldError>);

impl Errors {
    fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        r.map_err(|e| self.0.push(e)).ok()
    }
}

impl MemberInput {
    /// Parses and cross-checks one member on `today`. `stored` is `Some` on
    /// edit: an empty ID field then keeps the stored number, whose birth
    /// date and gender the form may not change without a new number. Every
    /// problem is reported, each naming its field.
    pub fn parse(
        f: &RawMember<'_>,
        today: Date,
        stored: Option<&StoredIdentity>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut e = Errors::default();
        let org_id = e.take(
            f.org_id
                .trim()
                .parse::<i64>()
                .map_err(|_| FieldError::new("org_id", "请选择所在党组织")),
        );
        let name = e.take(person_name(f.name));
        // On edit an empty ID field keeps the stored number.
        let id_card = if f.id_card.trim().is_empty() && stored.is_some() {
            None
        } else {
            e.take(IdCardNo::parse(f.id_card))
        };
        let gender = if f.gender.trim().is_empty() {
            None
        } else {
            e.take(
                Gender::from_code(f.gender.trim())
                    .ok_or_else(|| FieldError::new("gender", "性别应为男或女")),
            )
        };
        let birth = e
            .take(optional_date_field("birth_date", "出生日期", f.birth_date))
            .flatten();
        let ethnicity = e.take(text_field("ethnicity", "民族", f.ethnicity, false, 20));
        let education = e.take(text_field("education", "学历", f.education, false, 20));
        let category = e
            .take(MemberCategory::from_code(f.category.trim()).ok_or_else(|| {
                FieldError::new("category", "请选择人员类别（正式党员或预备党员）")
            }));
        let joined = e.take(date_field("joined_on", "入党日期", f.joined_on));
        let full_on = e.take(optional_date_field("full_on", "转正日期", f.full_on));
        let post = e.take(text_field("post", "工作岗位", f.post, false, 50));
        let phone = if f.phone.trim().is_empty() {
            Some(None)
        } else {
            e.take(PhoneNo::parse(f.phone)).map(Some)
        };
        let address = e.take(text_field("address", "家庭住址", f.address, false, 100));

        // Birth date and gender come from the number; form values must agree.
        let (birth_date, gender) = match (&id_card, stored) {
            (Some(id), _) => {
                e.take(id.check_consistent(birth, gender));
                (Some(id.birth_date()), Some(id.gender()))
            }
            (None, Some(s)) => {
                // Birth date and gender follow the stored number: a change
                // to them without a new number is refused, not silently
                // dropped. Only the month is kept in clear: the date is
                // the number's.
                if s.id_card.is_none() {
                    e.0.push(FieldError::new(
                        "id_card",
                        "无法解密已登记的公民身份号码：密钥与数据库不匹配",
                    ));
                }
                // Any date given is refused, equal or not: an answer that
                // differed would tell an editor who may not reveal the
                // number its birth date, one guess at a time.
                if birth.is_some() {
                    e.0.push(FieldError::new(
                        "birth_date",
                        "出生日期以公民身份号码为准；如需更正，请同时重新填写公民身份号码",
                    ));
                }
                // The gender is the number's too; the stored code only
                // stands in when the number cannot be read (then the
                // error above is reported anyway).
                let stored_gender = s.id_card.as_ref().map(IdCardNo::gender).or(s.gender);
                if gender.is_some() && gender != stored_gender {
                    e.0.push(FieldError::new(
                        "gender",
                        "性别以公民身份号码为准；如需更正，请同时重新填写公民身份号码",
                    ));
                }
                (s.id_card.as_ref().map(IdCardNo::birth_date), stored_gender)
            }
            (None, None) => (None, None),
        };
        if let (Some(b), Some(j), Some(c), Some(fo)) = (birth_date, joined, category, full_on) {
            e.take(check_member_dates(b, j, c, fo, today));
        }
        if !e.0.is_empty() {
            return Err(e.0);
        }
        let (
            Some(org_id),
            Some(name),
            Some(ethnicity),
            Some(education),
            Some(category),
            Some(joined_on),
            Some(full_on),
            Some(post),
            Some(phone),
            Some(address),
            Some(birth_date),
            Some(gender),
        ) = (
            org_id, name, ethnicity, education, category, joined, full_on, post, phone, address,
            birth_date, gender,
        )
        else {
            unreachable!("no error was pushed, so every field parsed")
        };
        Ok(Self {
            org_id,
            name,
            id_card,
            gender,
            birth_date,
            ethnicity,
            education,
            category,
            joined_on,
            full_on,
            post,
            phone,
            address,
        })
    }

    /// The birth month kept in clear, `YYYY-MM`.
    pub fn birth_month(&self) -> String {
        self.birth_date.strftime("%Y-%m").to_string()
    }
}
