//! Benchmarks of the early warnings (软弱涣散预警): the pure engine over the
//! generated demo county (facts built in memory, no database), and, on a
//! loaded database, `warnings::evaluate_scope` for the county root (the
//! fact queries, the compliance engine over twelve months, the warning
//! engine and the snapshot insert with its audit row) and
//! `warnings::latest` for the root and a township (the whole snapshot), and
//! `warnings::page` for the root (first page, and red page 5) and a
//! township (what the 预警 page and `GET /api/v1/warnings` read).
//!
//! ```sh
//! # engine only (no database needed; DANGJIAN_BENCH_SCALE=100 for scale 100):
//! cargo bench -p dangjian-service --bench warnings
//! # plus the service calls, on a database loaded by `dangjian demo --no-serve`:
//! DANGJIAN_BENCH_DB=sqlite:///tmp/wb/d.db DANGJIAN_BENCH_KEY_FILE=/tmp/wb/k \
//!   DANGJIAN_BENCH_PASSWORD=bench2026pw cargo bench -p dangjian-service --bench warnings
//! ```
//!
//! Environment: as for the `pages` bench (`DANGJIAN_BENCH_DB`,
//! `DANGJIAN_BENCH_KEY_FILE`, `DANGJIAN_BENCH_PASSWORD`,
//! `DANGJIAN_BENCH_SAMPLES`). Every `evaluate_scope` iteration stores a
//! snapshot, so run it on a throw-away database.

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use dangjian_domain::demo::{DemoOptions, generate};
use dangjian_domain::ids::OrgId;
use dangjian_domain::org::{default_term_years, term_due_date};
use dangjian_domain::policy::Profile;
use dangjian_domain::warnings::{Last, Level, OrgWarningFacts, TermFact, evaluate};
use dangjian_service::{Actor, Crypto, Services, Store, auth, warnings};
use jiff::civil::date;
use std::hint::black_box;
use std::time::Duration;

fn bench_engine(c: &mut Criterion) {
    let today = date(2026, 11, 29);
    let scale = std::env::var("DANGJIAN_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let county = generate(&DemoOptions {
        seed: 20_261_129,
        scale,
        today,
    });
    let mut facts: Vec<OrgWarningFacts> = county
        .orgs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let mut f = OrgWarningFacts::unknown(
                OrgId(i64::try_from(i).expect("index") + 1),
                o.kind,
                o.sector,
            );
            f.secretary_vacant_since = o.secretary_vacant_since;
            f.term = o.term_start.map(|s| TermFact {
                due: term_due_date(s, default_term_years(o.kind, o.sector)),
                completed: false,
            });
            f.compliance_permille = Some(u32::try_from(i * 37 % 1001).expect("small"));
            f
        })
        .collect();
    let mut birth_months = vec![0i64; facts.len()];
    for m in &county.members {
        let f = &mut facts[m.org];
        f.member_count += 1;
        birth_months[m.org] +=
            i64::from(m.birth_date.year()) * 12 + i64::from(m.birth_date.month());
        let later = match f.last_new_member {
            Some(Last::On(d)) => d.max(m.joined_on),
            _ => m.joined_on,
        };
        f.last_new_member = Some(Last::On(later));
    }
    let now_months = i64::from(today.year()) * 12 + i64::from(today.month());
    for (f, b) in facts.iter_mut().zip(&birth_months) {
        if f.member_count > 0 {
            let age = now_months - b / i64::from(f.member_count);
            f.average_age_tenths = u32::try_from(age * 10 / 12).ok();
        }
    }
    let profile = Profile::default_profile();
    eprintln!(
        "warning engine bench: scale {scale}, {} organizations, {} members",
        facts.len(),
        county.members.len()
    );
    let mut g = c.benchmark_group("warning_engine");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.bench_function(format!("evaluate_county_scale_{scale}"), |b| {
        b.iter(|| black_box(evaluate(profile, &facts, today)));
    });
    g.finish();
}

async fn login(svc: &Services, username: &str, pw: &str) -> Actor {
    match auth::login(svc, username, pw).await {
        Ok(Ok((account, _session))) => account.actor().unwrap(),
        Ok(Err(e)) => panic!("login {username}: {}", e.message()),
        Err(e) => panic!("login {username}: {e}"),
    }
}

fn bench_service(c: &mut Criterion) {
    let Ok(url) = std::env::var("DANGJIAN_BENCH_DB") else {
        eprintln!(
            "warning service benches skipped: set DANGJIAN_BENCH_DB to the URL of a \
             database loaded by `dangjian demo --no-serve`"
        );
        return;
    };
    let pw = std::env::var("DANGJIAN_BENCH_PASSWORD").unwrap_or_else(|_| "bench2026pw".into());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (svc, actor, root, town) = rt.block_on(async {
        let store = Store::connect(&url)
            .await
            .expect("connect DANGJIAN_BENCH_DB");
        let crypto = match std::env::var_os("DANGJIAN_BENCH_KEY_FILE") {
            Some(p) => Crypto::load_or_create(std::path::Path::new(&p)).expect("key file"),
            None => Crypto::random(),
        };
        let svc = Services::new(store, crypto);
        let actor = login(&svc, "county_admin", &pw).await;
        let town = login(&svc, "town_admin", &pw).await.org_id.0;
        let root = actor.org_id.0;
        (svc, actor, root, town)
    });
    let label = if url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    let samples = std::env::var("DANGJIAN_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let mut g = c.benchmark_group(format!("warnings_{label}"));
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(samples)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("evaluate_scope_county", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                warnings::evaluate_scope(&svc, &actor, root)
                    .await
                    .expect("run"),
            )
        });
    });
    for (name, org) in [("latest_county", root), ("latest_township", town)] {
        g.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                black_box(
                    warnings::latest(&svc, &actor, org)
                        .await
                        .expect("latest")
                        .expect("a run"),
                )
            });
        });
    }
    for (name, org, level, page) in [
        ("page_county", root, None, 1),
        ("page_county_red_5", root, Some(Level::Red), 5),
        ("page_township", town, None, 1),
    ] {
        g.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                black_box(
                    warnings::page(&svc, &actor, org, level, page, 20)
                        .await
                        .expect("page")
                        .expect("a run"),
                )
            });
        });
    }
    g.finish();
}

criterion_group!(benches, bench_engine, bench_service);
criterion_main!(benches);
