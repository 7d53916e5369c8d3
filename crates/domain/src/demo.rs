//! The demo county generator: a pure, deterministic function from a seed, a
//! scale and `today` to a fictional county (赣川县, Jiangxi) with its whole
//! Party organization tree and its members, for demos, development and load
//! tests. It owns the shape of that county (townships, villages and
//! communities, county departments, schools, hospitals, state and private
//! enterprises, social organizations, 党小组), realistic names and
//! demographics, and valid, unique ID-card numbers. It does no I/O: the
//! store layer writes what it returns.
//!
//! At scale 1 it produces about 2,000 organizations and 30,000 members;
//! scale N puts N counties' worth of organizations under the one county
//! committee. The same options always give the same county.

mod names;
mod people;
mod places;
mod records;
mod tree;

use crate::member::{Gender, MemberCategory};
use crate::org::{OrgKind, Sector, default_term_years};
use jiff::civil::Date;
use people::{Ctx, People, from_days, to_days};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    pub seed: u64,
    /// Number of counties' worth of organizations under the one root; 0 is
    /// treated as 1.
    pub scale: u32,
    /// The day the data is generated for: dates lie before it, terms and
    /// vacancies are measured from it.
    pub today: Date,
}

/// One organization of the demo county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOrg {
    /// Index into [`DemoCounty::orgs`]; parents always come before children.
    pub parent: Option<usize>,
    /// Full name, unique in the county, e.g. "中共樟树镇桃源村支部委员会";
    /// 党小组 are named within their branch ("第一党小组").
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    /// `None` when the post is vacant.
    pub secretary_name: Option<String>,
    /// Set exactly when the secretary post is vacant.
    pub secretary_vacant_since: Option<Date>,
    /// 单位名称, e.g. "城关镇樟树村村民委员会".
    pub unit_name: String,
    /// Villages and communities only.
    pub population: Option<i64>,
    /// Start of the current committee term; `None` for 党组 (appointed) and
    /// 党小组. About 8% of terms are overdue.
    pub term_start: Option<Date>,
    /// A branch with at least 7 full members has a committee (支部委员会).
    pub has_committee: bool,
}

/// One member of the demo county.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoMember {
    /// Index into [`DemoCounty::orgs`] of a 党支部, 联合党支部 or 党总支.
    pub org: usize,
    pub name: String,
    pub gender: Gender,
    pub birth_date: Date,
    /// 18 characters with a valid check digit, consistent with
    /// `birth_date` and `gender`, unique across the county.
    pub id_card: String,
    pub ethnicity: String,
    pub education: String,
    pub category: MemberCategory,
    pub joined_on: Date,
    pub full_on: Option<Date>,
    /// 工作岗位.
    pub post: String,
    pub phone: Option<String>,
    pub address: String,
}

/// A generated county: organizations in parent-first order, and members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCounty {
    pub county_name: String,
    pub orgs: Vec<DemoOrg>,
    pub members: Vec<DemoMember>,
    /// Two years of organizational-life records up to `today`.
    pub records: Vec<DemoRecord>,
}

pub use records::DemoRecord;

/// Generates the demo county. Deterministic: the same options give the
/// same county, on every platform.
pub fn generate(opts: &DemoOptions) -> DemoCounty {
    let scale = opts.scale.max(1);
    let mut b = Builder {
        rng: ChaCha8Rng::seed_from_u64(opts.seed),
        today: to_days(opts.today),
        orgs: Vec::with_capacity(2_100 * scale as usize),
        members: Vec::with_capacity(31_000 * scale as usize),
        people: People::new(opts.today),
        companies: HashSet::new(),
    };
    let unit = format!("中共{}委员会", places::COUNTY);
    let root = b.org(
        None,
        Spec::new(unit.clone(), OrgKind::Committee, Sector::Government, &unit),
    );
    for copy in 0..scale {
        b.county_copy(root, copy);
    }
    let mut orgs = b.orgs;
    records::mark_committees(&mut orgs, &b.members);
    let records = records::generate(opts.seed, opts.today, &orgs, &b.members);
    DemoCounty {
        county_name: places::COUNTY.to_owned(),
        orgs,
        members: b.members,
        records,
    }
}

