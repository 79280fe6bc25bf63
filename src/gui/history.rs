//! The app's view of the trainee history (`history::Store`, SQLite in the data folder):
//! opened at start; trainees, sessions played in the window, onboarding progress, the
//! coach's dashboard and drills all go through it. A store that cannot be opened (a
//! damaged or newer database is moved aside or refused by the store itself) leaves the
//! app usable, with the reason shown, and sessions still saved as files.

use std::sync::Mutex;

use bevy::prelude::*;

use super::state::TrainerOptions;
use dojo_core::history::Role;
use dojo_store::{Store, StoreError};

/// The history store, if it opened.
#[derive(Resource)]
pub struct History {
    store: Option<Mutex<Store>>,
    /// Why it did not open.
    pub error: Option<String>,
}

impl History {
    /// Runs `f` with the store; `None` when there is no store.
    pub fn with<R>(&self, f: impl FnOnce(&mut Store) -> R) -> Option<R> {
        self.with_store(|s| s.map(f))
    }

    /// Runs `f` with the store if it opened, else with `None`.
    pub fn with_store<R>(&self, f: impl FnOnce(Option<&mut Store>) -> R) -> R {
        match self.store.as_ref() {
            Some(store) => {
                let mut guard = store
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                f(Some(&mut guard))
            }
            None => f(None),
        }
    }

    /// Makes sure a trainee exists (autoplay and `--trainee` may name a new one).
    pub fn ensure_trainee(&self, name: &str, team: Option<&str>) -> Result<(), StoreError> {
        self.with(|s| {
            if s.person(name)?.is_none() {
                s.add_person(name, Role::Trainee, team, crate::clock::now())?;
            }
            Ok(())
        })
        .unwrap_or(Ok(()))
    }
}

pub(super) fn plugin(app: &mut App) {
    let Some(options) = app.world().get_resource::<TrainerOptions>().cloned() else {
        return;
    };
    let opened = Store::open_in(&options.data_dir).map(|store| {
        match options.pack.curricula.get("onboarding") {
            Some(c) => store.with_drill_settings(c.drill.clone()),
            None => store,
        }
    });
    let history = match opened {
        Ok(store) => History {
            store: Some(Mutex::new(store)),
            error: None,
        },
        Err(e) => {
            warn!("history unavailable: {e}");
            History {
                store: None,
                error: Some(e.to_string()),
            }
        }
    };
    app.insert_resource(history);
}
