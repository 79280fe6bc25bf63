//! Replay-verify a 100-ticket shift's result against bare deserialisation of the same
//! file (the baseline, measured in the same run).
//!
//! Run: `cargo bench --bench replay`. Target: replay-verify ≤ 3× bare deserialisation.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dojo_core::agents::Persona;
use dojo_core::pack::Pack;
use dojo_core::sim::record::{self, LogHeader, SessionResult};

mod common;
use common::hundred_ticket_shift;

fn bench(c: &mut Criterion) {
    let pack = Arc::new(Pack::builtin().expect("built-in pack"));
    let session = common::played(&pack, hundred_ticket_shift(&pack), Persona::Ideal);
    let text = SessionResult::of(&session, LogHeader::for_session(&session, None, None)).to_ron();
    let tickets = session.tickets.len() as u64;
    eprintln!(
        "100-ticket result: {} actions, {} bytes",
        session.log.len(),
        text.len()
    );

    let mut group = c.benchmark_group("replay-100-tickets");
    group.throughput(Throughput::Elements(tickets));
    group.sample_size(60);
    group.measurement_time(std::time::Duration::from_secs(8));
    group.bench_function("bare deserialisation", |b| {
        b.iter(|| std::hint::black_box(ron::from_str::<SessionResult>(&text).unwrap()));
    });
    group.bench_function("replay-verify (parse + re-simulate + compare)", |b| {
        b.iter(|| {
            let parsed: SessionResult = ron::from_str(&text).unwrap();
            let replayed = record::replay_entries(Arc::clone(&pack), &parsed.header, &parsed.log)
                .unwrap()
                .unwrap();
            assert!(parsed.matches(&replayed));
        });
    });
    group.bench_function(
        "replay-verify, byte-identical (as dojo replay: + re-serialise)",
        |b| {
            b.iter(|| {
                let parsed: SessionResult = ron::from_str(&text).unwrap();
                let replayed =
                    record::replay_entries(Arc::clone(&pack), &parsed.header, &parsed.log)
                        .unwrap()
                        .unwrap();
                assert!(SessionResult::of(&replayed, parsed.header.clone()).to_ron() == text);
            });
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