/// An organization about to be added.
struct Spec {
    name: String,
    kind: OrgKind,
    sector: Sector,
    unit: String,
    population: Option<i64>,
}

impl Spec {
    fn new(name: String, kind: OrgKind, sector: Sector, unit: &str) -> Self {
        Self {
            name,
            kind,
            sector,
            unit: unit.to_owned(),
            population: None,
        }
    }
}

/// Generation state: the random stream, what has been generated so far,
/// and the sets that keep ID numbers and company names unique.
struct Builder {
    rng: ChaCha8Rng,
    /// `today` as a day number.
    today: i32,
    orgs: Vec<DemoOrg>,
    members: Vec<DemoMember>,
    people: People,
    companies: HashSet<String>,
}

/// Share of organizations whose secretary post is vacant.
const VACANT_SHARE: f64 = 0.03;
/// Share of committee terms that are overdue: about 8% of all organizations,
/// as 党组 and 党小组 have no term.
const OVERDUE_SHARE: f64 = 0.12;

impl Builder {
    /// Adds an organization with a random secretary (or a vacancy) and a
    /// current (or overdue) term; returns its index.
    fn org(&mut self, parent: Option<usize>, spec: Spec) -> usize {
        let (secretary_name, secretary_vacant_since) = if self.rng.random_bool(VACANT_SHARE) {
            (
                None,
                Some(from_days(self.today - self.rng.random_range(30..=240))),
            )
        } else {
            (
                Some(names::any_name(&mut self.rng, self.people.surnames())),
                None,
            )
        };
        let term_start = match spec.kind {
            OrgKind::LeadingGroup | OrgKind::Group => None,
            kind => {
                let days = i32::from(default_term_years(kind, spec.sector)) * 365;
                let ago = if self.rng.random_bool(OVERDUE_SHARE) {
                    days + self.rng.random_range(15..500)
                } else {
                    self.rng.random_range(0..days - 3)
                };
                Some(from_days(self.today - ago))
            }
        };
        self.orgs.push(DemoOrg {
            parent,
            name: spec.name,
            kind: spec.kind,
            sector: spec.sector,
            secretary_name,
            secretary_vacant_since,
            unit_name: spec.unit,
            population: spec.population,
            term_start,
            has_committee: false,
        });
        self.orgs.len() - 1
    }

    /// Adds a branch-like organization under `parent` with `n` members, one
    /// of whom becomes its secretary, and sometimes a few 党小组.
    fn branch(&mut self, parent: usize, spec: Spec, n: u32, ctx: &Ctx) -> usize {
        let sector = spec.sector;
        let id = self.org(Some(parent), spec);
        let first = self.members.len();
        for _ in 0..n {
            let m = self.people.member(&mut self.rng, id, ctx);
            self.members.push(m);
        }
        if self.orgs[id].secretary_name.is_some() && n > 0 {
            // Prefer a secretary of working age.
            let mut pick = first + self.rng.random_range(0..n as usize);
            for _ in 0..3 {
                if self.members[pick].birth_date.year() > 1960 {
                    break;
                }
                pick = first + self.rng.random_range(0..n as usize);
            }
            self.orgs[id].secretary_name = Some(self.members[pick].name.clone());
        }
        let p = match sector {
            Sector::Rural => 0.4,
            Sector::Community => 0.5,
            _ => 0.25,
        };
        if n >= 20 && self.rng.random_bool(p) {
            let groups = self.rng.random_range(2..=(n / 10).clamp(2, 4));
            let unit = self.orgs[id].unit_name.clone();
            for j in 0..groups {
                let name = format!("第{}党小组", ordinal(j));
                self.org(Some(id), Spec::new(name, OrgKind::Group, sector, &unit));
            }
        }
        id
    }

