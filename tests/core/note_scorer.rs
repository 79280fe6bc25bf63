//! The escalation-note scorer against the five-element standard.

use dojo_core::engine::Facts;
use dojo_core::note::{
    self, EscalationNote, NoteContext, NoteElement, minutes_mentioned, score_note,
};
use dojo_core::pack::Pack;
use dojo_core::scenario::Scenario;
use proptest::prelude::*;

static PACK: std::sync::LazyLock<Pack> = std::sync::LazyLock::new(|| Pack::builtin().unwrap());

fn vpn() -> Scenario {
    PACK.scenarios["vpn-809-home-router"].clone()
}

fn ctx<'a>(s: &'a Scenario, steps: &'a [String], facts: &'a Facts, sla: i64) -> NoteContext<'a> {
    NoteContext {
        scenario: s,
        steps_run: steps,
        fixes_applied: &[],
        events_fired: &[],
        facts,
        sla_remaining_minutes: sla,
        immediate: false,
        signatures: None,
    }
}

fn steps(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_string()).collect()
}

fn good_note() -> EscalationNote {
    EscalationNote {
        steps_taken: "- Asked for the exact error text: Error 809, the remote server is not responding.\n- Confirmed the home internet works: browsing and Teams fine, only VPN fails.\n- Asked what changed at home: the ISP swapped the router on Saturday.".into(),
        current_state: "Error 809 on the IKEv2 profile. Recent change: new ISP router on Saturday. Internet works, VPN does not.".into(),
        client_context: "1 user, account executive in Client services; waiting, mildly frustrated.".into(),
        hypothesis: "The new home router blocks IPsec passthrough (UDP 500/4500).".into(),
        sla_status: "42 min left on the SLA; client told to expect a call from L2.".into(),
    }
}

#[test]
fn a_complete_specific_note_scores_high_on_every_element() {
    let s = vpn();
    let run = steps(&["ask-error", "check-internet", "ask-recent-change"]);
    let facts = Facts::at_arrival(&s);
    let score = score_note(
        &good_note(),
        &ctx(&s, &run, &facts, 42),
        &crate::common::policy(),
    );
    for e in &score.elements {
        assert!(
            e.score >= 90,
            "{:?}: {} {:?}",
            e.element,
            e.score,
            e.problems
        );
    }
    assert!(score.vague_phrases.is_empty());
    assert!(score.fabricated_steps.is_empty());
    assert!(score.l2_minutes_saved >= 13, "{}", score.l2_minutes_saved);
}

#[test]
fn the_exact_error_and_the_recent_change_must_be_there() {
    let s = vpn();
    let run = steps(&["ask-error", "ask-recent-change"]);
    let facts = Facts::at_arrival(&s);
    let mut n = good_note();
    n.current_state = "VPN fails to connect.".into();
    n.steps_taken = "- Asked the client about the problem.".into();
    // The note is read whole: a router named in the hypothesis would count as the change.
    n.hypothesis = "Something on the laptop.".into();
    let score = score_note(&n, &ctx(&s, &run, &facts, 42), &crate::common::policy());
    let state = score.element(NoteElement::CurrentState);
    assert!(state.score < 60, "{state:?}");
    assert!(
        state
            .problems
            .iter()
            .any(|p| p.contains("exact error text is not quoted"))
    );
    assert!(
        state
            .problems
            .iter()
            .any(|p| p.contains("recent change is not mentioned"))
    );
    assert!(state.suggestion.contains("Error 809"));
}

