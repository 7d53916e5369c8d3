//! The shape of one county copy: townships with their villages,
//! communities, 站所 and schools; county departments with their 机关
//! branches, institutions, schools, hospitals, police stations and state
//! enterprises; and the two comprehensive committees of the "两新"
//! organizations (非公企业, 社会组织).

use super::people::{Ctx, Home, Profile as P};
use super::places::{
    Below, COMMUNITIES, COUNTY, DEPTS, ENTERPRISES, HOSPITALS, OFFICES, SCHOOLS, SOCIAL_JOINT,
    SOCIAL_ORGS, TOWNSHIPS, TOWNSHIPS_PER_COUNTY, village_name,
};
use super::{Builder, Spec, ordinal, pick};
use crate::org::{OrgKind as K, Sector as S};
use rand::RngExt;
use rand::seq::SliceRandom;
use std::collections::HashSet;

impl Builder {
    /// One county's worth of organizations under `root`. Copy 0 uses the
    /// plain names; later copies add "(2)", "(3)"… to the township and
    /// department names, which keeps every organization name unique.
    pub(super) fn county_copy(&mut self, root: usize, copy: u32) {
        self.people.set_copy(copy);
        let sfx = if copy == 0 {
            String::new()
        } else {
            format!("({})", copy + 1)
        };
        let mut others: Vec<&str> = TOWNSHIPS[1..].to_vec();
        others.shuffle(&mut self.rng);
        let towns: Vec<&str> = std::iter::once(TOWNSHIPS[0])
            .chain(others.into_iter().take(TOWNSHIPS_PER_COUNTY - 1))
            .collect();
        let seat = Home::Town(format!("{COUNTY}{}{sfx}", TOWNSHIPS[0]));
        self.departments(root, &sfx, &towns, &seat);
        for (i, town) in towns.iter().enumerate() {
            // The county seat is a town; one or two other townships may be.
            let urban = i == 0
                || (i == 1 && self.rng.random_bool(0.6))
                || (i == 2 && self.rng.random_bool(0.3));
            self.township(root, &format!("{town}{sfx}"), i == 0, urban);
        }
        self.private_enterprises(root, &sfx, &seat);
        self.social_organizations(root, &sfx, &seat);
    }

    /// Adds a 党支部 with `lo..=hi` members.
    fn leaf(
        &mut self,
        parent: usize,
        name: String,
        sector: S,
        unit: &str,
        size: (u32, u32),
        ctx: &Ctx,
    ) {
        let n = self.size(size.0, size.1);
        self.branch(parent, Spec::new(name, K::Branch, sector, unit), n, ctx);
    }

