//! Demo members: age, gender, education and post by the kind of branch
//! they belong to (a village branch is older, more male and less schooled
//! than a school's), dates that satisfy the probation rules, and ID-card
//! numbers that are valid, consistent with birth date and gender, and
//! unique across the whole generated county.

use super::names::person_name;
use super::{DemoMember, Weighted, pick};
use crate::member::{Gender, MemberCategory, id_check_char};
use jiff::civil::Date;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// The kind of people a branch is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Profile {
    Village,
    /// 老年党员支部 of a village.
    VillageElder,
    /// 流动党员支部 of a village: members working away from home.
    Migrant,
    Community,
    Government,
    /// 离退休 branches.
    Retired,
    School,
    Medical,
    PublicInstitution,
    StateEnterprise,
    PrivateEnterprise,
    Social,
}

/// Where the members of a branch live.
#[derive(Clone)]
pub(super) enum Home {
    /// A village: "赣川县樟树镇桃源村", followed by a 村民小组 and a number.
    Village(String),
    /// A town: "赣川县城关镇", followed by a street, a number and often a flat.
    Town(String),
    /// The market centre (圩镇) of a rural township: "赣川县梅岭乡", followed by
    /// one of its few streets and a number.
    Market(String),
}

/// Everything about a branch that shapes its members.
#[derive(Clone)]
pub(super) struct Ctx {
    pub profile: Profile,
    pub home: Home,
    /// The village's main surname.
    pub clan: Option<&'static str>,
}

impl Ctx {
    pub fn new(profile: Profile, home: &Home) -> Self {
        Self {
            profile,
            home: home.clone(),
            clan: None,
        }
    }

    /// The same place and clan, with other people.
    pub fn with(&self, profile: Profile) -> Self {
        Self {
            profile,
            ..self.clone()
        }
    }
}

/// Fictional region codes of the 3607xx prefecture; each county copy has one
/// main code, and a fifth of its members were born elsewhere in the set.
const REGIONS: [u32; 15] = [
    360_721, 360_722, 360_723, 360_724, 360_725, 360_726, 360_727, 360_728, 360_729, 360_730,
    360_731, 360_732, 360_733, 360_734, 360_735,
];

/// Birth days the ID counters cover, counted back from today.
const WINDOW_DAYS: usize = 100 * 366;

const PHONE_PREFIXES: &[u32] = &[
    130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
    180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 193, 195, 196, 197, 198, 199,
];

/// Generates members; counts the ID numbers already handed out.
pub(super) struct People {
    today: i32,
    /// Index into `REGIONS` of the current county copy's main code.
    region: usize,
    /// Numbers issued per (region, birth day counted back from today,
    /// gender): what keeps ID numbers unique without a set of them.
    issued: Vec<u16>,
    surnames: Weighted<&'static str>,
}

impl People {
    pub fn new(today: Date) -> Self {
        Self {
            today: to_days(today),
            region: 0,
            issued: vec![0; REGIONS.len() * WINDOW_DAYS * 2],
            surnames: super::names::surname_table(),
        }
    }