#[test]
fn a_step_claimed_but_never_run_is_fabrication_and_worse_than_leaving_it_out() {
    let s = vpn();
    let run = steps(&["ask-error"]);
    let facts = Facts::at_arrival(&s);
    let policy = crate::common::policy();
    let honest = EscalationNote {
        steps_taken: "- Asked for the exact error text: Error 809.".into(),
        ..good_note()
    };
    let fabricated = EscalationNote {
        steps_taken: "- Asked for the exact error text: Error 809.\n- Had the client try a phone hotspot: the VPN connects on the hotspot.".into(),
        ..good_note()
    };
    let h = score_note(&honest, &ctx(&s, &run, &facts, 42), &policy);
    let f = score_note(&fabricated, &ctx(&s, &run, &facts, 42), &policy);
    assert_eq!(
        f.fabricated_steps,
        vec!["Have the client try a phone hotspot".to_string()]
    );
    assert!(f.total < h.total, "{} vs {}", f.total, h.total);
    assert!(f.l2_minutes_saved < h.l2_minutes_saved);
    assert!(
        f.element(NoteElement::StepsTaken)
            .problems
            .iter()
            .any(|p| p.contains("never run"))
    );
}

#[test]
fn vague_phrases_are_flagged() {
    let s = vpn();
    let run = steps(&["ask-error"]);
    let facts = Facts::at_arrival(&s);
    let n = EscalationNote {
        steps_taken: "Tried basic troubleshooting".into(),
        current_state: "VPN doesn't work".into(),
        client_context: "user".into(),
        hypothesis: "no idea, please advise".into(),
        sla_status: "please advise".into(),
    };
    let score = score_note(&n, &ctx(&s, &run, &facts, 42), &crate::common::policy());
    for phrase in [
        "tried basic troubleshooting",
        "doesn't work",
        "please advise",
    ] {
        assert!(
            score.vague_phrases.iter().any(|v| v == phrase),
            "{phrase}: {:?}",
            score.vague_phrases
        );
    }
    assert!(score.total < 20, "{}", score.total);
}

#[test]
fn sla_time_must_be_within_three_minutes() {
    let s = vpn();
    let run = steps(&["ask-error"]);
    let facts = Facts::at_arrival(&s);
    let policy = crate::common::policy();
    let sla = |text: &str| {
        let n = EscalationNote {
            sla_status: text.into(),
            ..good_note()
        };
        score_note(&n, &ctx(&s, &run, &facts, 42), &policy)
            .element(NoteElement::SlaStatus)
            .score
    };
    assert_eq!(sla("45 min left, client told to expect L2"), 100);
    assert_eq!(sla("39 minutes remaining; client informed"), 100);
    assert_eq!(sla("0:42 left; client expects a call"), 100);
    assert!(sla("46 min left; client informed") < 100);
    assert!(sla("plenty of time; client informed") < 100);
    assert_eq!(
        minutes_mentioned("1h 10m left, or 2 hours, or 5min"),
        vec![70, 120, 5]
    );
}

#[test]
fn hypothesis_gets_credit_for_naming_the_cause_area() {
    let s = vpn();
    let run = steps(&["ask-error"]);
    let facts = Facts::at_arrival(&s);
    let policy = crate::common::policy();
    let h = |text: &str| {
        let n = EscalationNote {
            hypothesis: text.into(),
            ..good_note()
        };
        score_note(&n, &ctx(&s, &run, &facts, 42), &policy)
            .element(NoteElement::Hypothesis)
            .score
    };
    // Only `ask-error` was run: the router is the right area, but no finding in the log
    // backs it yet (a hypothesis is grounded in something revealed).
    assert_eq!(h("Probably the new home router blocking IPsec"), 75);
    assert_eq!(h("Maybe a DNS problem on the laptop"), 50);
    assert_eq!(h(""), 0);
    // A denied cause is not a hypothesis of it.
    assert_eq!(h("Not the home router - it is a DNS fault"), 10);
    // Bare keywords earn nothing.
    assert_eq!(h("router ipsec passthrough nat"), 0);
}

