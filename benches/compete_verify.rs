//! Verify a 100-ticket competition result (parse, header checks, re-simulate every
//! action, compare the outcomes, grade again, composite) against bare deserialisation of
//! the same file (the baseline, measured in the same run); and a room of 200 results.
//!
//! Run: `cargo bench --bench compete_verify`. Target: a 100-ticket result in
//! milliseconds, so 200 results verify in seconds.

use std::collections::BTreeMap;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dojo_core::agents::{self, Persona};
use dojo_core::compete::verify::{self, ResultFile};
use dojo_core::compete::{self, Competition};
use dojo_core::pack::Pack;
use dojo_core::sim::record::{self, SessionResult};
use dojo_core::validate::Source;

mod common;

fn bench(c: &mut Criterion) {
    let mut pack = Pack::builtin().expect("built-in pack");
    let shift = common::hundred_ticket_shift(&pack);
    pack.shifts.insert(shift.id.clone(), shift.clone());
    let pack = Arc::new(pack);
    let made = Competition::new("bench cup", &shift, 7, &pack, BTreeMap::new());
    let competition = Competition::parse(
        &Source {
            name: "competition.ron".into(),
            bytes: made.to_ron().into_bytes(),
        },
        Some(&pack),
    )
    .expect("the competition reads back");

    // The ideal agent plays it under the competition's rules.
    let played = competition.effective_shift(&pack).expect("shift");
    let script =
        agents::play(Arc::clone(&pack), &played, competition.seed, Persona::Ideal).expect("plays");
    let participant = competition
        .participant("Bench Player", None)
        .expect("enters");
    let mut session = competition
        .start_session(Arc::clone(&pack), &participant)
        .expect("starts");
    let header = competition.header(&session, &participant);
    record::play_script(&mut session, &script, 0, None, None).expect("runs");
    let result = compete::finish_result(&mut session, header);
    let text = result.to_ron();
    let file = ResultFile {
        name: "bench.ron".into(),
        bytes: text.clone().into_bytes(),
    };
    eprintln!(
        "100-ticket competition result: {} actions, {} bytes",
        result.log.len(),
        text.len()
    );

    // A room of 200 participants: each plays their own personal variant, with a few
    // client updates of their own (identical logs under different names are copies).
    let room: Vec<ResultFile> = (0..200)
        .map(|i| {
            let name = format!("Participant {i:03}");
            let participant = competition.participant(&name, None).expect("enters");
            let mut actions = script.actions.clone();
            for k in 0..30 {
                actions.insert(
                    1 + k * 2,
                    dojo_core::sim::action::ScriptEntry {
                        at: None,
                        action: dojo_core::sim::action::Action::UpdateClient {
                            ticket: 1,
                            message: format!("{name}, update {k}"),
                        },
                    },
                );
            }
            let own = dojo_core::sim::action::Script {
                actions,
                ..script.clone()
            };
            let mut s = competition
                .start_session(Arc::clone(&pack), &participant)
                .expect("starts");
            let header = competition.header(&s, &participant);
            record::play_script(&mut s, &own, 0, None, None).expect("runs");
            ResultFile {
                name: format!("p{i:03}.ron"),
                bytes: compete::finish_result(&mut s, header).to_ron().into_bytes(),
            }
        })
        .collect();

    let mut group = c.benchmark_group("compete-verify-100-tickets");
    group.throughput(Throughput::Elements(session.tickets.len() as u64));
    group.sample_size(40);
    group.measurement_time(std::time::Duration::from_secs(8));
    group.bench_function("bare deserialisation", |b| {
        b.iter(|| std::hint::black_box(ron::from_str::<SessionResult>(&text).unwrap()));
    });
    group.bench_function("verify one result (checks + re-simulate + regrade)", |b| {
        b.iter(|| {
            let v = verify::verify_one(&competition, &pack, &file).unwrap();
            assert!(v.accepted().is_some());
        });
    });
    group.finish();

    let mut group = c.benchmark_group("compete-verify-room");
    group.sample_size(10);
    group.measurement_time(std::time::Duration::from_secs(30));
    group.bench_function("verify 200 results of 100 tickets", |b| {
        b.iter(|| {
            let v = verify::verify(&competition, &pack, &room).unwrap();
            assert!(v.iter().all(|v| v.accepted().is_some()));
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
