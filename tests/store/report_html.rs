//! The HTML report renders in headless Chromium: a screenshot that is not blank, with the
//! charts' colours on it. Skipped (with a notice) where `/usr/bin/chromium` is missing;
//! `.ci/run` installs it.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use dojo_core::agents::{self, Persona};
use dojo_core::history::{GradedSession, Role};
use dojo_core::pack::Pack;
use dojo_core::report::{self, ReportOptions};
use dojo_core::sim::record::{self, LogHeader};
use dojo_core::sim::session::Session;
use dojo_store::Store;

const CHROMIUM: &str = "/usr/bin/chromium";

fn report_html(dir: &Path) -> String {
    let pack = Arc::new(Pack::builtin().unwrap());
    let mut store = Store::open_in(dir).unwrap();
    let at = |d| Utc.with_ymd_and_hms(2026, 11, d, 10, 0, 0).unwrap();
    store
        .add_person("Bo", Role::Trainee, Some("Desk A"), at(1))
        .unwrap();
    store
        .add_person("Ana", Role::Trainee, Some("Desk A"), at(1))
        .unwrap();
    store.add_person("Carla", Role::Coach, None, at(1)).unwrap();
    let mut play = |who: &str, shift: &str, persona, day| {
        let script = agents::play(Arc::clone(&pack), &pack.shifts[shift], 7, persona).unwrap();
        let mut s = Session::new(Arc::clone(&pack), shift, 7).unwrap();
        record::play_script(&mut s, &script, 0, None, None).unwrap();
        s.finish();
        let g = GradedSession::of(&s, LogHeader::for_session(&s, Some(who.into()), None));
        store.record_session(who, &g, at(day)).unwrap()
    };
    let first = play("Bo", "onboarding-basics", Persona::OverEscalator, 20);
    play("Bo", "practice-mixed", Persona::VagueNotes, 22);
    play("Bo", "competition-mixed", Persona::Ideal, 24);
    play("Ana", "onboarding-basics", Persona::Ideal, 21);
    store
        .override_ticket(
            first,
            1,
            70,
            "Carla",
            "Partly defensible: the runbook was out of date.",
            at(25),
        )
        .unwrap();
    let options = ReportOptions {
        since: None,
        review_sample: 3,
        ..ReportOptions::for_pack(&pack, at(26))
    };
    report::to_html(&dojo_store::trainer_report(&store, "Bo", &options).unwrap())
}

#[test]
fn the_html_report_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let html = report_html(dir.path());
    assert!(html.contains("Partly defensible: the runbook was out of date."));
    let page = dir.path().join("report.html");
    std::fs::write(&page, &html).unwrap();
    if !Path::new(CHROMIUM).exists() {
        println!(
            "NOTICE: {CHROMIUM} not found; the HTML report was not rendered (.ci/run installs Debian's `chromium`)"
        );
        return;
    }
    let png = dir.path().join("report.png");
    let profile = tempfile::tempdir().unwrap();
    let o = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1280,2000")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        png.exists(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    if let Ok(keep) = std::env::var("DOJO_KEEP_SCREENSHOT") {
        std::fs::copy(&png, keep).unwrap();
    }

    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1280, 2000));
    let channels = info.color_type.samples();
    assert!(channels >= 3);
    let pixels: Vec<[u8; 3]> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|p| [p[0], p[1], p[2]])
        .collect();
    // Not blank: the luminance varies.
    let luma: Vec<f64> = pixels
        .iter()
        .map(|p| 0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2]))
        .collect();
    let mean = luma.iter().sum::<f64>() / luma.len() as f64;
    let variance = luma.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / luma.len() as f64;
    assert!(
        variance > 100.0,
        "the screenshot looks blank (variance {variance:.1})"
    );
    let dark = luma.iter().filter(|l| **l < 100.0).count();
    assert!(dark > 5_000, "no text to speak of ({dark} dark pixels)");
    // The charts drew: the series blue (#1f6feb) and the red bars (#d1242f) are on the page.
    let near = |p: &[u8; 3], c: [u8; 3]| {
        p.iter()
            .zip(c)
            .all(|(a, b)| (i32::from(*a) - i32::from(b)).abs() <= 12)
    };
    let blue = pixels
        .iter()
        .filter(|p| near(p, [0x1f, 0x6f, 0xeb]))
        .count();
    let red = pixels
        .iter()
        .filter(|p| near(p, [0xd1, 0x24, 0x2f]))
        .count();
    assert!(
        blue > 500 && red > 200,
        "chart colours missing (blue {blue}, red {red})"
    );
}