    pub fn surnames(&self) -> &Weighted<&'static str> {
        &self.surnames
    }

    /// Switches to the main region code of county copy `copy`.
    pub fn set_copy(&mut self, copy: u32) {
        self.region = copy as usize % REGIONS.len();
    }

    pub fn member(&mut self, rng: &mut ChaCha8Rng, org: usize, ctx: &Ctx) -> DemoMember {
        use Profile as P;
        let p = ctx.profile;
        let category = if p != P::Retired && p != P::VillageElder && rng.random_bool(0.04) {
            MemberCategory::Probationary
        } else {
            MemberCategory::Full
        };
        let women = match p {
            P::Village | P::Migrant => 0.25,
            P::VillageElder => 0.18,
            P::Community | P::Government | P::PublicInstitution | P::Social => 0.43,
            P::Retired => 0.33,
            P::School => 0.5,
            P::Medical => 0.55,
            P::StateEnterprise | P::PrivateEnterprise => 0.3,
        };
        let gender = if rng.random_bool(women) {
            Gender::Female
        } else {
            Gender::Male
        };
        let age = if category == MemberCategory::Probationary {
            rng.random_range(20..38)
        } else {
            let bands: &[(u32, u32, u32)] = match p {
                P::Village => &[(22, 36, 12), (36, 51, 24), (51, 66, 30), (66, 91, 34)],
                P::VillageElder | P::Retired => &[(60, 71, 40), (71, 81, 40), (81, 91, 20)],
                P::Migrant => &[(22, 36, 45), (36, 51, 45), (51, 58, 10)],
                P::Community => &[(25, 41, 22), (41, 61, 30), (61, 91, 48)],
                P::Government | P::PublicInstitution => &[(23, 36, 35), (36, 51, 40), (51, 61, 25)],
                P::School | P::Medical => &[(22, 36, 40), (36, 51, 40), (51, 61, 20)],
                P::StateEnterprise => &[(23, 36, 30), (36, 51, 45), (51, 61, 25)],
                P::PrivateEnterprise => &[(22, 36, 45), (36, 51, 45), (51, 61, 10)],
                P::Social => &[(25, 41, 40), (41, 61, 45), (61, 76, 15)],
            };
            let total: u32 = bands.iter().map(|b| b.2).sum();
            let mut r = rng.random_range(0..total);
            let band = bands
                .iter()
                .find(|b| {
                    let hit = r < b.2;
                    r = r.saturating_sub(b.2);
                    hit
                })
                .unwrap_or(&bands[0]);
            rng.random_range(band.0..band.1)
        };
        let birth_days =
            self.today - (age as i32) * 365 - (age as i32) / 4 - rng.random_range(0..365);
        let birth = from_days(birth_days);

        // Dates: probationary members joined within the last year; full
        // members joined at 18 or later and became full a year on (a few
        // after an extension, a few old members have no recorded date).
        let adult = to_days(add_months(birth, 18 * 12));
        let (joined, full_on) = if category == MemberCategory::Probationary {
            (from_days(self.today - rng.random_range(0..360)), None)
        } else {
            let (lo, hi) = match p {
                P::Village | P::VillageElder | P::Community => (20, 45),
                P::Migrant | P::PrivateEnterprise | P::Social => (20, 35),
                _ => (19, 30),
            };
            let join_age = rng.random_range(lo..hi).min(age - 1);
            let latest = self.today - 460;
            let mut joined = birth_days + (join_age as i32) * 365 + rng.random_range(0..365);
            if joined > latest {
                joined = latest - rng.random_range(0..(latest - adult).clamp(1, 1500));
            }
            let joined = from_days(joined.max(adult));
            let full_on = if joined.year() < 1980 && rng.random_bool(0.3) {
                None
            } else if rng.random_bool(0.015) {
                Some(add_months(joined, 15))
            } else {
                Some(add_months(joined, 12))
            };
            (joined, full_on)
        };

        let she = rng.random_bool(0.015);
        let ethnicity = if she {
            "畲族"
        } else if rng.random_bool(0.985) {
            "汉族"
        } else {
            pick(rng, &["回族", "苗族", "壮族", "土家族", "满族", "瑶族"])
        };
        let name = person_name(rng, &self.surnames, gender, birth.year(), ctx.clan, she);
        let education = education(rng, p, birth.year());
        let post = post(rng, p, age);
        let phone = if rng.random_bool(if age > 75 { 0.55 } else { 0.96 }) {
            let prefix = pick(rng, PHONE_PREFIXES);
            Some(format!(
                "{prefix}{:08}",
                rng.random_range(0..100_000_000u32)
            ))
        } else {
            None
        };
        let address = address(rng, &ctx.home);
        let id_card = self.id_card(rng, birth_days, birth, gender);
        DemoMember {
            org,
            name,
            gender,
            birth_date: birth,
            id_card,
            ethnicity: ethnicity.to_owned(),
            education: education.to_owned(),
            category,
            joined_on: joined,
            full_on,
            post: post.to_owned(),
            phone,
            address,
        }
    }

    /// A valid, unused ID number for this birth date and gender: a region
    /// code, the birth date, a sequence number whose parity gives the
    /// gender, and the check character. Uniqueness comes from counting the
    /// numbers issued per region, birth day and gender (500 each).
    pub fn id_card(
        &mut self,
        rng: &mut ChaCha8Rng,
        birth_days: i32,
        birth: Date,
        gender: Gender,
    ) -> String {
        let ymd = u64::from(birth.year() as u16) * 10_000
            + u64::from(birth.month() as u8) * 100
            + u64::from(birth.day() as u8);
        let male = usize::from(gender == Gender::Male);
        let day = usize::try_from(self.today - birth_days)
            .ok()
            .filter(|&d| d < WINDOW_DAYS)
            .expect("members are born less than a hundred years ago");
        let mut region = if rng.random_bool(0.8) {
            self.region
        } else {
            rng.random_range(0..REGIONS.len())
        };
        // 7,500 numbers per birth day and gender: more than any scale needs.
        for _ in 0..REGIONS.len() {
            let slot = ((region * WINDOW_DAYS) + day) * 2 + male;
            let n = self.issued[slot];
            if n < 500 {
                self.issued[slot] = n + 1;
                // A start that varies by slot, then a stride coprime to 500,
                // so sequence numbers look scattered but never repeat.
                let start = (slot as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 55;
                let seq = (start + 37 * u64::from(n)) % 500 * 2 + male as u64;
                let first17 = (u64::from(REGIONS[region]) * 100_000_000 + ymd) * 1000 + seq;
                let mut id = format!("{first17:017}");
                let check = id_check_char(id.as_bytes());
                id.push(char::from(check));
                return id;
            }
            region = (region + 1) % REGIONS.len();
        }
        panic!("more than 7,500 demo members of one gender born on {birth}");
    }
}