    fn township(&mut self, root: usize, town: &str, seat: bool, urban: bool) {
        let gov = format!("{COUNTY}{town}人民政府");
        let t = self.org(
            Some(root),
            Spec::new(format!("中共{town}委员会"), K::Committee, S::Rural, &gov),
        );
        let home = if urban {
            Home::Town(format!("{COUNTY}{town}"))
        } else {
            Home::Market(format!("{COUNTY}{town}"))
        };
        let staff = Ctx::new(P::Government, &home);

        // The township government: one branch, or a 党总支 over the
        // government offices and the 站所.
        if self.rng.random_bool(0.5) {
            self.leaf(
                t,
                format!("中共{town}机关支部委员会"),
                S::Government,
                &gov,
                (35, 60),
                &staff,
            );
        } else {
            let spec = Spec::new(
                format!("中共{town}机关总支部委员会"),
                K::GeneralBranch,
                S::Government,
                &gov,
            );
            let g = self.org(Some(t), spec);
            for part in ["机关第一", "机关第二", "站所"] {
                self.leaf(
                    g,
                    format!("中共{town}{part}支部委员会"),
                    S::Government,
                    &gov,
                    (15, 32),
                    &staff,
                );
            }
        }
        if self.rng.random_bool(0.5) {
            let name = format!("中共{town}离退休干部支部委员会");
            self.leaf(
                t,
                name,
                S::Government,
                &gov,
                (12, 35),
                &staff.with(P::Retired),
            );
        }
        let units = [
            ("卫生院", 0.9, S::PublicInstitution, P::Medical, (8, 24)),
            ("中心小学", 0.95, S::School, P::School, (10, 32)),
            ("中学", 0.7, S::School, P::School, (12, 36)),
            (
                "农业综合服务中心",
                0.5,
                S::PublicInstitution,
                P::PublicInstitution,
                (6, 16),
            ),
        ];
        for (unit, p, sector, profile, size) in units {
            if self.rng.random_bool(p) {
                let unit = format!("{COUNTY}{town}{unit}");
                self.leaf(
                    t,
                    format!("中共{unit}支部委员会"),
                    sector,
                    &unit,
                    size,
                    &staff.with(profile),
                );
            }
        }

        let villages = if seat {
            self.size(6, 9)
        } else {
            self.size(11, 15)
        };
        let mut used = HashSet::new();
        for _ in 0..villages {
            let name = loop {
                let v = village_name(&mut self.rng);
                if used.insert(v.clone()) {
                    break v;
                }
            };
            self.village(t, town, &name);
        }
        if urban {
            let count = if seat {
                self.size(4, 7)
            } else {
                self.size(1, 2)
            };
            let mut names = COMMUNITIES.to_vec();
            names.shuffle(&mut self.rng);
            for name in names.into_iter().take(count as usize) {
                self.community(t, town, name);
            }
        }

        // Private companies: joint branches in the industrial park, and a
        // few companies with a branch of their own.
        let firms = staff.with(P::PrivateEnterprise);
        if self.rng.random_bool(0.5) {
            let parks = self.size(1, 3);
            for j in 0..parks {
                let n = self.size(5, 20);
                let unit = format!("{}等{}家企业", self.company(), self.size(2, 5));
                let label = if parks == 1 {
                    String::new()
                } else {
                    format!("第{}", ordinal(j))
                };
                let name = format!("中共{town}工业园区{label}联合支部委员会");
                self.branch(
                    t,
                    Spec::new(name, K::JointBranch, S::PrivateEnterprise, &unit),
                    n,
                    &firms,
                );
            }
        }
        if self.rng.random_bool(0.4) {
            for _ in 0..self.size(1, 2) {
                let unit = self.company();
                self.leaf(
                    t,
                    format!("中共{unit}支部委员会"),
                    S::PrivateEnterprise,
                    &unit,
                    (3, 15),
                    &firms,
                );
            }
        }
    }

    fn village(&mut self, t: usize, town: &str, name: &str) {
        let unit = format!("{town}{name}村村民委员会");
        let clan = self
            .rng
            .random_bool(0.7)
            .then(|| pick(&mut self.rng, super::names::CLANS));
        let home = Home::Village(format!("{COUNTY}{town}{name}村"));
        let ctx = Ctx {
            clan,
            ..Ctx::new(P::Village, &home)
        };
        let village = format!("中共{town}{name}村");
        if self.rng.random_bool(0.55) {
            let mut spec = Spec::new(
                format!("{village}总支部委员会"),
                K::GeneralBranch,
                S::Rural,
                &unit,
            );
            spec.population = Some(i64::from(self.size(2500, 6500)));
            let g = self.org(Some(t), spec);
            for j in 0..self.size(2, 4) {
                let name = format!("{village}第{}支部委员会", ordinal(j));
                self.leaf(g, name, S::Rural, &unit, (18, 44), &ctx);
            }
            let extra = [
                ("老年党员", P::VillageElder, 0.35, (12, 30)),
                ("流动党员", P::Migrant, 0.3, (10, 26)),
                ("脐橙产业", P::Village, 0.1, (6, 15)),
            ];
            for (label, profile, p, size) in extra {
                if self.rng.random_bool(p) {
                    let name = format!("{village}{label}支部委员会");
                    self.leaf(g, name, S::Rural, &unit, size, &ctx.with(profile));
                }
            }
        } else {
            let mut spec = Spec::new(format!("{village}支部委员会"), K::Branch, S::Rural, &unit);
            spec.population = Some(i64::from(self.size(800, 3500)));
            // A few big village branches have not been split yet (>50 members).
            let n = if self.rng.random_bool(0.05) {
                self.size(51, 68)
            } else {
                self.size(28, 50)
            };
            self.branch(t, spec, n, &ctx);
        }
    }

