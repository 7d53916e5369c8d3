//! Benchmarks of the service calls behind the tree page and the member list,
//! and of the demo generator (issue 2, "Benchmarks (not timed tests)").
//!
//! ```sh
//! # generator only (no database needed):
//! cargo bench -p dangjian-service --bench pages
//! # plus the page calls, on a database already loaded by `dangjian demo --no-serve`:
//! DANGJIAN_BENCH_DB=sqlite:///tmp/b/b.db DANGJIAN_BENCH_KEY_FILE=/tmp/b/k \
//!   DANGJIAN_BENCH_PASSWORD=bench2026pw cargo bench -p dangjian-service --bench pages
//! ```
//!
//! Environment:
//! - `DANGJIAN_BENCH_DB`: database URL (`sqlite://…` or `postgres://…`) of a
//!   loaded demo county. Unset: the database benches are skipped with a message.
//! - `DANGJIAN_BENCH_KEY_FILE`: key file the demo was loaded with (optional;
//!   the benched calls read no encrypted field, so a random key is used without it).
//! - `DANGJIAN_BENCH_PASSWORD`: the demo password (default `bench2026pw`).
//! - `DANGJIAN_BENCH_SKIP_GENERATE=1`: skip the generator bench.
//! - `DANGJIAN_BENCH_SAMPLES`: samples per page bench (default 20, at least 10).
//!
//! `scripts/bench.sh` runs this after loading the demo county; figures are in
//! docs/BENCHMARKS.md. Logging in writes a session and an audit row, so run it
//! on a throw-away database.

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use dangjian_domain::demo::{DemoOptions, generate};
use dangjian_service::members::{self, MemberQuery};
use dangjian_service::{Actor, Crypto, Services, Store, auth, orgs};
use std::hint::black_box;
use std::time::Duration;

fn bench_generate(c: &mut Criterion) {
    if std::env::var_os("DANGJIAN_BENCH_SKIP_GENERATE").is_some_and(|v| !v.is_empty()) {
        eprintln!("demo/generate skipped: DANGJIAN_BENCH_SKIP_GENERATE is set");
        return;
    }
    let today: jiff::civil::Date = "2026-11-29".parse().expect("date");
    let opts = DemoOptions {
        seed: 20_261_129,
        scale: 1,
        today,
    };
    let mut g = c.benchmark_group("demo");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("generate_scale_1", |b| {
        b.iter(|| black_box(generate(black_box(&opts))));
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

fn bench_pages(c: &mut Criterion) {
    let Ok(url) = std::env::var("DANGJIAN_BENCH_DB") else {
        eprintln!(
            "page benches skipped: set DANGJIAN_BENCH_DB to the URL of a database loaded by \
             `dangjian demo --no-serve` (see scripts/bench.sh)"
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
        // The demo binds town_admin to the first township committee.
        let town = login(&svc, "town_admin", &pw).await.org_id.0;
        let root = actor.org_id.0;
        (svc, actor, root, town)
    });
    let label = if url.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    eprintln!("page benches on {label}: root org {root}, township org {town}");

    // Flat sampling: a call of a second or more (a filtered count at scale
    // 100) then costs `samples` iterations, not the 465 of linear sampling.
    let samples = std::env::var("DANGJIAN_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let mut g = c.benchmark_group(format!("pages_{label}"));
    g.sampling_mode(SamplingMode::Flat)
        .sample_size(samples)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(5));
    g.bench_function("orgs_view_root", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                orgs::tree(&svc, &actor, root, false, 1)
                    .await
                    .expect("view"),
            )
        });
    });
    g.bench_function("orgs_view_township", |b| {
        b.to_async(&rt).iter(|| async {
            black_box(
                orgs::tree(&svc, &actor, town, false, 1)
                    .await
                    .expect("view"),
            )
        });
    });
    let root_p1 = MemberQuery {
        org: root.to_string(),
        ..MemberQuery::default()
    };
    let town_p3 = MemberQuery {
        org: town.to_string(),
        page: "3".into(),
        ..MemberQuery::default()
    };
    let root_prob = MemberQuery {
        org: root.to_string(),
        category: "probationary".into(),
        ..MemberQuery::default()
    };
    for (name, q) in [
        ("members_root_page1", &root_p1),
        ("members_township_page3", &town_p3),
        ("members_root_probationary", &root_prob),
    ] {
        g.bench_function(name, |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(members::list(&svc, &actor, q).await.expect("list")) });
        });
    }
    g.finish();
}

criterion_group!(benches, bench_generate, bench_pages);
criterion_main!(benches);