fn education(rng: &mut ChaCha8Rng, p: Profile, birth_year: i16) -> &'static str {
    use Profile as P;
    const E: [&str; 7] = ["小学", "初中", "高中", "中专", "大专", "本科", "研究生"];
    let weights: [u32; 7] = match p {
        P::Village | P::VillageElder | P::Community if birth_year < 1960 => {
            [40, 40, 14, 4, 2, 0, 0]
        }
        P::Village | P::VillageElder => [10, 40, 25, 8, 12, 5, 0],
        P::Migrant => [3, 40, 25, 15, 12, 5, 0],
        P::Community => [3, 20, 25, 10, 25, 17, 0],
        P::Retired => [5, 15, 30, 20, 20, 10, 0],
        P::Government => [0, 0, 2, 3, 20, 65, 10],
        P::School | P::Medical => [0, 0, 1, 6, 25, 62, 6],
        P::PublicInstitution => [0, 1, 5, 8, 30, 50, 6],
        P::StateEnterprise => [0, 4, 12, 14, 30, 37, 3],
        P::PrivateEnterprise => [0, 15, 25, 20, 25, 15, 0],
        P::Social => [0, 5, 15, 15, 30, 32, 3],
    };
    let total: u32 = weights.iter().sum();
    let mut r = rng.random_range(0..total);
    for (e, w) in E.iter().zip(weights) {
        if r < w {
            return e;
        }
        r -= w;
    }
    E[1]
}

