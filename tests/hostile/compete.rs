//! Competitions nobody can pass off: relabelled and re-played copies, personal variants,
//! look-alike names, hand-ins that never overwrite, and a folder of files that are not all
//! results — each bad one named with its reason, every good one ranked.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, LazyLock};

use dojo_core::agents::{self, Persona};
use dojo_core::compete::verify::{self, ResultFile};
use dojo_core::compete::{self, Competition, Verified};
use dojo_core::pack::Pack;
use dojo_core::sim::action::{Script, ScriptEntry};
use dojo_core::sim::record::{self, SessionResult};
use dojo_core::validate::Source;

static PACK: LazyLock<Arc<Pack>> = LazyLock::new(|| Arc::new(Pack::builtin().unwrap()));

/// The Monday-rush shift as a competition without a roster (anyone enters).
fn cup() -> Competition {
    let pack = &*PACK;
    let made = Competition::new(
        "Hostile cup",
        &pack.shifts["competition-mixed"],
        7,
        pack,
        BTreeMap::new(),
    );
    assert!(made.personal_variants);
    Competition::parse(
        &Source {
            name: "competition.ron".into(),
            bytes: made.to_ron().into_bytes(),
        },
        Some(pack),
    )
    .unwrap()
}

/// `name` plays `script` (or the persona's play of their own variant) in the cup.
fn play(c: &Competition, name: &str, persona: Persona, script: Option<&Script>) -> SessionResult {
    let pack = &*PACK;
    let participant = c.participant(name, None).unwrap();
    let own;
    let script = match script {
        Some(s) => s,
        None => {
            let shift = c.shift_for(pack, &participant.name).unwrap();
            own = agents::play(Arc::clone(pack), &shift, c.seed, persona).unwrap();
            &own
        }
    };
    let mut session = c.start_session(Arc::clone(pack), &participant).unwrap();
    let header = c.header(&session, &participant);
    record::play_script(&mut session, script, 0, None, None).unwrap();
    compete::finish_result(&mut session, header)
}

/// `name` plays the persona on their own variant with a few client updates of their own
/// (people who play alike still write their own words), after opening every second ticket.
fn play_own(c: &Competition, name: &str, persona: Persona, i: usize) -> SessionResult {
    use dojo_core::sim::action::Action;
    let pack = &*PACK;
    let shift = c.shift_for(pack, name).unwrap();
    let base = agents::play(Arc::clone(pack), &shift, c.seed, persona).unwrap();
    let mut actions = Vec::new();
    for entry in base.actions {
        let opened = match &entry.action {
            Action::Open { ticket } if (*ticket as usize + i).is_multiple_of(2) => Some(*ticket),
            _ => None,
        };
        actions.push(entry);
        if let Some(ticket) = opened {
            actions.push(ScriptEntry {
                at: None,
                action: Action::UpdateClient {
                    ticket,
                    message: format!("{} here: I am looking into it now", signature(i)),
                },
            });
        }
    }
    let script = Script { actions, ..base };
    play(c, name, persona, Some(&script))
}

/// A word of one's own for participant `i` (letters: runs of digits count as details a
/// variant may change).
fn signature(i: usize) -> String {
    let letters = |n: usize| char::from(b'a' + (n % 26) as u8);
    format!(
        "agent {}{}{}",
        letters(i / 676),
        letters(i / 26),
        letters(i)
    )
}

/// A result handed in under another name (the file edited, nothing else).
fn relabelled(r: &SessionResult, name: &str) -> SessionResult {
    let mut r = r.clone();
    r.header.trainee = Some(name.into());
    r
}

/// The actions of a result's log as a script: a play re-typed action for action.
fn retyped(r: &SessionResult) -> Script {
    Script {
        name: "retyped".into(),
        shift: None,
        actions: r
            .log
            .iter()
            .map(|e| ScriptEntry {
                at: Some(e.at),
                action: e.action.clone(),
            })
            .collect(),
    }
}

