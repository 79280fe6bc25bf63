//! Variety without losing fairness (#19): a shift drawing from pools gives each seed its
//! own tickets, each of its pool's kind and none twice; a person's pace passes the module
//! whichever tickets the seed draws; a pool that matches nothing is a located validation
//! error and a queue error, never a panic.

use std::collections::BTreeSet;
use std::sync::Arc;

use dojo_core::agents::{self, Persona};
use dojo_core::grading;
use dojo_core::pack::Pack;
use dojo_core::shift::Pool;
use dojo_core::sim::queue::{self, QueueError};
use dojo_core::sim::record;
use dojo_core::sim::session::Session;

const MODULE: &str = "onboarding-6-mixed";
/// The onboarding modules that draw from pools (1, 2 and 4 keep their teaching tickets).
const POOLED: [&str; 3] = ["onboarding-3-impact", "onboarding-5-security", MODULE];
const SEEDS: [u64; 6] = [1, 2, 3, 7, 11, 42];

#[test]
fn each_seed_draws_its_own_tickets_one_per_pool_of_its_kind() {
    let pack = Pack::builtin().unwrap();
    for module in POOLED {
        draws_per_pool(&pack, module);
    }
}

fn draws_per_pool(pack: &Pack, module: &str) {
    let shift = &pack.shifts[module];
    assert!(
        !shift.selection.pools.is_empty(),
        "module 6 draws from pools"
    );
    let mut queues = BTreeSet::new();
    for seed in SEEDS {
        let q = queue::build_queue(shift, pack, seed).unwrap();
        assert_eq!(q.len(), shift.selection.pools.len());
        let ids: Vec<&str> = q.iter().map(|t| t.scenario_id.as_str()).collect();
        let distinct: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(
            distinct.len(),
            ids.len(),
            "seed {seed} drew a ticket twice: {ids:?}"
        );
        for (t, pool) in q.iter().zip(&shift.selection.pools) {
            assert!(
                pool.matches(&pack.scenarios[&t.scenario_id]),
                "seed {seed}: {} is not of its pool {pool:?}",
                t.scenario_id
            );
        }
        assert_eq!(
            q,
            queue::build_queue(shift, pack, seed).unwrap(),
            "deterministic"
        );
        queues.insert(ids.join(","));
    }
    assert!(
        queues.len() >= SEEDS.len() - 1,
        "{module}: repeating it should mostly meet other tickets: {} distinct queues of {}",
        queues.len(),
        SEEDS.len()
    );
}

#[test]
fn a_person_passes_the_pooled_module_whatever_the_seed_draws() {
    let pack = Arc::new(Pack::builtin().unwrap());
    for module in POOLED {
        let pass = pack.curricula["onboarding"]
            .modules
            .iter()
            .find(|m| m.shift == module)
            .unwrap()
            .pass_mark;
        for seed in SEEDS {
            for persona in [Persona::Ideal, Persona::HumanPace] {
                let script =
                    agents::play(Arc::clone(&pack), &pack.shifts[MODULE], seed, persona).unwrap();
                let mut s = Session::new(Arc::clone(&pack), MODULE, seed).unwrap();
                record::play_script(&mut s, &script, 0, None, None).unwrap();
                s.finish();
                let g = grading::grade(&s, None, None);
                assert!(
                    g.score >= pass && !g.critical,
                    "{module}: {persona:?} at seed {seed}: {} (pass {pass})",
                    g.score
                );
            }
        }
    }
}

#[test]
fn a_pool_matching_nothing_is_a_located_error_and_a_queue_error() {
    let pack = Pack::builtin().unwrap();
    let mut shift = pack.shifts[MODULE].clone();
    shift.selection.pools.push(Pool {
        tags: vec!["no-such-tag".into()],
        ticket_types: Vec::new(),
        min_difficulty: 1,
        max_difficulty: 5,
        owner: None,
    });
    let err = queue::build_queue(&shift, &pack, 7).unwrap_err();
    assert!(
        matches!(
            err,
            QueueError::EmptyPool {
                pool: 7,
                matching: 0,
                ..
            }
        ),
        "{err}"
    );

    // As a training manager validates a shift file of their own against the pack.
    let text = "Shift(id: \"my-mixed\", title: \"Mine\", description: \"\", mode: Practice, length_minutes: 100,\n    arrivals: Fixed([0, 30]),\n    selection: (pools: [\n        (tags: [\"no-such-tag\"]),\n        (ticket_types: [\"printer\"]),\n    ]),\n    time_scale: 0.5, rules: (pause_allowed: true, hints_shown: false),\n)\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my-mixed.ron");
    std::fs::write(&path, text).unwrap();
    let report = dojo_core::pack::validate_paths(&[path], &Default::default());
    let diags = report.diagnostics;
    let d = diags
        .iter()
        .find(|d| d.code == "empty-pool")
        .unwrap_or_else(|| panic!("no empty-pool error in {diags:?}"));
    assert!(d.line.is_some(), "located: {d:?}");
    assert_eq!(d.field.as_deref(), Some("selection.pools[0]"));
}