fn post(rng: &mut ChaCha8Rng, p: Profile, age: u32) -> &'static str {
    use Profile as P;
    let choices: &[(&str, u32)] = match p {
        _ if age >= 62 && !matches!(p, P::Village | P::VillageElder) => &[("退休人员", 1)],
        P::Village | P::VillageElder if age >= 70 => &[("农民", 8), ("退休人员", 2)],
        P::Village | P::VillageElder => &[
            ("农民", 62),
            ("村干部", 8),
            ("个体经营者", 10),
            ("外出务工人员", 12),
            ("乡村医生", 2),
            ("教师", 2),
            ("农民专业合作社人员", 4),
        ],
        P::Migrant => &[("外出务工人员", 70), ("个体经营者", 20), ("企业职工", 10)],
        P::Community => &[
            ("社区干部", 10),
            ("企业职工", 25),
            ("个体经营者", 25),
            ("无固定职业", 15),
            ("退休人员", 15),
            ("自由职业者", 10),
        ],
        P::Government => &[("公务员", 80), ("事业单位管理人员", 12), ("工勤人员", 8)],
        P::Retired => &[("退休人员", 1)],
        P::School => &[("教师", 88), ("学校管理人员", 8), ("工勤人员", 4)],
        P::Medical => &[
            ("医生", 45),
            ("护士", 35),
            ("医技人员", 10),
            ("事业单位管理人员", 10),
        ],
        P::PublicInstitution => &[
            ("专业技术人员", 55),
            ("事业单位管理人员", 35),
            ("工勤人员", 10),
        ],
        P::StateEnterprise => &[("企业职工", 60), ("企业管理人员", 30), ("专业技术人员", 10)],
        P::PrivateEnterprise => &[("企业职工", 65), ("企业管理人员", 25), ("专业技术人员", 10)],
        P::Social => &[
            ("社会组织从业人员", 50),
            ("律师", 10),
            ("个体经营者", 25),
            ("教师", 15),
        ],
    };
    let total: u32 = choices.iter().map(|c| c.1).sum();
    let mut r = rng.random_range(0..total);
    for (c, w) in choices {
        if r < *w {
            return c;
        }
        r -= w;
    }
    choices[0].0
}

fn address(rng: &mut ChaCha8Rng, home: &Home) -> String {
    match home {
        Home::Village(base) => {
            let hamlet = pick(rng, super::places::HAMLETS);
            format!("{base}{hamlet}{}号", rng.random_range(1..80))
        }
        Home::Town(base) => {
            let road = pick(rng, super::places::ROADS);
            let no = rng.random_range(1..300);
            if rng.random_bool(0.6) {
                format!(
                    "{base}{road}{no}号{}栋{}单元{}0{}室",
                    rng.random_range(1..12),
                    rng.random_range(1..4),
                    rng.random_range(1..19),
                    rng.random_range(1..5)
                )
            } else {
                format!("{base}{road}{no}号")
            }
        }
        Home::Market(base) => {
            let street = pick(
                rng,
                &[
                    "老街",
                    "新街",
                    "圩镇街",
                    "府前路",
                    "解放街",
                    "商贸街",
                    "车站路",
                ],
            );
            format!("{base}{street}{}号", rng.random_range(1..120))
        }
    }
}

// Civil dates as day numbers (days since 1970-01-01), which keeps the
// per-member arithmetic to integer adds. Howard Hinnant's algorithms.

pub(super) fn to_days(d: Date) -> i32 {
    let (y, m, d) = (
        i32::from(d.year()),
        i32::from(d.month()),
        i32::from(d.day()),
    );
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub(super) fn from_days(z: i32) -> Date {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i32::from(m <= 2);
    Date::new(y as i16, m as i8, d as i8).expect("day numbers map to valid dates")
}

/// `d` plus `months`, clamping the day to the end of the month (as jiff does).
pub(super) fn add_months(d: Date, months: i32) -> Date {
    let total = i32::from(d.year()) * 12 + i32::from(d.month()) - 1 + months;
    let (y, m) = (
        total.div_euclid(12) as i16,
        (total.rem_euclid(12) + 1) as i8,
    );
    let first = Date::new(y, m, 1).expect("valid month");
    Date::new(y, m, d.day().min(first.days_in_month())).expect("clamped day")
}
