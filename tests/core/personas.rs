//! Reference trainees (`tests/personas/<shift>.<persona>.ron`) played on every shipped
//! shift and graded: each flaw is caught by its own flag and by no other's.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;

use dojo_core::agents::{self, Persona};
use dojo_core::grading::{self, Flag, SessionGrade};
use dojo_core::pack::Pack;
use dojo_core::scenario::Owner;
use dojo_core::sim::action::Script;
use dojo_core::sim::record;
use dojo_core::sim::session::Session;

const SHIFTS: [&str; 4] = [
    "onboarding-basics",
    "practice-mixed",
    "competition-mixed",
    "coaching-drill",
];

fn own_flags(p: Persona) -> BTreeSet<Flag> {
    match p {
        Persona::Ideal => BTreeSet::new(),
        Persona::OverEscalator => [Flag::OverEscalates].into(),
        Persona::UnderEscalator => [Flag::UnderEscalates, Flag::MissesSecurity].into(),
        Persona::Slow => [Flag::LateEscalations].into(),
        Persona::VagueNotes => [Flag::VagueNotes].into(),
        Persona::FabricatedNotes => [Flag::FabricatedSteps].into(),
        Persona::KbIgnorer => [Flag::IgnoresKb].into(),
        Persona::HumanPace => BTreeSet::new(),
        Persona::Dithering => [Flag::LateEscalations].into(),
    }
}

fn script_path(shift: &str, p: Persona) -> PathBuf {
    crate::common::root().join(format!("tests/personas/{shift}.{}.ron", p.slug()))
}

fn graded(pack: &Arc<Pack>, shift: &str, p: Persona) -> (Session, SessionGrade) {
    let script = Script::read(&script_path(shift, p)).unwrap();
    let mut s = Session::new(Arc::clone(pack), shift, 7).unwrap();
    record::play_script(&mut s, &script, 0, None, None).unwrap();
    s.finish();
    let g = grading::grade_with_ideal(&s, Some(p.slug().into()));
    (s, g)
}

#[test]
fn persona_scripts_are_what_the_personas_play() {
    let pack = Arc::new(Pack::builtin().unwrap());
    for shift in SHIFTS {
        for p in Persona::ALL {
            let played = agents::play(Arc::clone(&pack), &pack.shifts[shift], 7, p).unwrap();
            let shipped = std::fs::read_to_string(script_path(shift, p)).unwrap();
            assert_eq!(
                played.to_ron(),
                shipped,
                "regenerate: dojo script --shift {shift} --persona {} --seed 7 --out tests/personas/{shift}.{}.ron --force",
                p.slug(),
                p.slug()
            );
        }
    }
}

#[test]
fn each_flaw_gets_its_own_flag_and_no_other() {
    let pack = Arc::new(Pack::builtin().unwrap());
    for shift in SHIFTS {
        for p in Persona::ALL {
            let (_, g) = graded(&pack, shift, p);
            let flags: BTreeSet<Flag> = g.coaching.flags.iter().map(|f| f.flag).collect();
            let own = own_flags(p);
            assert!(
                flags.is_subset(&own),
                "{shift} {p:?}: flags {flags:?}, allowed {own:?}"
            );
            let primary = match p {
                Persona::Ideal => None,
                Persona::UnderEscalator => Some(Flag::UnderEscalates),
                _ => own.iter().next().copied(),
            };
            if let Some(flag) = primary {
                assert!(
                    flags.contains(&flag),
                    "{shift} {p:?}: missing {flag:?} in {flags:?}"
                );
                // Every flag carries evidence and something to drill or do.
                for f in &g.coaching.flags {
                    assert!(!f.evidence.is_empty() && !f.advice.is_empty(), "{f:?}");
                }
            }
        }
    }
}

#[test]
fn the_ideal_agent_scores_at_least_95_everywhere() {
    let pack = Arc::new(Pack::builtin().unwrap());
    for shift in SHIFTS {
        let (_, g) = graded(&pack, shift, Persona::Ideal);
        assert!(
            g.score >= 95,
            "{shift}: {}\n{}",
            g.score,
            grading::report::to_text(&g)
        );
        assert!(!g.critical);
    }
}

#[test]
fn ideal_notes_beat_vague_notes_which_beat_fabricated_ones() {
    let pack = Arc::new(Pack::builtin().unwrap());
    for shift in SHIFTS {
        let note = |p| graded(&pack, shift, p).1.mean_note_score().unwrap();
        let (ideal, vague, fabricated) = (
            note(Persona::Ideal),
            note(Persona::VagueNotes),
            note(Persona::FabricatedNotes),
        );
        assert!(
            ideal > vague && vague > fabricated,
            "{shift}: {ideal} / {vague} / {fabricated}"
        );
    }
}

#[test]
fn the_over_escalator_escalates_mostly_for_nothing() {
    let pack = Arc::new(Pack::builtin().unwrap());
    for shift in SHIFTS {
        let (_, g) = graded(&pack, shift, Persona::OverEscalator);
        let rate = g.numbers.unnecessary_rate().unwrap();
        assert!(rate > 0.5, "{shift}: unnecessary escalation rate {rate}");
        let metric = g
            .metrics
            .iter()
            .find(|m| m.key == "unnecessary_escalation")
            .unwrap();
        assert_eq!(metric.standing, grading::Standing::Misses);
    }
}

#[test]
fn the_under_escalator_is_flagged_critical_where_security_hides() {
    let pack = Arc::new(Pack::builtin().unwrap());
    for shift in SHIFTS {
        let (s, g) = graded(&pack, shift, Persona::UnderEscalator);
        let has_security = g
            .tickets
            .iter()
            .any(|t| t.right_call == Owner::EscalateSecurity);
        let shift_holds_security = s.tickets.iter().any(|t| {
            dojo_core::engine::final_verdict(&t.scenario, s.policy())
                .unwrap()
                .scope_owner
                == Owner::EscalateSecurity
        });
        assert_eq!(has_security, shift_holds_security);
        if shift_holds_security {
            assert!(g.critical, "{shift}");
            assert!(g.has_flag(Flag::MissesSecurity));
            let t = g.tickets.iter().find(|t| t.critical).unwrap();
            assert_eq!(t.score, 0);
            assert!(t.deductions[0].rule.starts_with("Auto-fail"));
        }
    }
    // Onboarding and competition both hide a security incident.
    assert!(
        graded(&pack, "onboarding-basics", Persona::UnderEscalator)
            .1
            .critical
    );
    assert!(
        graded(&pack, "competition-mixed", Persona::UnderEscalator)
            .1
            .critical
    );
}
