//! Build a trainee's coaching report from a history of 1,000 stored sessions, against
//! reading the same rows back (baseline, same run).
//!
//! Run: `cargo bench --bench report`. Target: the report in ≤ 300 ms.
//!
//! The fixture: 63 distinct graded sessions (7 personas × 3 shifts × 3 seeds), stored
//! 1,000 times for the trainee (each copy under its own log hash and date, 4 hours
//! apart), 3 coach overrides, and 4 team-mates with 50 sessions each for the median.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use dojo_core::agents::{self, Persona};
use dojo_core::history::{GradedSession, Role, SessionQuery};
use dojo_core::pack::Pack;
use dojo_core::report::{self, ReportOptions};
use dojo_core::sim::record::{self, LogHeader};
use dojo_core::sim::session::Session;
use dojo_store::Store;

/// The product's allocator (the `dojo` binary's), so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn graded(pack: &Arc<Pack>, shift: &str, persona: Persona, seed: u64) -> GradedSession {
    let script = agents::play(Arc::clone(pack), &pack.shifts[shift], seed, persona).unwrap();
    let mut s = Session::new(Arc::clone(pack), shift, seed).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    GradedSession::of(&s, LogHeader::for_session(&s, None, None))
}

fn bench(c: &mut Criterion) {
    let pack = Arc::new(Pack::builtin().expect("built-in pack"));
    let mut distinct = Vec::new();
    for shift in ["onboarding-basics", "practice-mixed", "competition-mixed"] {
        for persona in Persona::ALL {
            for seed in [7, 8, 9] {
                distinct.push(graded(&pack, shift, persona, seed));
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_in(dir.path()).unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 8, 0, 0).unwrap();
    store
        .add_person("Bo", Role::Trainee, Some("Desk A"), t0)
        .unwrap();
    store.add_person("Carla", Role::Coach, None, t0).unwrap();
    let mut store_copy = |who: &str, i: usize| {
        let mut g = distinct[i % distinct.len()].clone();
        g.log_sha256 = format!("{}-{who}-{i}", g.log_sha256);
        store
            .record_session(who, &g, t0 + Duration::hours(4 * i as i64))
            .unwrap()
    };
    let mut ids = Vec::new();
    for i in 0..1000 {
        ids.push(store_copy("Bo", i));
    }
    for mate in ["Ana", "Cy", "Di", "Ed"] {
        store_copy_person(&mut store, mate, t0);
        for i in 0..50 {
            let mut g = distinct[(i * 7) % distinct.len()].clone();
            g.log_sha256 = format!("{}-{mate}-{i}", g.log_sha256);
            store
                .record_session(mate, &g, t0 + Duration::hours(9 * i as i64))
                .unwrap();
        }
    }
    for id in &ids[..3] {
        store
            .override_ticket(
                *id,
                1,
                75,
                "Carla",
                "bench override",
                t0 + Duration::days(400),
            )
            .unwrap();
    }
    // What opening a history of this size costs (the checks run at every open).
    let db = store.path().to_path_buf();
    drop(store);
    let size = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
    let started = std::time::Instant::now();
    let store = Store::open(&db).unwrap();
    eprintln!(
        "history file: {:.1} MB; Store::open (integrity check, migrations) took {:.0} ms",
        size as f64 / 1e6,
        started.elapsed().as_secs_f64() * 1000.0
    );
    let options = ReportOptions {
        since: None,
        review_sample: 5,
        ..ReportOptions::for_pack(&pack, t0 + Duration::days(400))
    };
    let query = SessionQuery {
        trainee: Some("Bo".into()),
        ..SessionQuery::default()
    };
    assert_eq!(store.sessions(&query).unwrap().len(), 1000);

    let mut group = c.benchmark_group("report-1000-sessions");
    group.sample_size(20);
    group.bench_function("baseline: read the trainee's session rows", |b| {
        b.iter(|| std::hint::black_box(store.sessions(&query).unwrap()));
    });
    group.bench_function("trainer report (read + build)", |b| {
        b.iter(|| {
            std::hint::black_box(dojo_store::trainer_report(&store, "Bo", &options).unwrap())
        });
    });
    group.bench_function("trainer report + HTML", |b| {
        b.iter(|| {
            let r = dojo_store::trainer_report(&store, "Bo", &options).unwrap();
            std::hint::black_box(report::to_html(&r))
        });
    });
    group.finish();
}

fn store_copy_person(store: &mut Store, name: &str, at: chrono::DateTime<Utc>) {
    store
        .add_person(name, Role::Trainee, Some("Desk A"), at)
        .unwrap();
}

criterion_group!(benches, bench);
criterion_main!(benches);
