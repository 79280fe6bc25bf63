//! Grade a 100-ticket session (per-ticket grades, metrics, coaching), against bare
//! deserialisation of the same session's result file (baseline, same run).
//!
//! Run: `cargo bench --bench grading`. Target: ≥ 10,000 tickets graded per second.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dojo_core::agents::Persona;
use dojo_core::grading;
use dojo_core::pack::Pack;
use dojo_core::sim::record::{LogHeader, SessionResult};

mod common;

fn bench(c: &mut Criterion) {
    let pack = Arc::new(Pack::builtin().expect("built-in pack"));
    // A flawed persona, so grading has deductions, flags and reviews to write.
    let session = common::played(
        &pack,
        common::hundred_ticket_shift(&pack),
        Persona::FabricatedNotes,
    );
    let text = SessionResult::of(&session, LogHeader::for_session(&session, None, None)).to_ron();
    let tickets = session.tickets.len() as u64;

    let mut group = c.benchmark_group("grade-100-tickets");
    group.throughput(Throughput::Elements(tickets));
    group.sample_size(30);
    group.bench_function("bare deserialisation of the result", |b| {
        b.iter(|| std::hint::black_box(ron::from_str::<SessionResult>(&text).unwrap()));
    });
    group.bench_function("grade (tickets, metrics, coaching)", |b| {
        b.iter(|| std::hint::black_box(grading::grade(&session, None, None)));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