    fn community(&mut self, t: usize, town: &str, name: &str) {
        let unit = format!("{town}{name}社区居民委员会");
        let ctx = Ctx::new(P::Community, &Home::Town(format!("{COUNTY}{town}")));
        let community = format!("中共{town}{name}社区");
        let population = Some(i64::from(self.size(3000, 15000)));
        if self.rng.random_bool(0.4) {
            let mut spec = Spec::new(
                format!("{community}总支部委员会"),
                K::GeneralBranch,
                S::Community,
                &unit,
            );
            spec.population = population;
            let g = self.org(Some(t), spec);
            for j in 0..self.size(2, 4) {
                let name = format!("{community}第{}网格支部委员会", ordinal(j));
                self.leaf(g, name, S::Community, &unit, (15, 40), &ctx);
            }
            let name = format!("{community}退休党员支部委员会");
            self.leaf(
                g,
                name,
                S::Community,
                &unit,
                (10, 35),
                &ctx.with(P::Retired),
            );
        } else {
            let mut spec = Spec::new(
                format!("{community}支部委员会"),
                K::Branch,
                S::Community,
                &unit,
            );
            spec.population = population;
            let n = self.size(30, 58);
            self.branch(t, spec, n, &ctx);
        }
    }

    fn departments(&mut self, root: usize, sfx: &str, towns: &[&str], seat: &Home) {
        let staff = Ctx::new(P::Government, seat);
        for d in DEPTS {
            let dept = format!("{COUNTY}{}{sfx}", d.name);
            let (kind, name) = match (d.committee, d.below) {
                (true, Below::Offices) => (K::Committee, format!("中共{dept}")),
                (true, _) => (K::Committee, format!("中共{dept}委员会")),
                (false, _) => (K::LeadingGroup, format!("中共{dept}党组")),
            };
            let id = self.org(Some(root), Spec::new(name, kind, S::Government, &dept));
            for j in 0..d.offices {
                let label = if d.offices == 1 {
                    String::new()
                } else {
                    format!("第{}", ordinal(j))
                };
                let name = format!("中共{dept}机关{label}支部委员会");
                self.leaf(id, name, S::Government, &dept, (12, 40), &staff);
            }
            if d.offices > 0 && self.rng.random_bool(0.5) {
                let name = format!("中共{dept}离退休干部支部委员会");
                self.leaf(
                    id,
                    name,
                    S::Government,
                    &dept,
                    (10, 30),
                    &staff.with(P::Retired),
                );
            }
            match d.below {
                Below::Units(units) => {
                    let ctx = staff.with(P::PublicInstitution);
                    for u in units {
                        let unit = format!("{COUNTY}{u}{sfx}");
                        let name = format!("中共{unit}支部委员会");
                        self.leaf(id, name, S::PublicInstitution, &unit, (6, 30), &ctx);
                    }
                }
                Below::Offices => {
                    for o in OFFICES {
                        let unit = format!("{}{sfx}", o.replacen('县', COUNTY, 1));
                        self.leaf(
                            id,
                            format!("中共{unit}支部委员会"),
                            S::Government,
                            &unit,
                            (10, 36),
                            &staff,
                        );
                    }
                }
                Below::Police => {
                    let brigades = ["交通警察大队", "刑事侦查大队", "治安管理大队", "看守所"];
                    let stations = towns
                        .iter()
                        .map(|t| format!("{}派出所", t.trim_end_matches(['镇', '乡'])));
                    for part in brigades.into_iter().map(str::to_owned).chain(stations) {
                        let name = format!("中共{dept}{part}支部委员会");
                        self.leaf(id, name, S::Government, &dept, (8, 28), &staff);
                    }
                }
                Below::Schools => {
                    self.units_with_branches(
                        id,
                        sfx,
                        SCHOOLS,
                        S::School,
                        &staff.with(P::School),
                        false,
                    );
                }
                Below::Hospitals => {
                    let ctx = staff.with(P::Medical);
                    self.units_with_branches(id, sfx, HOSPITALS, S::PublicInstitution, &ctx, true);
                }
                Below::Enterprises => {
                    let ctx = staff.with(P::StateEnterprise);
                    self.units_with_branches(id, sfx, ENTERPRISES, S::StateEnterprise, &ctx, true);
                }
            }
        }
    }

