//! The onboarding curriculum: the shipped path and its shifts, the unlock rule, and the
//! validator's checks of a curriculum file.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use dojo_core::agents::{self, Persona};
use dojo_core::curriculum::{self, Attempt, ModuleState};
use dojo_core::grading;
use dojo_core::pack::{self, Pack, PackOptions};
use dojo_core::shift::Mode;
use dojo_core::sim::record;
use dojo_core::sim::session::Session;

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, 9, 0, 0).unwrap()
}

fn attempt(session: i64, shift: &str, score: u32, critical: bool, at: u32) -> Attempt {
    Attempt {
        session,
        shift: shift.into(),
        score,
        critical,
        played_at: day(at),
    }
}

#[test]
fn the_shipped_path_has_six_modules_each_an_onboarding_shift_with_a_pass_mark() {
    let pack = Pack::builtin().unwrap();
    let c = &pack.curricula["onboarding"];
    let ids: Vec<&str> = c.modules.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "l1-scope",
            "windows",
            "business-impact",
            "escalation-note",
            "security",
            "mixed-shift"
        ]
    );
    for m in &c.modules {
        let shift = &pack.shifts[&m.shift];
        assert_eq!(shift.mode, Mode::Onboarding, "{}", m.shift);
        assert!((50..=100).contains(&m.pass_mark));
        assert!(!m.summary.is_empty());
    }
}

#[test]
fn a_module_unlocks_when_the_one_before_is_passed() {
    let pack = Pack::builtin().unwrap();
    let c = &pack.curricula["onboarding"];
    let states = |attempts: &[Attempt]| -> Vec<ModuleState> {
        curriculum::progress(c, attempts)
            .iter()
            .map(|m| m.state)
            .collect()
    };
    use ModuleState::*;
    assert_eq!(
        states(&[]),
        [Unlocked, Locked, Locked, Locked, Locked, Locked]
    );
    let m1 = "onboarding-1-l1-scope";
    // Below the pass mark: still unlocked, nothing more.
    assert_eq!(
        states(&[attempt(1, m1, 79, false, 1)])[..2],
        [Unlocked, Locked]
    );
    // A security auto-fail never passes, whatever the mean.
    assert_eq!(
        states(&[attempt(1, m1, 95, true, 1)])[..2],
        [Unlocked, Locked]
    );
    // Passed: module 2 opens.
    let passed = [attempt(1, m1, 75, false, 1), attempt(2, m1, 85, false, 2)];
    assert_eq!(states(&passed)[..3], [Passed, Unlocked, Locked]);
    let p = curriculum::progress(c, &passed);
    assert_eq!(
        (p[0].attempts, p[0].best_score, p[0].passed_by),
        (2, Some(85), Some(2))
    );
    assert_eq!(p[0].passed_at, Some(day(2)));
    assert_eq!(curriculum::next_module(&p).unwrap().position, 2);
    // Order of the attempts does not matter; the first pass is the one recorded.
    let mut shuffled = vec![attempt(5, m1, 90, false, 5), attempt(2, m1, 85, false, 2)];
    shuffled.reverse();
    assert_eq!(curriculum::progress(c, &shuffled)[0].passed_by, Some(2));
    // Every module passed: the path is complete.
    let all: Vec<Attempt> = c
        .modules
        .iter()
        .enumerate()
        .map(|(i, m)| attempt(i as i64 + 1, &m.shift, 100, false, i as u32 + 1))
        .collect();
    assert!(curriculum::next_module(&curriculum::progress(c, &all)).is_none());
}

#[test]
fn the_ideal_agent_passes_every_module_and_the_over_escalator_fails_the_first() {
    let pack = Arc::new(Pack::builtin().unwrap());
    let c = pack.curricula["onboarding"].clone();
    let score = |shift: &str, persona| {
        let script = agents::play(Arc::clone(&pack), &pack.shifts[shift], 7, persona).unwrap();
        let mut s = Session::new(Arc::clone(&pack), shift, 7).unwrap();
        record::play_script(&mut s, &script, 0, None, None).unwrap();
        s.finish();
        let g = grading::grade(&s, None, None);
        (g.score, g.critical)
    };
    for m in &c.modules {
        let (s, critical) = score(&m.shift, Persona::Ideal);
        assert!(s >= m.pass_mark && !critical, "{}: {s}", m.shift);
    }
    let first = &c.modules[0];
    let (s, _) = score(&first.shift, Persona::OverEscalator);
    assert!(
        s < first.pass_mark,
        "the over-escalator scores {s} on module 1"
    );
}

#[test]
fn a_curriculum_file_is_validated_with_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("path.ron");
    std::fs::write(
        &file,
        r#"Curriculum(
    id: "ours",
    title: "Our path",
    modules: [
        (id: "a", title: "A", shift: "onboarding-1-l1-scope", pass_mark: 80),
        (id: "a", title: "B", shift: "onboarding-2-windos", pass_mark: 120),
    ],
)"#,
    )
    .unwrap();
    let report = pack::validate_paths(std::slice::from_ref(&file), &PackOptions::default());
    let text: Vec<String> = report.diagnostics.iter().map(|d| d.to_string()).collect();
    let all = text.join("\n");
    assert_eq!(report.curricula, 1);
    assert!(all.contains("duplicate-id"), "{all}");
    assert!(
        all.contains("path.ron:6:") && all.contains("did you mean `onboarding-2-windows`"),
        "{all}"
    );
    assert!(all.contains("pass mark 120 is above 100"), "{all}");
    // The shipped one is clean and counted.
    let builtin = pack::validate_paths(&[], &PackOptions::default());
    assert!(builtin.is_clean(), "{:?}", builtin.diagnostics);
    assert_eq!(builtin.curricula, 1);
}
