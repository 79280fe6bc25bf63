//! Keyboard shortcuts per trainee (#18, WCAG 2.1.4 Character Key Shortcuts): single-key
//! shortcuts can be turned off and any shortcut moved to another key; the map is kept in
//! the history, and the window reads the same `KeyMap` (`src/keymap.rs`).

use std::path::Path;
use std::process::{Command, Output};

use escalation_dojo::keymap::{KeyMap, Shortcut, normalise};

#[test]
fn single_keys_can_be_turned_off_and_shortcuts_moved_to_other_keys() {
    let mut map = KeyMap::default();
    assert_eq!(map.shortcut_for("R"), Some(Shortcut::Resolve));
    assert_eq!(map.shortcut_for("Space"), Some(Shortcut::Pause));
    assert!(map.digits_active());
    assert_eq!(map.hint(Shortcut::Escalate), " (E)");

    // Off: no letter, digit or Space acts; End (not a character) still does.
    map.single_keys = false;
    assert_eq!(map.shortcut_for("R"), None);
    assert_eq!(map.shortcut_for("Space"), None);
    assert!(!map.digits_active());
    assert_eq!(map.shortcut_for("End"), Some(Shortcut::EndShift));
    assert_eq!(
        map.hint(Shortcut::Escalate),
        "",
        "a button shows no key that is off"
    );

    // Moved to a key with a modifier, it acts again, single keys off or not.
    map.bind("resolve", "ctrl+r").unwrap();
    assert_eq!(map.key(Shortcut::Resolve), "Ctrl+R");
    assert_eq!(map.shortcut_for("Ctrl+R"), Some(Shortcut::Resolve));
    assert_eq!(map.shortcut_for("R"), None);
    map.bind("escalate", "F2").unwrap();
    assert_eq!(map.shortcut_for("F2"), Some(Shortcut::Escalate));

    // Refusals say why.
    let taken = map.bind("hold", "Ctrl+R").unwrap_err();
    assert!(taken.contains("already `resolve`'s key"), "{taken}");
    assert!(map.bind("hold", "F13").unwrap_err().contains("not a key"));
    assert!(
        map.bind("hold", "Hyper+H")
            .unwrap_err()
            .contains("not Ctrl, Alt or Shift")
    );
    assert!(
        map.bind("teleport", "T")
            .unwrap_err()
            .contains("not a shortcut")
    );
    assert_eq!(normalise("shift+alt+x").unwrap(), "Alt+Shift+X");

    // Kept as text; anything unreadable is the default, never a crash.
    let back = KeyMap::from_setting(Some(&map.to_setting()));
    assert_eq!(back, map);
    assert_eq!(KeyMap::from_setting(Some("(garbage")), KeyMap::default());
    // Back on its default key, the override goes.
    map.bind("resolve", "R").unwrap();
    assert!(!map.keys.contains_key("resolve"));
}

fn dojo(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dojo"))
        .env("DOJO_DATA_DIR", data)
        .args(args)
        .output()
        .unwrap()
}

fn said(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn a_trainees_shortcuts_are_kept_in_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path();
    assert!(
        dojo(data, &["trainee", "add", "Ana Lopez"])
            .status
            .success()
    );
    let set = dojo(
        data,
        &[
            "trainee",
            "keys",
            "Ana Lopez",
            "--single-keys",
            "off",
            "--bind",
            "resolve=Ctrl+R",
            "--bind",
            "escalate=f2",
        ],
    );
    assert!(set.status.success(), "{}", said(&set));
    let text = said(&set);
    assert!(text.contains("single-key shortcuts off"), "{text}");
    assert!(text.contains("Ctrl+R") && text.contains("F2"), "{text}");
    assert!(text.contains("off (H)"), "{text}");
    // Read back from the history by a later command.
    let shown = said(&dojo(data, &["trainee", "keys", "Ana Lopez"]));
    assert_eq!(shown, text);
    // A bad binding changes nothing.
    let bad = dojo(
        data,
        &["trainee", "keys", "Ana Lopez", "--bind", "hold=Ctrl+R"],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", said(&bad));
    assert!(
        said(&bad).contains("already `resolve`'s key"),
        "{}",
        said(&bad)
    );
    assert_eq!(said(&dojo(data, &["trainee", "keys", "Ana Lopez"])), text);
    let reset = said(&dojo(data, &["trainee", "keys", "Ana Lopez", "--reset"]));
    assert!(
        reset.contains("single-key shortcuts on") && reset.contains("R "),
        "{reset}"
    );
    let unknown = dojo(data, &["trainee", "keys", "Nobody"]);
    assert!(!unknown.status.success());
}