    /// Schools, hospitals or state enterprises: a unit with a list of
    /// branches gets a 党总支 over them (the first two, when big and
    /// `committees`, a 党委), the others a single branch.
    fn units_with_branches(
        &mut self,
        parent: usize,
        sfx: &str,
        table: &[(&str, &[&str])],
        sector: S,
        ctx: &Ctx,
        committees: bool,
    ) {
        for (i, (unit, branches)) in table.iter().enumerate() {
            let unit = format!("{COUNTY}{unit}{sfx}");
            if branches.is_empty() {
                self.leaf(
                    parent,
                    format!("中共{unit}支部委员会"),
                    sector,
                    &unit,
                    (10, 40),
                    ctx,
                );
                continue;
            }
            let (kind, name) = if committees && i < 2 && branches.len() >= 5 {
                (K::Committee, format!("中共{unit}委员会"))
            } else {
                (K::GeneralBranch, format!("中共{unit}总支部委员会"))
            };
            let g = self.org(Some(parent), Spec::new(name, kind, sector, &unit));
            for b in *branches {
                let name = format!("中共{unit}{b}支部委员会");
                if b.contains("退休") {
                    self.leaf(g, name, sector, &unit, (10, 32), &ctx.with(P::Retired));
                } else {
                    self.leaf(g, name, sector, &unit, (18, 48), ctx);
                }
            }
        }
    }

    fn private_enterprises(&mut self, root: usize, sfx: &str, seat: &Home) {
        let unit = format!("{COUNTY}非公有制经济组织党建工作指导站{sfx}");
        let name = format!("中共{COUNTY}非公有制经济组织综合委员会{sfx}");
        let c = self.org(
            Some(root),
            Spec::new(name, K::Committee, S::PrivateEnterprise, &unit),
        );
        let ctx = Ctx::new(P::PrivateEnterprise, seat);
        for _ in 0..self.size(45, 60) {
            let company = self.company();
            if self.rng.random_bool(0.1) {
                let name = format!("中共{company}总支部委员会");
                let g = self.org(
                    Some(c),
                    Spec::new(name, K::GeneralBranch, S::PrivateEnterprise, &company),
                );
                for part in ["生产", "销售", "行政"] {
                    let name = format!("中共{company}{part}支部委员会");
                    self.leaf(g, name, S::PrivateEnterprise, &company, (8, 24), &ctx);
                }
            } else {
                let name = format!("中共{company}支部委员会");
                self.leaf(c, name, S::PrivateEnterprise, &company, (3, 30), &ctx);
            }
        }
        for place in [
            "电商产业园",
            "物流园",
            "建材市场",
            "农贸市场",
            "步行街商圈",
            "汽车城",
        ] {
            if self.rng.random_bool(0.7) {
                let n = self.size(5, 20);
                let unit = format!("{}等{}家企业", self.company(), self.size(2, 5));
                let name = format!("中共{COUNTY}{place}{sfx}联合支部委员会");
                self.branch(
                    c,
                    Spec::new(name, K::JointBranch, S::PrivateEnterprise, &unit),
                    n,
                    &ctx,
                );
            }
        }
    }

    fn social_organizations(&mut self, root: usize, sfx: &str, seat: &Home) {
        let unit = format!("{COUNTY}社会组织党建工作指导站{sfx}");
        let name = format!("中共{COUNTY}社会组织综合委员会{sfx}");
        let c = self.org(
            Some(root),
            Spec::new(name, K::Committee, S::SocialOrganization, &unit),
        );
        let ctx = Ctx::new(P::Social, seat);
        for o in SOCIAL_ORGS {
            if self.rng.random_bool(0.85) {
                let unit = format!("{COUNTY}{o}{sfx}");
                self.leaf(
                    c,
                    format!("中共{unit}支部委员会"),
                    S::SocialOrganization,
                    &unit,
                    (3, 16),
                    &ctx,
                );
            }
        }
        for trade in SOCIAL_JOINT {
            let n = self.size(5, 22);
            let name = format!("中共{COUNTY}{trade}{sfx}联合支部委员会");
            let unit = format!("{COUNTY}{trade}{sfx}（{}家单位）", self.size(2, 5));
            self.branch(
                c,
                Spec::new(name, K::JointBranch, S::SocialOrganization, &unit),
                n,
                &ctx,
            );
        }
    }
}
