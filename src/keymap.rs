//! The trainer's keyboard shortcuts as data (#18, WCAG 2.1.4): which key does what, per
//! trainee. Single-key shortcuts (a letter, a digit, Space) can be turned off — speech
//! input types letters, and a stray "r" must not resolve a ticket — and any shortcut can
//! be remapped, e.g. to `Ctrl+R`. Kept in the history per trainee (`dojo trainee keys`,
//! or the key list `?` in the window); no egui here, so the command line and the tests
//! read the same map the window uses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The history setting the map is kept under.
pub const SETTING: &str = "keymap";

/// What a shortcut does (the ticket digits 1–9 are a family of their own: single keys,
/// on or off with the rest, not remapped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shortcut {
    /// Run the next diagnostic step.
    RunStep,
    /// Ask the client the next question.
    AskClient,
    /// Search the knowledge base.
    SearchKb,
    /// Resolve at L1.
    Resolve,
    /// Escalate to L2 (the note form).
    Escalate,
    /// Security incident (the note form).
    Security,
    /// Notify a senior.
    NotifySenior,
    /// Hold the ticket.
    Hold,
    /// Write a client update.
    ClientUpdate,
    /// Pause or resume.
    Pause,
    /// End the shift (asks first).
    EndShift,
}

/// Every shortcut: (it, its id in files and on the command line, its default key, what it
/// does).
pub const SHORTCUTS: [(Shortcut, &str, &str, &str); 11] = [
    (
        Shortcut::RunStep,
        "run-step",
        "S",
        "run the next diagnostic step",
    ),
    (
        Shortcut::AskClient,
        "ask-client",
        "A",
        "ask the client the next question",
    ),
    (
        Shortcut::SearchKb,
        "search-kb",
        "K",
        "search the knowledge base",
    ),
    (Shortcut::Resolve, "resolve", "R", "resolve at L1"),
    (
        Shortcut::Escalate,
        "escalate",
        "E",
        "escalate to L2 (note form)",
    ),
    (
        Shortcut::Security,
        "security",
        "X",
        "security incident (note form)",
    ),
    (
        Shortcut::NotifySenior,
        "notify-senior",
        "N",
        "notify a senior",
    ),
    (Shortcut::Hold, "hold", "H", "hold the ticket"),
    (
        Shortcut::ClientUpdate,
        "client-update",
        "U",
        "write a client update",
    ),
    (
        Shortcut::Pause,
        "pause",
        "Space",
        "pause / resume (where allowed)",
    ),
    (
        Shortcut::EndShift,
        "end-shift",
        "End",
        "end the shift (asks first)",
    ),
];

/// Keys a shortcut may use: letters, F1–F12, Space, End, Home, Insert, Delete.
fn base_key_ok(key: &str) -> bool {
    let letter = key.len() == 1 && key.chars().all(|c| c.is_ascii_uppercase());
    let function = key
        .strip_prefix('F')
        .and_then(|n| n.parse::<u8>().ok())
        .is_some_and(|n| (1..=12).contains(&n));
    letter || function || matches!(key, "Space" | "End" | "Home" | "Insert" | "Delete")
}

/// A key as written: `E`, `F2`, `Ctrl+E`, `Alt+Shift+R` — modifiers first, in any case,
/// the key last. Returns it in its one spelling (`Ctrl+Alt+Shift+KEY` order), or why not.
pub fn normalise(key: &str) -> Result<String, String> {
    let parts: Vec<&str> = key.split('+').map(str::trim).collect();
    let (base, mods) = parts.split_last().ok_or("an empty key")?;
    let base = if base.len() == 1 {
        base.to_ascii_uppercase()
    } else {
        let mut c = base.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase())
            .unwrap_or_default()
    };
    if !base_key_ok(&base) {
        return Err(format!(
            "`{key}` is not a key a shortcut can use: a letter, F1–F12, Space, End, Home, Insert or Delete, with Ctrl+, Alt+ or Shift+ before it if wanted"
        ));
    }
    let (mut ctrl, mut alt, mut shift) = (false, false, false);
    for m in mods {
        match m.to_ascii_lowercase().as_str() {
            "ctrl" | "control" | "cmd" => ctrl = true,
            "alt" | "option" => alt = true,
            "shift" => shift = true,
            other => return Err(format!("`{other}` in `{key}` is not Ctrl, Alt or Shift")),
        }
    }
    let mut out = String::new();
    for (on, name) in [(ctrl, "Ctrl+"), (alt, "Alt+"), (shift, "Shift+")] {
        if on {
            out.push_str(name);
        }
    }
    out.push_str(&base);
    Ok(out)
}

