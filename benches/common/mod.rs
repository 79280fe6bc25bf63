//! Fixtures shared by the benchmarks.
#![allow(dead_code)]

/// The product's allocator (the `dojo` binary's, `src/main.rs`), so every figure is
/// the product's: see `docs/performance.md`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;

use dojo_core::agents::{self, Persona};
use dojo_core::pack::Pack;
use dojo_core::shift::{Arrivals, Mode, Rules, Selection, Shift};
use dojo_core::sim::record;
use dojo_core::sim::session::Session;

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
            time_extensions: None,
        },
        variant: None,
    }
}

/// A finished session of the shift played by the persona (seed 7).
pub fn played(pack: &Arc<Pack>, shift: Shift, persona: Persona) -> Session {
    let script = agents::play(Arc::clone(pack), &shift, 7, persona).expect("plays");
    let mut session = Session::with_shift(Arc::clone(pack), shift, 7).expect("starts");
    record::play_script(&mut session, &script, 0, None, None).expect("runs");
    session.finish();
    session
}