#[test]
fn a_negation_that_states_the_cause_is_not_a_denial_of_it() {
    // Found by the person test: a trainee's honest "Audacity is not on the approved list,
    // so it needs an admin install" was scored as arguing the cause away. A denial covers
    // its own phrase (up to ", so", ";", " - " …); the cause's own negated wording
    // ("not approved") asserts it.
    let s = PACK.scenarios["software-install-needs-elevation"].clone();
    let run = steps(&["check-portal", "ask-error"]);
    let facts = Facts::at_arrival(&s);
    let policy = crate::common::policy();
    let h = |text: &str| {
        let n = EscalationNote {
            hypothesis: text.into(),
            ..good_note()
        };
        let score = score_note(&n, &ctx(&s, &run, &facts, 2870), &policy);
        let e = score.element(NoteElement::Hypothesis);
        (e.score, e.problems.join(" "))
    };
    for honest in [
        "Audacity is not on the Trust's approved list, so it needs the Trust's approval and an admin install; L1 has neither.",
        "I think it is not approved software: it is not in Company Portal.",
        "It isn't a fault on the laptop; the installer wants admin rights because Audacity is non-standard.",
    ] {
        let (score, problems) = h(honest);
        assert!(score >= 75, "{honest:?}: {score} {problems}");
        assert!(
            !problems.contains("argues the likely cause away"),
            "{honest:?}: {problems}"
        );
    }
    // Denying the cause is still a denial, whatever follows it.
    let (score, problems) = h("Not an admin rights problem - probably a corrupt download.");
    assert!(score <= 10, "{score} {problems}");
    assert!(
        problems.contains("argues the likely cause away"),
        "{problems}"
    );
}

#[test]
fn empty_huge_emoji_and_non_english_notes_are_graded_without_panics() {
    let s = vpn();
    let run = steps(&["ask-error", "check-internet"]);
    let facts = Facts::at_arrival(&s);
    let policy = crate::common::policy();
    let c = ctx(&s, &run, &facts, 42);
    let empty = score_note(&EscalationNote::default(), &c, &policy);
    assert_eq!(empty.total, 0);
    assert!(
        empty
            .elements
            .iter()
            .all(|e| !e.present && !e.problems.is_empty())
    );
    let huge = "Fehler 809 🔥 ".repeat(100 * 1024 / 14);
    let big = EscalationNote {
        steps_taken: huge.clone(),
        current_state: huge.clone(),
        client_context: huge.clone(),
        hypothesis: huge.clone(),
        sla_status: huge,
    };
    assert!(big.steps_taken.len() >= 100 * 1000);
    let _ = score_note(&big, &c, &policy);
    let german = EscalationNote {
        steps_taken: "Fehlermeldung erfragt: Error 809 – der Remoteserver antwortet nicht. 🙂"
            .into(),
        current_state: "VPN-Fehler 809; Internet funktioniert.".into(),
        client_context: "1 Benutzerin, Kundendienst, ungeduldig 😤".into(),
        hypothesis: "Neuer Router blockiert IPsec".into(),
        sla_status: "42 min verbleibend".into(),
    };
    let g = score_note(&german, &c, &policy);
    assert!(
        g.element(NoteElement::CurrentState).score > 0,
        "the error code is recognised in any language"
    );
    let chinese = EscalationNote {
        steps_taken: "询问了错误信息".into(),
        current_state: "错误 809".into(),
        client_context: "一位用户".into(),
        hypothesis: "路由器".into(),
        sla_status: "还剩 42 分钟".into(),
    };
    let _ = score_note(&chinese, &c, &policy);
}

#[test]
fn the_model_note_meets_the_standard() {
    let pack = Pack::builtin().unwrap();
    let policy = &pack.policy;
    for s in pack.scenarios.values() {
        let run: Vec<String> = s.steps.iter().map(|x| x.id.clone()).collect();
        let facts = dojo_core::engine::final_knowledge(s).facts;
        let c = ctx(s, &run, &facts, 120);
        let model = note::model_note(&c, policy);
        let score = score_note(&model, &c, policy);
        assert!(
            score.total >= 95,
            "{}: {} {:#?}",
            s.id,
            score.total,
            score.elements
        );
        assert!(score.fabricated_steps.is_empty(), "{}", s.id);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]
    #[test]
    fn any_text_is_graded_without_panics(a in ".{0,300}", b in ".{0,300}", c in "\\PC{0,200}") {
        let s = vpn();
        let run = steps(&["ask-error", "ask-recent-change"]);
        let facts = Facts::at_arrival(&s);
        let n = EscalationNote { steps_taken: a.clone(), current_state: b.clone(), client_context: c.clone(), hypothesis: a, sla_status: b };
        let score = score_note(&n, &ctx(&s, &run, &facts, -5), &PACK.policy);
        prop_assert!(score.total <= 100);
        // The lean total the simulated L2 uses is the same as the full judgement's.
        let (total, fabricated) = note::note_total(&n, &ctx(&s, &run, &facts, -5), &PACK.policy);
        prop_assert_eq!(total, score.total);
        prop_assert_eq!(fabricated, score.fabricated_steps.len());
        prop_assert_eq!(score.elements.len(), 5);
    }
}

