//! `dojo play --scenario FILE`: a training manager writes a scenario in their editor
//! and plays it beside it. The file is a Bevy asset with hot reload: each save is
//! validated exactly as `dojo validate` does (against the pack and the policy) and, if
//! clean, the one-ticket preview shift restarts on the new version. A broken save
//! shows its located errors in the window; the last good version keeps running.

use std::path::PathBuf;
use std::sync::Arc;

use bevy::asset::io::Reader;
use bevy::asset::{AssetLoadFailedEvent, AssetLoader, LoadContext};
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use super::state::StartShift;
use super::state::TrainerOptions;
use super::widgets::theme::{self, palette};
use dojo_core::pack::Pack;
use dojo_core::shift::{Arrivals, Mode, Rules, Selection, Shift};
use dojo_core::validate::{self, Item, Source};

/// The raw bytes of the scenario file (validated by our own loader, not Bevy's).
#[derive(Asset, TypePath, Debug)]
pub struct ScenarioSource {
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// Reads a scenario file's bytes.
#[derive(Default, TypePath)]
struct ScenarioSourceLoader;

impl AssetLoader for ScenarioSourceLoader {
    type Asset = ScenarioSource;
    type Settings = ();
    type Error = std::io::Error;

    async fn load(
        &self,
        reader: &mut dyn Reader,
        _settings: &(),
        _load_context: &mut LoadContext<'_>,
    ) -> Result<ScenarioSource, std::io::Error> {
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes).await?;
        Ok(ScenarioSource { bytes })
    }

    fn extensions(&self) -> &[&str] {
        &["ron"]
    }
}

/// The scenario being authored.
#[derive(Resource, Debug)]
struct Authoring {
    /// The file as given.
    path: PathBuf,
    /// Its asset handle (hot-reloaded).
    handle: Handle<ScenarioSource>,
    /// Versions loaded so far.
    loads: u32,
    /// The current version's problems, one line each (empty: it plays).
    errors: Vec<String>,
    /// The scenario id playing.
    playing: Option<String>,
}

pub(super) fn plugin(app: &mut App) {
    let Some(path) = app
        .world()
        .get_resource::<TrainerOptions>()
        .and_then(|o| o.scenario_file.clone())
    else {
        return;
    };
    app.init_asset::<ScenarioSource>()
        .register_asset_loader(ScenarioSourceLoader)
        .insert_resource(super::state::Preview)
        .add_systems(
            Startup,
            move |mut commands: Commands, assets: Res<AssetServer>| {
                let file_name = path
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default();
                commands.insert_resource(Authoring {
                    path: path.clone(),
                    handle: assets.load(file_name),
                    loads: 0,
                    errors: Vec::new(),
                    playing: None,
                });
            },
        )
        .add_systems(
            Update,
            (reload, load_failed).run_if(resource_exists::<Authoring>),
        )
        .add_systems(
            EguiPrimaryContextPass,
            banner
                .in_set(super::state::UiSet::Overlay)
                .run_if(resource_exists::<Authoring>),
        );
}

/// The one-ticket shift a scenario is previewed in: hints on, pause allowed.
pub fn preview_shift(scenario_id: &str) -> Shift {
    Shift {
        id: "author-preview".into(),
        title: format!("Preview: {scenario_id}"),
        description: "The scenario being authored, alone in the queue.".into(),
        mode: Mode::Practice,
        length_minutes: 120,
        arrivals: Arrivals::Fixed(vec![0]),
        selection: Selection {
            ids: vec![scenario_id.to_string()],
            ..Selection::default()
        },
        time_scale: 0.5,
        rules: Rules {
            pause_allowed: true,
            hints_shown: true,
            real_time_limit_minutes: None,
            time_extensions: None,
        },
        variant: None,
    }
}

/// Validates a version of the file against the pack; the pack with it and its id.
fn check(
    name: &str,
    bytes: &[u8],
    options: &TrainerOptions,
) -> Result<(Pack, String), Vec<String>> {
    let source = Source {
        name: name.to_string(),
        bytes: bytes.to_vec(),
    };
    let id = match validate::parse_source(&source) {
        Ok(file) => match file.item {
            Item::Scenario(s) => s.id.clone(),
            _ => return Err(vec![format!("{name}: this is not a scenario file")]),
        },
        Err(d) => return Err(vec![d.to_string()]),
    };
    match Pack::load_with(&options.pack_options, vec![source]) {
        Ok(pack) => Ok((pack, id)),
        Err(problems) => Err(problems.iter().map(ToString::to_string).collect()),
    }
}

fn reload(
    mut events: MessageReader<AssetEvent<ScenarioSource>>,
    sources: Res<Assets<ScenarioSource>>,
    mut authoring: ResMut<Authoring>,
    mut options: ResMut<TrainerOptions>,
    mut start: MessageWriter<StartShift>,
) {
    let mut changed = false;
    for event in events.read() {
        if let AssetEvent::Added { id } | AssetEvent::Modified { id } = event
            && *id == authoring.handle.id()
        {
            changed = true;
        }
    }
    if !changed {
        return;
    }
    let Some(source) = sources.get(&authoring.handle) else {
        return;
    };
    authoring.loads += 1;
    let name = authoring.path.display().to_string();
    match check(&name, &source.bytes, &options) {
        Ok((pack, id)) => {
            authoring.errors.clear();
            options.pack = Arc::new(pack);
            authoring.playing = Some(id.clone());
            info!(
                "{name}: version {} is valid; restarting the preview",
                authoring.loads
            );
            start.write(StartShift {
                shift: preview_shift(&id),
                seed: options.seed.unwrap_or(0),
                competition: None,
            });
        }
        Err(errors) => {
            warn!(
                "{name}: version {} has {} problem(s)",
                authoring.loads,
                errors.len()
            );
            authoring.errors = errors;
        }
    }
}

fn load_failed(
    mut failures: MessageReader<AssetLoadFailedEvent<ScenarioSource>>,
    mut authoring: ResMut<Authoring>,
) {
    for failure in failures.read() {
        authoring.errors = vec![format!("{}: {}", authoring.path.display(), failure.error)];
    }
}

fn banner(mut contexts: EguiContexts, authoring: Res<Authoring>) -> Result {
    let ctx = contexts.ctx_mut()?;
    let title = if authoring.errors.is_empty() {
        "Author preview"
    } else {
        "Author preview — the file has errors"
    };
    egui::Window::new(title)
        .id(egui::Id::new("author-banner"))
        .anchor(egui::Align2::CENTER_BOTTOM, egui::vec2(0.0, -130.0))
        .collapsible(true)
        .resizable(false)
        .default_width(640.0)
        .show(ctx, |ui| {
            ui.label(theme::muted(format!(
                "{} · version {} · saved changes reload here",
                authoring.path.display(),
                authoring.loads
            )));
            if authoring.errors.is_empty() {
                if let Some(id) = &authoring.playing {
                    ui.colored_label(palette::GOOD, format!("✔ `{id}` is valid and playing."));
                } else {
                    ui.label("Loading…");
                }
            } else {
                if authoring.playing.is_some() {
                    ui.label(theme::muted("The last valid version keeps playing."));
                }
                egui::ScrollArea::vertical()
                    .max_height(200.0)
                    .show(ui, |ui| {
                        for e in &authoring.errors {
                            ui.colored_label(palette::BAD, egui::RichText::new(e).monospace());
                        }
                    });
            }
        });
    Ok(())
}
