//! Replay-verify a 100-ticket shift's result against bare deserialisation of the same
//! file (the baseline, measured in the same run).
//!
//! Run: `cargo bench --bench replay`. Target: replay-verify ≤ 3× bare deserialisation.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use escalation_dojo::agents::{self, Persona};
use escalation_dojo::pack::Pack;
use escalation_dojo::shift::{Arrivals, Mode, Rules, Selection, Shift};
use escalation_dojo::sim::record::{self, LogHeader, SessionResult};
use escalation_dojo::sim::session::Session;

/// A 100-ticket shift: every built-in scenario in turn, one every 20 sim minutes.
pub fn hundred_ticket_shift(pack: &Pack) -> Shift {
    let ids: Vec<String> = pack.scenarios.keys().cloned().collect();
    Shift {
        id: "bench-100".into(),
        title: "100 tickets".into(),
        description: String::new(),
        mode: Mode::Practice,
        length_minutes: 2020,
        arrivals: Arrivals::Fixed((0..100).map(|i| i * 20).collect()),
        selection: Selection {
            ids: (0..100).map(|i| ids[i % ids.len()].clone()).collect(),
            ..Selection::default()
        },
        time_scale: 1.0,
        rules: Rules {
            pause_allowed: true,
            hints_shown: false,
            real_time_limit_minutes: None,
        },
    }
}

fn bench(c: &mut Criterion) {
    let pack = Arc::new(Pack::builtin().expect("built-in pack"));
    let shift = hundred_ticket_shift(&pack);
    let script = agents::play(Arc::clone(&pack), &shift, 7, Persona::Ideal).expect("plays");
    let mut session = Session::with_shift(Arc::clone(&pack), shift, 7).expect("starts");
    record::play_script(&mut session, &script, 0, None, None).expect("runs");
    session.finish();
    let text = SessionResult::of(&session, LogHeader::for_session(&session, None, None)).to_ron();
    let tickets = session.tickets.len() as u64;
    eprintln!(
        "100-ticket result: {} actions, {} bytes",
        session.log.len(),
        text.len()
    );

    let mut group = c.benchmark_group("replay-100-tickets");
    group.throughput(Throughput::Elements(tickets));
    group.sample_size(20);
    group.bench_function("bare deserialisation", |b| {
        b.iter(|| std::hint::black_box(ron::from_str::<SessionResult>(&text).unwrap()));
    });
    group.bench_function("replay-verify (parse + re-simulate + compare)", |b| {
        b.iter(|| {
            let parsed: SessionResult = ron::from_str(&text).unwrap();
            let replayed = record::replay_entries(Arc::clone(&pack), &parsed.header, &parsed.log)
                .unwrap()
                .unwrap();
            assert!(SessionResult::of(&replayed, parsed.header.clone()) == parsed);
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
