//! Benchmarks of the compliance matrix (组织生活完成情况): the pure
//! obligations engine over the generated demo county, and
//! `compliance::for_scope` for the county root and a township over 24
//! months on a loaded database (two queries and the engine).
//!
//! ```sh
//! # engine only (no database needed):
//! cargo bench -p dangjian-service --bench compliance
//! # plus the service calls, on a database loaded by `dangjian demo --no-serve`:
//! DANGJIAN_BENCH_DB=sqlite:///tmp/cb/d.db DANGJIAN_BENCH_KEY_FILE=/tmp/cb/k \
//!   DANGJIAN_BENCH_PASSWORD=bench2026pw cargo bench -p dangjian-service --bench compliance
//! ```
//!
//! Environment: as for the `pages` bench (`DANGJIAN_BENCH_DB`,
//! `DANGJIAN_BENCH_KEY_FILE`, `DANGJIAN_BENCH_PASSWORD`,
//! `DANGJIAN_BENCH_SAMPLES`). Logging in writes a session and an audit row,
//! so run it on a throw-away database.

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use dangjian_domain::demo::{DemoOptions, generate};
use dangjian_domain::ids::OrgId;
use dangjian_domain::obligations::{OrgFacts, RecordFact, Window, evaluate};
use dangjian_domain::policy::Profile;
use dangjian_service::{Actor, Crypto, Services, Store, auth, compliance};
use jiff::ToSpan;
use jiff::civil::{Date, date};
use std::hint::black_box;
use std::time::Duration;

/// The 24 months up to and including `today`'s month.
fn last_24_months(today: Date) -> Window {
    let this_month = today.first_of_month();
    Window {
        from: this_month.checked_sub(23.months()).expect("in range"),
        to: today.last_of_month(),
    }
}

fn bench_engine(c: &mut Criterion) {
    let today = date(2026, 11, 29);
    let county = generate(&DemoOptions {
        seed: 20_261_129,
        scale: 1,
        today,
    });
    let id = |i: usize| OrgId(i64::try_from(i).expect("index") + 1);
    let orgs: Vec<OrgFacts> = county
        .orgs
        .iter()
        .enumerate()
        .map(|(i, o)| OrgFacts {
            id: id(i),
            parent: o.parent.map(id),
            kind: o.kind,
            sector: o.sector,
            has_committee: o.has_committee,
            active_from: None,
            active_to: None,
        })
        .collect();
    let secretary = vec!["by_secretary".to_owned()];
    let records: Vec<RecordFact<'_>> = county
        .records
        .iter()
        .map(|r| RecordFact {
            org: id(r.org),
            record_type: r.record_type,
            date: r.held_on,
            counts: r.valid,
            marks: if r.by_secretary { &secretary } else { &[] },
        })
        .collect();
    let profile = Profile::default_profile();
    let window = last_24_months(today);
    eprintln!(
        "engine bench: {} organizations, {} records",
        orgs.len(),
        records.len()
    );
    let mut g = c.benchmark_group("compliance_engine");
    g.sample_size(20).measurement_time(Duration::from_secs(5));
    g.bench_function("evaluate_county_24_months", |b| {
        b.iter(|| black_box(evaluate(profile, &orgs, &records, window, today)));
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
            "compliance service benches skipped: set DANGJIAN_BENCH_DB to the URL of a \
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
    let window = last_24_months(svc.clock.today());
    let samples = std::env::var("DANGJIAN_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let mut g = c.benchmark_group(format!("compliance_{label}"));
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(samples)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8));
    for (name, org) in [
        ("for_scope_county_24_months", root),
        ("for_scope_township_24_months", town),
    ] {
        g.bench_function(name, |b| {
            b.to_async(&rt).iter(|| async {
                black_box(
                    compliance::for_scope(&svc, &actor, org, window)
                        .await
                        .expect("matrix"),
                )
            });
        });
    }
    g.bench_function("due_soon_township", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(compliance::due_soon(&svc, &actor, town).await.expect("due"))
        });
    });
    g.finish();
}

criterion_group!(benches, bench_engine, bench_service);
criterion_main!(benches);