    /// A uniform size in `lo..=hi`.
    fn size(&mut self, lo: u32, hi: u32) -> u32 {
        self.rng.random_range(lo..=hi)
    }

    /// A company name not used before in this county.
    fn company(&mut self) -> String {
        for _ in 0..50 {
            let name = places::company_name(&mut self.rng);
            if self.companies.insert(name.clone()) {
                return name;
            }
        }
        let name = format!("{}{}号有限公司", places::COUNTY, self.companies.len());
        self.companies.insert(name.clone());
        name
    }
}

/// Relative weights prepared for sampling by binary search.
struct Weighted<T: 'static> {
    items: &'static [(T, u32)],
    cumulative: Vec<u32>,
}

impl<T: 'static> Weighted<T> {
    fn new(items: &'static [(T, u32)]) -> Self {
        let mut sum = 0;
        let cumulative = items
            .iter()
            .map(|(_, w)| {
                sum += w;
                sum
            })
            .collect();
        Self { items, cumulative }
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> &T {
        let total = *self.cumulative.last().expect("non-empty table");
        let r = rng.random_range(0..total);
        let i = self.cumulative.partition_point(|&c| c <= r);
        &self.items[i].0
    }
}

/// A uniformly chosen element of a non-empty slice.
fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// A uniformly chosen character of a string of 3-byte (CJK) characters.
fn pick_char<'a>(rng: &mut ChaCha8Rng, chars: &'a str) -> &'a str {
    let i = rng.random_range(0..chars.len() / 3) * 3;
    &chars[i..i + 3]
}

