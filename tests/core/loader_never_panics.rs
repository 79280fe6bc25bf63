//! Property tests: whatever the bytes, reading and validating a pack file returns
//! diagnostics and never panics.

use dojo_core::validate::{Context, Source, validate};
use proptest::prelude::*;

const VALID: &str = include_str!("../../scenarios/builtin/scenarios/vpn-809-home-router.ron");

fn context() -> Context {
    Context {
        policy: Some(crate::common::policy()),
        ..Context::default()
    }
}

fn check(bytes: Vec<u8>) {
    let report = validate(
        &[Source {
            name: "fuzz.ron".into(),
            bytes,
        }],
        &context(),
    );
    for d in &report.diagnostics {
        // Every diagnostic renders and names the file.
        assert!(d.to_string().starts_with("fuzz.ron"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check(bytes);
    }

    #[test]
    fn arbitrary_text_after_a_kind_name(kind in prop::sample::select(vec!["Scenario", "KbArticle", "Policy", "Shift"]), body in ".{0,400}") {
        check(format!("{kind}({body}").into_bytes());
    }

    #[test]
    fn a_valid_scenario_with_bytes_changed(edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut bytes = VALID.as_bytes().to_vec();
        for (index, byte) in edits {
            let i = index.index(bytes.len());
            bytes[i] = byte;
        }
        check(bytes);
    }

    #[test]
    fn a_valid_scenario_truncated(cut in 0usize..VALID.len()) {
        check(VALID.as_bytes()[..cut].to_vec());
    }

    #[test]
    fn deeply_nested_input(depth in 1usize..5000) {
        check(format!("Scenario({}", "[".repeat(depth)).into_bytes());
    }
}

#[test]
fn the_unmodified_file_is_clean() {
    let report = validate(
        &[Source {
            name: "vpn.ron".into(),
            bytes: VALID.as_bytes().to_vec(),
        }],
        &Context {
            kb_ids: ["kb-vpn-809".to_string()].into(),
            ..context()
        },
    );
    assert!(report.is_clean(), "{:#?}", report.diagnostics);
}
