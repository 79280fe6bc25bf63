//! Where the named controls are on screen, for a test that drives the window with a real
//! mouse and keyboard (`.ci/gui_person.py`): with `DOJO_UI_MAP=FILE` set, every drawn
//! frame whose map changed writes `FILE` (atomically) as lines of
//! `name<TAB>x<TAB>y<TAB>width<TAB>height<TAB>text`, in the window's physical pixels
//! (`text`: what the control shows, where that is drawn rather than a widget's label). The web's
//! `data-testid`, for an immediate-mode UI: the test finds a control by its name, then
//! clicks it as a person would. Without the variable nothing is kept or written.

use std::path::PathBuf;
use std::sync::OnceLock;

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::gui::state::UiSet;

fn target() -> Option<&'static PathBuf> {
    static TARGET: OnceLock<Option<PathBuf>> = OnceLock::new();
    TARGET
        .get_or_init(|| std::env::var_os("DOJO_UI_MAP").map(PathBuf::from))
        .as_ref()
}

fn key() -> egui::Id {
    egui::Id::new("dojo-ui-map")
}

/// Names `response`'s rectangle `name` for this frame (nothing without `DOJO_UI_MAP`).
pub fn mark(ui: &egui::Ui, name: impl Into<String>, response: &egui::Response) {
    mark_text(ui, name, "", response);
}

/// [`mark`], with the text the control shows.
pub fn mark_text(ui: &egui::Ui, name: impl Into<String>, text: &str, response: &egui::Response) {
    put(ui, name.into(), response.rect, text);
}

/// Names an area (a panel's visible part).
pub fn mark_rect(ui: &egui::Ui, name: impl Into<String>, rect: egui::Rect) {
    put(ui, name.into(), rect, "");
}

fn put(ui: &egui::Ui, name: String, rect: egui::Rect, text: &str) {
    if target().is_none() {
        return;
    }
    let entry = (name, rect, text.replace(['\t', '\n'], " "));
    ui.ctx().data_mut(|d| {
        d.get_temp_mut_or_default::<Vec<Marks>>(key()).push(entry);
    });
}

type Marks = (String, egui::Rect, String);

pub(crate) fn plugin(app: &mut App) {
    app.add_systems(
        EguiPrimaryContextPass,
        write.after(UiSet::Overlay).run_if(|| target().is_some()),
    );
}

fn write(mut contexts: EguiContexts, mut last: Local<String>) {
    let (Some(path), Ok(ctx)) = (target(), contexts.ctx_mut()) else {
        return;
    };
    let marks: Vec<Marks> = ctx.data_mut(|d| d.remove_temp(key())).unwrap_or_default();
    let ppp = ctx.pixels_per_point();
    let mut text = String::new();
    for (name, r, shown) in marks {
        text.push_str(&format!(
            "{name}\t{:.0}\t{:.0}\t{:.0}\t{:.0}\t{shown}\n",
            r.min.x * ppp,
            r.min.y * ppp,
            r.width() * ppp,
            r.height() * ppp
        ));
    }
    if text != *last {
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, &text).is_ok() && std::fs::rename(&tmp, path).is_ok() {
            *last = text;
        }
    }
}
