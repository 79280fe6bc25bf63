//! bevy_egui 0.42 queues a redundant `ModifiersChanged` event every frame, which makes
//! egui ask for a repaint forever and keeps an idle window redrawing;
//! [`drop_redundant_modifiers_event`] removes it before egui's pass begins.

use bevy::prelude::*;
use bevy_egui::{EguiContext, EguiInput, EguiInputSet, EguiPreUpdateSet, egui};

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        PreUpdate,
        drop_redundant_modifiers_event
            .after(EguiInputSet::WriteEguiEvents)
            .before(EguiPreUpdateSet::BeginPass),
    );
}

/// Drops the `ModifiersChanged` event bevy_egui sends every frame when the modifiers
/// did not change (it would keep egui repainting forever).
fn drop_redundant_modifiers_event(mut contexts: Query<(&mut EguiContext, &mut EguiInput)>) {
    for (mut ctx, mut input) in &mut contexts {
        let current = ctx.get_mut().input(|i| i.modifiers);
        input
            .0
            .events
            .retain(|e| !matches!(e, egui::Event::ModifiersChanged(m) if *m == current));
    }
}