/// The pack's signature cache is only a cache: with or without it, every built-in
/// scenario (filled in with several seeds) scores the model note, a note quoting every
/// finding in the wrong fields and a note claiming steps never run exactly alike.
#[test]
fn the_pack_signature_cache_never_changes_a_score() {
    let policy = crate::common::policy();
    assert!(
        PACK.note_signatures.len() > 100,
        "{}",
        PACK.note_signatures.len()
    );
    for template in PACK.scenarios.values() {
        for seed in [1, 7, 42] {
            let s = dojo_core::template::instantiate(template, seed);
            let all: Vec<String> = s.steps.iter().map(|st| st.id.clone()).collect();
            let half: Vec<String> = all.iter().step_by(2).cloned().collect();
            let facts = Facts::at_arrival(&s);
            for run in [&all, &half] {
                let plain = ctx(&s, run, &facts, 30);
                let cached = NoteContext {
                    signatures: Some(&PACK.note_signatures),
                    ..plain
                };
                let model = note::model_note(&plain, &policy);
                let every_finding: String = s
                    .steps
                    .iter()
                    .map(|st| format!("{}: {}\n", st.label, st.reveals))
                    .collect();
                let shuffled = EscalationNote {
                    steps_taken: every_finding.clone(),
                    current_state: s.root_cause.area.clone(),
                    client_context: format!("{} {}", s.requester.role, s.impact.business_function),
                    hypothesis: every_finding,
                    sla_status: String::new(),
                };
                for n in [&model, &shuffled, &good_note()] {
                    assert_eq!(
                        score_note(n, &plain, &policy),
                        score_note(n, &cached, &policy),
                        "{} seed {seed}",
                        s.id
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
    /// A note's words are read once per field (`Lexicon::words`) and each clause takes its
    /// bag and signature from them; wherever that is allowed (`Words::within`), the result
    /// is exactly what reading the clause on its own gives — dots between digits, colons,
    /// non-ASCII letters and clause cuts inside numbers included.
    #[test]
    fn a_clause_read_from_its_fields_words_is_the_clause_read_alone(
        text in "([a-zA-Z]{1,9}|[0-9]{1,4}|[.:;!?,\\- \n]|\\.[0-9]|[éßİ]|but ){0,60}"
    ) {
        use dojo_core::note::text::{self, Lexicon};
        let lex = Lexicon::new(&PACK.policy.note.vocabulary);
        let lower = text.to_lowercase();
        let words = lex.words(&lower);
        prop_assert_eq!(&words.bag().0, &lex.bag(&lower).0);
        for (s, e) in text::clauses(&lower) {
            if let Some(inside) = words.within(s, e) {
                let (bag, sig) = words.bag_and_signature(inside, &lex);
                let (bag2, sig2) = lex.bag_and_signature(&lower[s..e]);
                prop_assert_eq!(bag.0, bag2.0, "clause {:?}", &lower[s..e]);
                prop_assert_eq!(sig, sig2, "clause {:?}", &lower[s..e]);
                let alone: Vec<&str> = text::raw_words(&lower[s..e]).map(|(_, w)| w).collect();
                let from_field: Vec<&str> = inside.iter().map(|w| &lower[w.start..w.end]).collect();
                prop_assert_eq!(alone, from_field);
            }
        }
    }
}