/// 一, 二, 三… for the `j`-th (0-based) of a few siblings.
fn ordinal(j: u32) -> &'static str {
    ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"][j as usize % 10]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::member::{IdCardNo, check_member_dates};
    use crate::org::term_due_date;
    use jiff::civil::date;
    use std::collections::HashMap;
    use std::sync::OnceLock;

    const TODAY: Date = Date::constant(2026, 11, 29);

    fn opts(seed: u64, scale: u32) -> DemoOptions {
        DemoOptions {
            seed,
            scale,
            today: TODAY,
        }
    }

    /// The scale-1 county most tests look at, generated once.
    fn county() -> &'static DemoCounty {
        static COUNTY: OnceLock<DemoCounty> = OnceLock::new();
        COUNTY.get_or_init(|| generate(&opts(20_260_101, 1)))
    }

    #[test]
    fn demo_is_deterministic() {
        assert_eq!(&generate(&opts(20_260_101, 1)), county());
        assert_eq!(generate(&opts(5, 2)), generate(&opts(5, 2)));
    }

    #[test]
    fn demo_seeds_differ() {
        let other = generate(&opts(20_260_102, 1));
        assert_ne!(&other, county());
        assert_ne!(other.members[100].id_card, county().members[100].id_card);
    }

    #[test]
    fn demo_totals_are_in_range() {
        for seed in [1, 2, 3] {
            let c = if seed == 1 {
                county().clone()
            } else {
                generate(&opts(seed, 1))
            };
            let places = c.orgs.iter().filter(|o| o.population.is_some()).count();
            assert!(
                (1_700..=2_300).contains(&c.orgs.len()),
                "orgs {}",
                c.orgs.len()
            );
            assert!(
                (25_500..=34_500).contains(&c.members.len()),
                "members {}",
                c.members.len()
            );
            assert!(
                (200..=300).contains(&places),
                "villages+communities {places}"
            );
        }
        let c = county();
        assert_eq!(c.county_name, "赣川县");
        assert_eq!(c.orgs[0].name, "中共赣川县委员会");
        assert_eq!(
            (c.orgs[0].kind, c.orgs[0].sector),
            (OrgKind::Committee, Sector::Government)
        );
        let townships = c
            .orgs
            .iter()
            .filter(|o| o.parent == Some(0) && o.sector == Sector::Rural)
            .count();
        assert_eq!(townships, places::TOWNSHIPS_PER_COUNTY);
        let mut size = vec![0usize; c.orgs.len()];
        for m in &c.members {
            size[m.org] += 1;
        }
        let big = size.iter().filter(|&&n| n > 50).count();
        assert!((1..=40).contains(&big), "{big} branches over 50");
        let women = c
            .members
            .iter()
            .filter(|m| m.gender == Gender::Female)
            .count()
            * 100
            / c.members.len();
        assert!((25..=40).contains(&women), "{women}% women");
        let probationary = c
            .members
            .iter()
            .filter(|m| m.category == MemberCategory::Probationary)
            .count();
        assert!((2..=6).contains(&(probationary * 100 / c.members.len())));
        for sector in Sector::ALL {
            assert!(c.orgs.iter().any(|o| o.sector == sector), "{sector:?}");
        }
        for kind in OrgKind::ALL {
            assert!(c.orgs.iter().any(|o| o.kind == kind), "{kind:?}");
        }
    }

    #[test]
    fn demo_ids_are_valid_consistent_and_unique() {
        let mut seen = HashSet::new();
        for m in &county().members {
            let id = IdCardNo::parse(&m.id_card).unwrap_or_else(|e| panic!("{}: {e}", m.id_card));
            assert_eq!(id.as_str(), m.id_card);
            assert_eq!(id.birth_date(), m.birth_date);
            assert_eq!(id.gender(), m.gender);
            assert!(m.id_card.starts_with("3607"));
            assert!(seen.insert(m.id_card.clone()), "duplicate {}", m.id_card);
        }
    }

    #[test]
    fn demo_ids_stay_unique_when_many_share_a_birthday() {
        let mut people = People::new(TODAY);
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let birth = date(1970, 5, 1);
        let mut seen = HashSet::new();
        for _ in 0..1_200 {
            let raw = people.id_card(&mut rng, to_days(birth), birth, Gender::Female);
            let id = IdCardNo::parse(&raw).unwrap();
            assert_eq!((id.birth_date(), id.gender()), (birth, Gender::Female));
            assert!(seen.insert(raw));
        }
    }

    #[test]
    fn demo_member_dates_pass_the_rules() {
        for m in &county().members {
            let r = check_member_dates(m.birth_date, m.joined_on, m.category, m.full_on, TODAY);
            assert!(r.is_ok(), "{m:?}: {r:?}");
            let age = crate::member::age_on(m.birth_date, TODAY);
            assert!((19..=91).contains(&age), "age {age}");
            if m.category == MemberCategory::Probationary {
                assert!(m.joined_on > term_due_date(TODAY, -1));
            }
        }
    }

    #[test]
    fn demo_members_belong_to_branches_and_look_right() {
        let c = county();
        let educations = ["小学", "初中", "高中", "中专", "大专", "本科", "研究生"];
        for m in &c.members {
            let kind = c.orgs[m.org].kind;
            assert!(
                kind.is_branch() || kind == OrgKind::GeneralBranch,
                "{kind:?}"
            );
            if let Some(p) = &m.phone {
                assert_eq!(p.len(), 11, "{p}");
                assert!(p.bytes().all(|b| b.is_ascii_digit()), "{p}");
                assert!(["13", "15", "18", "19"].contains(&&p[..2]), "{p}");
                assert!(crate::member::PhoneNo::parse(p).is_ok());
            }
            assert!(crate::member::person_name(&m.name).is_ok(), "{}", m.name);
            assert!(educations.contains(&m.education.as_str()));
            assert!(m.ethnicity.ends_with('族'));
            assert!(!m.post.is_empty() && m.address.starts_with("赣川县"));
        }
    }

    #[test]
    fn demo_tree_is_well_formed() {
        for c in [county(), &generate(&opts(9, 2))] {
            let mut names: HashMap<(Option<usize>, &str), usize> = HashMap::new();
            for (i, o) in c.orgs.iter().enumerate() {
                assert_eq!(o.parent.is_none(), i == 0);
                if let Some(p) = o.parent {
                    assert!(p < i, "{} comes before its parent", o.name);
                    assert_ne!(c.orgs[p].kind, OrgKind::Group);
                }
                if let Some(j) = names.insert((o.parent, &o.name), i) {
                    panic!("siblings {j} and {i} are both named {}", o.name);
                }
                assert!(crate::org::OrgName::parse(&o.name).is_ok(), "{}", o.name);
                assert!(!o.unit_name.is_empty());
                assert_eq!(
                    o.secretary_name.is_none(),
                    o.secretary_vacant_since.is_some()
                );
                if let Some(since) = o.secretary_vacant_since {
                    let days = (TODAY - since).get_days();
                    assert!((30..=240).contains(&days), "vacant {days} days");
                }
                let termless = matches!(o.kind, OrgKind::Group | OrgKind::LeadingGroup);
                assert_eq!(o.term_start.is_none(), termless, "{}", o.name);
                assert!(o.term_start.is_none_or(|s| s <= TODAY));
                if o.population.is_some() {
                    assert!(matches!(o.sector, Sector::Rural | Sector::Community));
                }
            }
            // Full names are unique across the county, except 党小组.
            let mut full = HashSet::new();
            for o in c.orgs.iter().filter(|o| o.kind != OrgKind::Group) {
                assert!(full.insert(o.name.as_str()), "{}", o.name);
            }
        }
    }

    #[test]
    fn demo_vacancies_and_overdue_terms_are_a_few_percent() {
        let c = county();
        let vacant =
            c.orgs.iter().filter(|o| o.secretary_name.is_none()).count() * 1000 / c.orgs.len();
        let overdue = c
            .orgs
            .iter()
            .filter(|o| {
                o.term_start
                    .is_some_and(|s| term_due_date(s, default_term_years(o.kind, o.sector)) < TODAY)
            })
            .count()
            * 1000
            / c.orgs.len();
        assert!((15..=50).contains(&vacant), "vacant {vacant}‰");
        assert!((50..=110).contains(&overdue), "overdue {overdue}‰");
    }

    #[test]
    fn demo_scale_multiplies_the_county() {
        let c = generate(&opts(3, 3));
        let one = generate(&opts(3, 1));
        let ratio = c.members.len() as f64 / one.members.len() as f64;
        assert!((2.6..=3.4).contains(&ratio), "{ratio}");
        assert!(c.orgs.iter().any(|o| o.name == "中共城关镇(3)委员会"));
        // The first copy is the scale-1 county.
        assert_eq!(c.orgs[..one.orgs.len()], one.orgs[..]);
        assert_eq!(c.members[..one.members.len()], one.members[..]);
    }

    #[test]
    fn demo_day_numbers_match_jiff() {
        let mut d = date(1930, 1, 1);
        let mut n = people::to_days(d);
        while d < date(2031, 1, 1) {
            assert_eq!(people::from_days(n), d);
            assert_eq!(people::to_days(d), n);
            for months in [12, 15, 18 * 12] {
                let span = jiff::Span::new().months(months);
                assert_eq!(people::add_months(d, months), d.checked_add(span).unwrap());
            }
            d = d.tomorrow().unwrap();
            n += 1;
        }
        assert_eq!(people::to_days(date(1970, 1, 1)), 0);
    }

    #[test]
    fn demo_character_tables_are_three_byte_cjk() {
        for set in names::ALL_CHAR_SETS.iter().chain(&places::CHAR_TABLES) {
            assert_eq!(set.len(), set.chars().count() * 3, "{set}");
        }
        assert!(places::TOWNSHIPS.len() > places::TOWNSHIPS_PER_COUNTY);
    }

    /// `cargo test -p dangjian-domain --release demo_timing -- --ignored --nocapture`
    #[test]
    #[ignore = "timing only"]
    fn demo_timing() {
        for scale in [1, 10] {
            let t = std::time::Instant::now();
            let c = generate(&opts(1, scale));
            eprintln!(
                "scale {scale}: {:?}, {} orgs, {} members",
                t.elapsed(),
                c.orgs.len(),
                c.members.len()
            );
        }
    }
}
