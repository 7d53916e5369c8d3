//! Each period judged by the rules in force then: a window that spans
//! several profile versions is evaluated once per version, each version for
//! the periods that begin while it is in force. A month, quarter, half-year
//! or year is judged as a whole by the version in force on its first day; a
//! version that takes effect during a quarter governs that quarter's
//! monthly periods from the next month on and the quarter itself only from
//! the next quarter.

use super::{Compliance, OrgFacts, Period, RecordFact, Window, evaluate_periods};
use crate::policy::Profile;
use jiff::civil::Date;

/// A profile and the days it is in force, both ends included (`to`: `None`
/// while no later version follows). See [`crate::policy::Schedule::spans`].
#[derive(Debug, Clone, Copy)]
pub struct InForce<'p> {
    pub profile: &'p Profile,
    pub from: Date,
    pub to: Option<Date>,
}

impl InForce<'_> {
    fn governs(&self, period: Period) -> bool {
        let start = period.start();
        self.from <= start && self.to.is_none_or(|t| start <= t)
    }
}

/// One [`Compliance`] per entry of `spans`, in the same order: the entry's
/// obligations for the periods of `window` that begin on one of its days.
/// Obligations left with no such period are left out, so an entry whose
/// days hold no period start has no obligations. `spans` should not
/// overlap (a [`crate::policy::Schedule`]'s spans never do); a period
/// before the first span is judged by nobody.
pub fn evaluate_in_force(
    spans: &[InForce<'_>],
    orgs: &[OrgFacts],
    records: &[RecordFact<'_>],
    window: Window,
    today: Date,
) -> Vec<Compliance> {
    spans
        .iter()
        .map(|span| {
            let mut c = evaluate_periods(span.profile, orgs, records, window, today, &|p| {
                span.governs(p)
            });
            c.obligations.retain(|o| !o.periods.is_empty());
            c
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::OrgId;
    use crate::obligations::{Status, evaluate};
    use crate::org::{OrgKind, Sector};
    use crate::policy::{BEGINNING, Dated};
    use crate::policy::{DEFAULT_PROFILE_TOML, Schedule};
    use jiff::civil::date;

    const DAY: &str = "theme_party_day_monthly";

    /// The default with two 主题党日 a month instead of one.
    fn stricter() -> Profile {
        let text = DEFAULT_PROFILE_TOML.replacen(
            "version = \"jiangxi-county-2026.1\"",
            "version = \"strict\"",
            1,
        );
        let at = text.find("code = \"theme_party_day_monthly\"").unwrap();
        let text = format!(
            "{}{}",
            &text[..at],
            text[at..].replacen("at_least = 1", "at_least = 2", 1)
        );
        let p = Profile::parse(&text).unwrap();
        assert_eq!(p.obligation(DAY).unwrap().at_least, 2, "edit applied");
        p
    }

    #[test]
    fn each_period_is_judged_by_the_version_in_force_on_its_first_day() {
        let strict = stricter();
        let schedule = Schedule::new(vec![
            Dated {
                version: 1,
                effective_from: BEGINNING,
                profile: Profile::default_profile(),
            },
            Dated {
                version: 2,
                effective_from: date(2026, 4, 1),
                profile: &strict,
            },
        ]);
        let window = Window {
            from: date(2026, 1, 1),
            to: date(2026, 12, 31),
        };
        let spans: Vec<InForce<'_>> = schedule
            .spans_overlapping(window.from, window.to)
            .iter()
            .map(|s| InForce {
                profile: s.entry.profile,
                from: s.from,
                to: s.to,
            })
            .collect();
        let orgs = [OrgFacts {
            id: OrgId(1),
            parent: None,
            kind: OrgKind::Branch,
            sector: Sector::Government,
            has_committee: true,
            active_from: None,
            active_to: None,
        }];
        // One 主题党日 every month: enough under version 1, not under 2.
        let records: Vec<RecordFact<'_>> = (1..=12)
            .map(|m| RecordFact {
                org: OrgId(1),
                record_type: "theme_party_day",
                date: date(2026, m, 10),
                counts: true,
                marks: &[],
            })
            .collect();
        let today = date(2027, 1, 10);
        let out = evaluate_in_force(&spans, &orgs, &records, window, today);
        assert_eq!(out.len(), 2);
        let (old, new) = (&out[0], &out[1]);
        assert_eq!(old.profile_version, "jiangxi-county-2026.1");
        assert_eq!(new.profile_version, "strict");
        let cells = |c: &Compliance| -> Vec<Status> {
            c.obligation(DAY)
                .unwrap()
                .row(OrgId(1))
                .unwrap()
                .iter()
                .map(|c| c.status)
                .collect()
        };
        assert_eq!(cells(old), [Status::Met; 3]);
        assert_eq!(cells(new), [Status::Missed; 9]);
        // The yearly obligations of 2026 began under version 1.
        assert!(old.obligation("org_life_meeting_yearly").is_some());
        assert!(new.obligation("org_life_meeting_yearly").is_none());
        // Under one version alone, as before: all twelve months one way.
        let all = evaluate(&strict, &orgs, &records, window, today);
        assert_eq!(
            all.obligation(DAY).unwrap().periods.len(),
            old.obligation(DAY).unwrap().periods.len() + new.obligation(DAY).unwrap().periods.len()
        );
    }
}