/// Whether a key is pressed on its own (no Ctrl or Alt): the kind WCAG 2.1.4 asks to be
/// able to turn off. F-keys, End and the like are not characters, so they stay.
pub fn is_single_character(key: &str) -> bool {
    !key.starts_with("Ctrl+") && !key.starts_with("Alt+") && {
        let base = key.rsplit('+').next().unwrap_or(key);
        base.len() == 1 || base == "Space"
    }
}

/// A trainee's shortcuts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyMap {
    /// Whether shortcuts of one character (letters, digits, Space) act.
    pub single_keys: bool,
    /// Remapped shortcuts: id → key (the others keep their default).
    #[serde(default)]
    pub keys: BTreeMap<String, String>,
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap {
            single_keys: true,
            keys: BTreeMap::new(),
        }
    }
}

impl KeyMap {
    /// The map kept in a history setting (the default when absent or unreadable).
    pub fn from_setting(text: Option<&str>) -> KeyMap {
        text.and_then(|t| ron::from_str(t).ok()).unwrap_or_default()
    }

    /// As kept in the history.
    pub fn to_setting(&self) -> String {
        ron::to_string(self).unwrap_or_default()
    }

    /// The key a shortcut is on (its remapped one, or its default).
    pub fn key(&self, s: Shortcut) -> String {
        let (_, id, default, _) = SHORTCUTS
            .iter()
            .find(|x| x.0 == s)
            .copied()
            .unwrap_or(SHORTCUTS[0]);
        self.keys
            .get(id)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    /// The key that acts for a shortcut now: none when it is a single character and
    /// single-key shortcuts are off.
    pub fn active_key(&self, s: Shortcut) -> Option<String> {
        let key = self.key(s);
        (self.single_keys || !is_single_character(&key)).then_some(key)
    }

    /// " (R)" for a button's label: the key that acts for it now, or nothing when off.
    pub fn hint(&self, s: Shortcut) -> String {
        self.active_key(s)
            .map(|k| format!(" ({k})"))
            .unwrap_or_default()
    }

    /// Whether the ticket digits 1–9 act.
    pub fn digits_active(&self) -> bool {
        self.single_keys
    }

    /// The shortcut a key press (in [`normalise`]'s spelling) triggers, if any.
    pub fn shortcut_for(&self, pressed: &str) -> Option<Shortcut> {
        SHORTCUTS
            .iter()
            .map(|x| x.0)
            .find(|s| self.active_key(*s).as_deref() == Some(pressed))
    }

    /// Puts a shortcut (by id) on a key; refused when the id or key is not one, or the
    /// key is another shortcut's (say which).
    pub fn bind(&mut self, id: &str, key: &str) -> Result<(), String> {
        let Some(&(s, id, default, _)) = SHORTCUTS.iter().find(|x| x.1 == id) else {
            let ids: Vec<&str> = SHORTCUTS.iter().map(|x| x.1).collect();
            return Err(format!(
                "`{id}` is not a shortcut: one of {}",
                ids.join(", ")
            ));
        };
        let key = normalise(key)?;
        if let Some(&(_, other, _, _)) = SHORTCUTS.iter().find(|x| x.0 != s && self.key(x.0) == key)
        {
            return Err(format!(
                "{key} is already `{other}`'s key: move that one first"
            ));
        }
        if key == default {
            self.keys.remove(id);
        } else {
            self.keys.insert(id.to_string(), key);
        }
        Ok(())
    }

    /// The list a person reads: (key or "off", what it does).
    pub fn list(&self) -> Vec<(String, &'static str, &'static str)> {
        let mut out = vec![(
            if self.digits_active() {
                "1 … 9".to_string()
            } else {
                "off".to_string()
            },
            "open-ticket",
            "open ticket #1 … #9",
        )];
        for (s, id, _, what) in SHORTCUTS {
            out.push((
                self.active_key(s)
                    .unwrap_or_else(|| format!("off ({})", self.key(s))),
                id,
                what,
            ));
        }
        out
    }
}