fn file(name: &str, r: &SessionResult) -> ResultFile {
    ResultFile {
        name: name.into(),
        bytes: r.to_ron().into_bytes(),
    }
}

/// File → (`accepted` or the rejection code, the reason).
fn outcomes(verified: &[Verified]) -> BTreeMap<String, (String, String)> {
    verified
        .iter()
        .map(|v| {
            let file = Path::new(v.file()).file_name().map_or_else(
                || v.file().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            match v {
                Verified::Accepted(_) => (file, ("accepted".into(), String::new())),
                Verified::Rejected(r) => (file, (r.code.to_string(), r.reason.clone())),
            }
        })
        .collect()
}

#[test]
fn personal_variants_share_tickets_arrivals_verdicts_and_scores_but_not_words() {
    let c = cup();
    let pack = &*PACK;
    let ana = c.participant("Ana Lopez", None).unwrap();
    let ben = c.participant("Ben Carter", None).unwrap();
    assert_ne!(c.variant_of("Ana Lopez"), c.variant_of("Ben Carter"));
    assert_eq!(c.variant_of("Ana Lopez"), c.variant_of("ANA  L\u{043E}PEZ"));
    let a = c.start_session(Arc::clone(pack), &ana).unwrap();
    let b = c.start_session(Arc::clone(pack), &ben).unwrap();
    assert_eq!(a.tickets.len(), b.tickets.len());
    let mut words_differ = 0;
    for (x, y) in a.tickets.iter().zip(&b.tickets) {
        assert_eq!(x.scenario.id, y.scenario.id);
        assert_eq!(x.arrives_at, y.arrives_at);
        assert_eq!(x.scenario.impact, y.scenario.impact);
        assert_eq!(x.scenario.expected.owner, y.scenario.expected.owner);
        assert_eq!(x.scenario.client.patience, y.scenario.client.patience);
        if x.scenario != y.scenario {
            words_differ += 1;
        }
    }
    assert!(words_differ > 0, "the variants differ in their words");
    // Every persona scores the same on either variant.
    for persona in Persona::ALL {
        let ra = play(&c, "Ana Lopez", persona, None);
        let rb = play(&c, "Ben Carter", persona, None);
        // Each on its own (two identical scripted plays side by side are near-copies).
        let va = verify::verify_one(&c, pack, &file("ana.ron", &ra)).unwrap();
        let vb = verify::verify_one(&c, pack, &file("ben.ron", &rb)).unwrap();
        let (sa, sb) = (
            &va.accepted().unwrap_or_else(|| panic!("{va:?}")).score,
            &vb.accepted().unwrap_or_else(|| panic!("{vb:?}")).score,
        );
        assert_eq!(sa, sb, "{persona:?}");
    }
}

#[test]
fn a_log_relabelled_under_three_names_is_three_copies_of_the_entry_it_came_from() {
    let c = cup();
    let ana = play(&c, "Ana Lopez", Persona::Ideal, None);
    let ben = play(&c, "Ben Carter", Persona::Slow, None);
    let files = [
        file("ana.ron", &ana),
        file("ben.ron", &ben),
        file("cara.ron", &relabelled(&ana, "Cara Diaz")),
        file("dee.ron", &relabelled(&ana, "Dee Walsh")),
        file("eve.ron", &relabelled(&ana, "Eve Stone")),
    ];
    let v = outcomes(&verify::verify(&c, &PACK, &files).unwrap());
    assert_eq!(v["ana.ron"].0, "accepted");
    assert_eq!(v["ben.ron"].0, "accepted");
    for (f, who) in [
        ("cara.ron", "Cara Diaz"),
        ("dee.ron", "Dee Walsh"),
        ("eve.ron", "Eve Stone"),
    ] {
        assert_eq!(
            v[f],
            (
                "copy".to_string(),
                format!(
                    "copy of Ana Lopez's entry: this log was played on Ana Lopez's personal variant of the shift (their names, IPs and error ids), not on {who}'s — the file was relabelled"
                )
            )
        );
    }
}

#[test]
fn a_play_retyped_on_the_copiers_own_variant_is_a_copy_of_the_original() {
    let c = cup();
    let ana = play(&c, "Ana Lopez", Persona::Ideal, None);
    let cara = play(&c, "Cara Diaz", Persona::Ideal, Some(&retyped(&ana)));
    assert_eq!(cara.log.len(), ana.log.len());
    let v = outcomes(
        &verify::verify(&c, &PACK, &[file("ana.ron", &ana), file("cara.ron", &cara)]).unwrap(),
    );
    assert_eq!(v["ana.ron"].0, "accepted", "{v:?}");
    assert_eq!(v["cara.ron"].0, "copy", "{v:?}");
    assert!(
        v["cara.ron"]
            .1
            .starts_with("copy of Ana Lopez's entry (ana.ron): 100% of the log is theirs"),
        "{v:?}"
    );
}

#[test]
fn a_cyrillic_look_alike_entering_twice_is_one_participant_with_two_attempts() {
    let c = cup();
    let ana = play(&c, "Ana Lopez", Persona::Ideal, None);
    let again = play(&c, "\u{0410}na Lopez", Persona::Slow, None);
    let v = outcomes(
        &verify::verify(&c, &PACK, &[file("a1.ron", &ana), file("a2.ron", &again)]).unwrap(),
    );
    assert_eq!(v["a1.ron"].0, "duplicate-participant");
    assert_eq!(v["a2.ron"].0, "duplicate-participant");
}

#[test]
fn hand_ins_never_overwrite_and_each_attempt_gets_its_own_file() {
    let c = cup();
    let dir = tempfile::tempdir().unwrap();
    let ana = play(&c, "Ana Lopez", Persona::Ideal, None);
    let second = play(&c, "Ana Lopez", Persona::Slow, None);
    let slug_twin = play(&c, "ana-lopez", Persona::OverEscalator, None);
    let mut paths = Vec::new();
    for (who, r) in [
        ("Ana Lopez", &ana),
        ("Ana Lopez", &second),
        ("ana-lopez", &slug_twin),
    ] {
        let p = compete::attempt_path(dir.path(), who);
        compete::write_result_new(&p, r).unwrap();
        paths.push(p.file_name().unwrap().to_string_lossy().into_owned());
    }
    assert_eq!(
        paths,
        [
            "ana-lopez.attempt-1.result.ron",
            "ana-lopez.attempt-2.result.ron",
            "ana-lopez.attempt-3.result.ron"
        ]
    );
    // Writing onto a file that is there fails and leaves it as it was.
    let first = dir.path().join(&paths[0]);
    let e = compete::write_result_new(&first, &second).unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
    assert_eq!(std::fs::read_to_string(&first).unwrap(), ana.to_ron());
    // The rule: one attempt counts; two valid attempts of one participant rank neither.
    let folder =
        compete::read_results_folder(dir.path(), &dir.path().join("competition.ron")).unwrap();
    let v = outcomes(&verify::verify_folder(&c, &PACK, &folder).unwrap());
    assert_eq!(
        v["ana-lopez.attempt-1.result.ron"].0,
        "duplicate-participant"
    );
    assert_eq!(
        v["ana-lopez.attempt-2.result.ron"].0,
        "duplicate-participant"
    );
    assert_eq!(v["ana-lopez.attempt-3.result.ron"].0, "accepted");
}

#[test]
fn verification_names_each_unreadable_or_skipped_file_with_its_reason_and_goes_on() {
    let c = cup();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("competition.ron"), c.to_ron()).unwrap();
    let c = Competition::read(&d.join("competition.ron"), Some(&PACK)).unwrap();
    std::fs::write(
        d.join("ana.ron"),
        play(&c, "Ana Lopez", Persona::Ideal, None).to_ron(),
    )
    .unwrap();
    std::fs::write(
        d.join("BEN.RON"),
        play(&c, "Ben Carter", Persona::Slow, None).to_ron(),
    )
    .unwrap();
    std::fs::write(d.join("cara.ron.txt"), "a note").unwrap();
    std::fs::write(d.join("binary.ron"), [0xff, 0xfe, 0x00, 0x01]).unwrap();
    std::fs::write(d.join("secret.ron"), "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    std::fs::create_dir(d.join("old.ron")).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(d.join("pipe.ron"))
            .status()
            .unwrap()
            .success()
    );
    std::os::unix::fs::symlink("/etc/passwd", d.join("passwd.ron")).unwrap();
    std::os::unix::fs::symlink(d.join("loop.ron"), d.join("loop.ron")).unwrap();
    std::os::unix::fs::symlink(d.join("ana.ron"), d.join("alias.ron")).unwrap();

    let o = Command::new(env!("CARGO_BIN_EXE_dojo"))
        .args(["compete", "verify", d.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !stdout.contains("root:x") && !stdout.contains("/bin/bash"),
        "{stdout}"
    );
    let verified: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    let got: BTreeMap<String, String> = verified
        .iter()
        .map(|v| {
            let file = v["file"].as_str().unwrap();
            let name = Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let outcome = match v["verdict"].as_str().unwrap() {
                "accepted" => format!("accepted {}", v["participant"].as_str().unwrap()),
                _ => format!(
                    "{}: {}",
                    v["code"].as_str().unwrap(),
                    v["reason"].as_str().unwrap()
                ),
            };
            (name, outcome)
        })
        .collect();
    let want: BTreeMap<String, String> = [
        // A link inside the folder is read: the same file twice is one result.
        ("alias.ron", "accepted Ana Lopez"),
        ("ana.ron", "duplicate-copy: this file is a byte-identical copy of ALIAS: one result counts once"),
        ("BEN.RON", "accepted Ben Carter"),
        ("binary.ron", "unreadable: the file is not UTF-8 text (a bad byte at offset 0): not a result file"),
        ("cara.ron.txt", "skipped: not a `.ron` file: not read (result files end in .ron)"),
        ("loop.ron", "not-followed: a symbolic link that cannot be followed (a loop, or its target is missing): not read"),
        ("old.ron", "skipped: a folder, not a result file: not read (results are read from the folder itself, not sub-folders)"),
        ("passwd.ron", "not-followed: a symbolic link to a file outside the folder: not followed, not read"),
        ("pipe.ron", "skipped: not a regular file (a FIFO, socket or device): not opened"),
        ("secret.ron", "unreadable: not a result file: it does not begin with `SessionResult(` (nothing of it is shown)"),
    ]
    .into_iter()
    .map(|(k, v)| {
        (
            k.to_string(),
            v.replace("ALIAS", &d.join("alias.ron").display().to_string()),
        )
    })
    .collect();
    assert_eq!(got, want);
}

const PERSONAS: [Persona; 7] = Persona::ALL;

/// Stress: 200 results — 172 genuine, 20 relabelled copies, 5 look-alike names, 3
/// unreadable files. Every bad one is named with its reason; every good one is ranked.
#[test]
fn two_hundred_results_with_copies_look_alikes_and_unreadable_files() {
    let c = cup();
    let pack = &*PACK;
    let genuine: Vec<(String, SessionResult)> = (0..172)
        .map(|i| {
            let name = if i == 171 {
                "Jos\u{00E9} D\u{00ED}az".to_string()
            } else {
                format!("Participant {i:03}")
            };
            let r = play_own(&c, &name, PERSONAS[i % PERSONAS.len()], i);
            (name, r)
        })
        .collect();
    let mut files: Vec<ResultFile> = genuine
        .iter()
        .enumerate()
        .map(|(i, (_, r))| file(&format!("g{i:03}.ron"), r))
        .collect();
    let mut want: BTreeMap<String, (String, String)> = BTreeMap::new();
    for k in 0..20 {
        let (original, r) = &genuine[k * 7];
        let name = format!("Copier {k:02}");
        files.push(file(&format!("c{k:02}.ron"), &relabelled(r, &name)));
        want.insert(
            format!("c{k:02}.ron"),
            (
                "copy".into(),
                format!(
                    "copy of {original}'s entry: this log was played on {original}'s personal variant of the shift (their names, IPs and error ids), not on {name}'s — the file was relabelled"
                ),
            ),
        );
    }
    // Look-alike names of genuine participants, each refused by the name rule.
    let look_alikes = [
        (
            "Participant\u{200B} 001",
            "participant \"Participant\\u{200b} 001\": the name contains U+200B, an invisible format character: a name is printable text only",
        ),
        (
            "Participant 00\u{202E}2",
            "participant \"Participant 00\\u{202e}2\": the name contains U+202E, a bidirectional control character: a name is printable text only",
        ),
        (
            "Participant\u{00A0}003",
            "the participant's name \"Participant\\u{a0}003\" is not written as the name rule gives it (\"Participant 003\"): a result played in the app carries the cleaned name, so this one was edited",
        ),
        (
            "Participant  004",
            "the participant's name \"Participant  004\" is not written as the name rule gives it (\"Participant 004\"): a result played in the app carries the cleaned name, so this one was edited",
        ),
        (
            "Jose\u{0301} Di\u{0301}az",
            "the participant's name \"Jose\u{0301} Di\u{0301}az\" is not written as the name rule gives it (\"Jos\u{00E9} D\u{00ED}az\"): a result played in the app carries the cleaned name, so this one was edited",
        ),
    ];
    for (k, (name, reason)) in look_alikes.iter().enumerate() {
        // Each plays for real under the look-alike (the header written by hand).
        let source = &genuine[[1, 2, 3, 4, 171][k]].1;
        let mut r = source.clone();
        r.header.trainee = Some((*name).to_string());
        files.push(file(&format!("l{k}.ron"), &r));
        want.insert(format!("l{k}.ron"), ("name".into(), (*reason).to_string()));
    }
    files.push(ResultFile {
        name: "u0.ron".into(),
        bytes: vec![0xde, 0xad, 0xbe, 0xef],
    });
    let cut = genuine[5].1.to_ron();
    files.push(ResultFile {
        name: "u1.ron".into(),
        bytes: cut.as_bytes()[..cut.len() / 2].to_vec(),
    });
    files.push(ResultFile {
        name: "u2.ron".into(),
        bytes: Vec::new(),
    });
    assert_eq!(files.len(), 200);

    let verified = verify::verify(&c, pack, &files).unwrap();
    let got = outcomes(&verified);
    for (f, expect) in &want {
        assert_eq!(&got[f], expect, "{f}");
    }
    assert_eq!(got["u0.ron"].0, "unreadable");
    assert!(
        got["u0.ron"].1.starts_with("the file is not UTF-8 text"),
        "{:?}",
        got["u0.ron"]
    );
    assert_eq!(got["u1.ron"].0, "unreadable");
    assert!(
        got["u1.ron"].1.starts_with("the file ends early at line"),
        "{:?}",
        got["u1.ron"]
    );
    assert_eq!(
        got["u2.ron"],
        (
            "unreadable".into(),
            "the file is empty: not a result (cut off while copying?)".into()
        )
    );
    // Every genuine one is ranked.
    for i in 0..172 {
        assert_eq!(
            got[&format!("g{i:03}.ron")].0,
            "accepted",
            "g{i:03}: {:?}",
            got[&format!("g{i:03}.ron")]
        );
    }
    let board = compete::leaderboard::leaderboard(&c, &verified);
    assert_eq!(board.individuals.len(), 172);
    assert_eq!(board.rejected.len(), 28);
}
