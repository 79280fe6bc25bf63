//! The look: one dark palette, the shipped fonts (embedded, so the app starts from any
//! working directory), the UI scale, and small widget helpers (timer bars, chips).

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPreUpdateSet, egui};

use dojo_core::engine::WindowState;

/// The palette.
pub mod palette {
    use bevy_egui::egui::Color32;

    /// Window background.
    pub const BACKGROUND: Color32 = Color32::from_rgb(0x14, 0x18, 0x22);
    /// Panels.
    pub const PANEL: Color32 = Color32::from_rgb(0x1b, 0x21, 0x2d);
    /// Cards inside panels.
    pub const CARD: Color32 = Color32::from_rgb(0x23, 0x2a, 0x38);
    /// Body text.
    pub const TEXT: Color32 = Color32::from_rgb(0xdd, 0xe3, 0xec);
    /// Secondary text.
    pub const MUTED: Color32 = Color32::from_rgb(0x8d, 0x98, 0xaa);
    /// The accent (the escalation arrow of the icon).
    pub const ACCENT: Color32 = Color32::from_rgb(0xf0, 0x92, 0x30);
    /// Fine / on track.
    pub const GOOD: Color32 = Color32::from_rgb(0x40, 0xc4, 0xaa);
    /// Half the window used.
    pub const HALF: Color32 = Color32::from_rgb(0xe6, 0xc8, 0x4c);
    /// Three quarters used.
    pub const THREE_QUARTERS: Color32 = Color32::from_rgb(0xf0, 0x8a, 0x30);
    /// Reached or breached (lightened from #e84a5f, 3.8:1 on a card, to pass AA's 4.5:1).
    pub const BAD: Color32 = Color32::from_rgb(0xff, 0x73, 0x85);
    /// Information (events, upstream news).
    pub const INFO: Color32 = Color32::from_rgb(0x5c, 0x9d, 0xf0);
}

/// The UI scale the trainee chose (egui zoom factor).
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct UiScale(pub f32);

impl Default for UiScale {
    fn default() -> Self {
        UiScale(1.0)
    }
}

/// The fonts are set once; this marks that it happened.
#[derive(Resource, Default)]
pub struct ThemeApplied(bool);

/// Run condition: the fonts are in (a screen using the bold family must not draw
/// before: egui takes new fonts at the start of a pass).
pub fn ready(applied: Res<ThemeApplied>) -> bool {
    applied.0
}

pub(crate) fn plugin(app: &mut App) {
    app.init_resource::<UiScale>()
        .init_resource::<ThemeApplied>()
        .add_systems(
            PreUpdate,
            apply_theme
                .after(EguiPreUpdateSet::InitContexts)
                .before(EguiPreUpdateSet::BeginPass),
        );
}

const SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");
const SANS_BOLD: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans-Bold.ttf");
const MONO: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSansMono.ttf");

/// The name of the bold font family.
pub const BOLD: &str = "bold";

fn apply_theme(
    mut contexts: EguiContexts,
    mut applied: ResMut<ThemeApplied>,
    scale: Res<UiScale>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if !applied.0 {
        applied.0 = true;
        ctx.set_fonts(fonts());
        ctx.set_visuals(visuals());
        ctx.all_styles_mut(|style| {
            style.spacing.item_spacing = egui::vec2(8.0, 6.0);
            style.spacing.button_padding = egui::vec2(8.0, 4.0);
            style.text_styles.insert(
                egui::TextStyle::Heading,
                egui::FontId::new(20.0, egui::FontFamily::Name(BOLD.into())),
            );
            style
                .text_styles
                .insert(egui::TextStyle::Body, egui::FontId::proportional(14.0));
            style
                .text_styles
                .insert(egui::TextStyle::Button, egui::FontId::proportional(14.0));
            style
                .text_styles
                .insert(egui::TextStyle::Small, egui::FontId::proportional(11.5));
        });
    }
    if (ctx.zoom_factor() - scale.0).abs() > f32::EPSILON {
        ctx.set_zoom_factor(scale.0);
    }
    Ok(())
}

fn fonts() -> egui::FontDefinitions {
    let mut fonts = egui::FontDefinitions::default();
    let data = |bytes: &'static [u8]| std::sync::Arc::new(egui::FontData::from_static(bytes));
    fonts.font_data.insert("dejavu-sans".into(), data(SANS));
    fonts
        .font_data
        .insert("dejavu-sans-bold".into(), data(SANS_BOLD));
    fonts.font_data.insert("dejavu-mono".into(), data(MONO));
    let families = &mut fonts.families;
    families
        .entry(egui::FontFamily::Proportional)
        .or_default()
        .insert(0, "dejavu-sans".into());
    families
        .entry(egui::FontFamily::Monospace)
        .or_default()
        .insert(0, "dejavu-mono".into());
    let mut bold = vec!["dejavu-sans-bold".to_string()];
    bold.extend(
        families
            .get(&egui::FontFamily::Proportional)
            .cloned()
            .unwrap_or_default(),
    );
    families.insert(egui::FontFamily::Name(BOLD.into()), bold);
    fonts
}

fn visuals() -> egui::Visuals {
    let mut v = egui::Visuals::dark();
    v.panel_fill = palette::PANEL;
    v.window_fill = palette::PANEL;
    v.extreme_bg_color = palette::BACKGROUND;
    v.faint_bg_color = palette::CARD;
    v.override_text_color = Some(palette::TEXT);
    v.hyperlink_color = palette::INFO;
    v.selection.bg_fill = palette::ACCENT.linear_multiply(0.45);
    v.selection.stroke.color = palette::ACCENT;
    // Dim enough that the body text on it keeps 4.5:1 (0.6 gave 3.8:1).
    v.widgets.active.bg_fill = palette::ACCENT.linear_multiply(0.35);
    v.widgets.hovered.bg_stroke.color = palette::ACCENT;
    v.window_corner_radius = egui::CornerRadius::same(6);
    v
}

/// Text in the bold family.
pub fn bold(text: impl Into<String>) -> egui::RichText {
    egui::RichText::new(text).family(egui::FontFamily::Name(BOLD.into()))
}

/// Secondary text.
pub fn muted(text: impl Into<String>) -> egui::RichText {
    egui::RichText::new(text).color(palette::MUTED)
}

/// A card: a framed group on the card colour.
pub fn card<R>(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    egui::Frame::new()
        .fill(palette::CARD)
        .corner_radius(egui::CornerRadius::same(6))
        .inner_margin(egui::Margin::same(10))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            // Ragged-right text: a justified parent layout would stretch the words.
            ui.with_layout(egui::Layout::top_down(egui::Align::Min), add)
                .inner
        })
        .inner
}

/// The colour of an ownership window at this state: green, then yellow at 50%, orange
/// at 75%, red at 100%.
pub fn window_colour(state: WindowState) -> egui::Color32 {
    match state {
        WindowState::Open => palette::GOOD,
        WindowState::Half => palette::HALF,
        WindowState::ThreeQuarters => palette::THREE_QUARTERS,
        WindowState::Reached | WindowState::Overdue { .. } => palette::BAD,
    }
}

/// A thin horizontal bar filled to `fraction` (0–1) in `colour`, with a label on it.
/// Returns its response, for a tooltip.
pub fn bar(ui: &mut egui::Ui, fraction: f32, colour: egui::Color32, label: &str) -> egui::Response {
    let width = ui.available_width();
    let (rect, response) = ui.allocate_exact_size(egui::vec2(width, 14.0), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, palette::BACKGROUND);
    let mut filled = rect;
    filled.set_width(rect.width() * fraction.clamp(0.0, 1.0));
    painter.rect_filled(filled, 3.0, colour);
    // The label in two tones, as a progress bar draws it: dark over the fill, light over
    // the empty track, so every letter keeps AA contrast whatever the fill's colour
    // (white on the yellow fill was 1.65:1; see `tests::every_pair_meets_aa`).
    let rest = egui::Rect::from_min_max(egui::pos2(filled.right(), rect.top()), rect.max);
    for (clip, text_colour) in [(filled, BAR_TEXT_ON_FILL), (rest, palette::TEXT)] {
        ui.painter_at(clip).text(
            rect.left_center() + egui::vec2(4.0, 0.0),
            egui::Align2::LEFT_CENTER,
            label,
            egui::FontId::proportional(10.5),
            text_colour,
        );
    }
    // Painted text is invisible to a screen reader: the bar says what it shows (#18).
    response.widget_info(|| {
        let mut info = egui::WidgetInfo::labeled(egui::WidgetType::ProgressIndicator, true, label);
        info.value = Some(f64::from(fraction.clamp(0.0, 1.0)));
        info
    });
    response
}

/// The bar label's colour where it lies over the fill.
const BAR_TEXT_ON_FILL: egui::Color32 = palette::BACKGROUND;

/// A small coloured label: its text in the colour on the darkest surface, framed in the
/// colour (a tinted fill put four of the status colours under 4.5:1).
pub fn chip(ui: &mut egui::Ui, text: &str, colour: egui::Color32) -> egui::Response {
    egui::Frame::new()
        .fill(palette::BACKGROUND)
        .stroke(egui::Stroke::new(1.0, colour))
        .corner_radius(egui::CornerRadius::same(4))
        .inner_margin(egui::Margin::symmetric(5, 1))
        .show(ui, |ui| {
            ui.label(egui::RichText::new(text).color(colour).small());
        })
        .response
}

#[cfg(test)]
mod tests {
    use super::palette::*;
    use bevy_egui::egui::{self, Color32};

    /// A bar (an SLA or window timer) is in the accessibility tree a screen reader reads:
    /// a progress indicator named with its text and carrying its fraction.
    #[test]
    fn a_timer_bar_is_named_for_screen_readers() {
        let ctx = egui::Context::default();
        ctx.enable_accesskit();
        let label = "SLA: 47m left of 4h 00m (80% used)";
        let mut output = ctx.run_ui(egui::RawInput::default(), |ui| {
            super::bar(ui, 0.8, GOOD, label);
        });
        // No renderer here to take the font atlas.
        output.textures_delta.clear();
        let update = output
            .platform_output
            .accesskit_update
            .expect("egui builds the AccessKit tree once it is enabled");
        let bar = update
            .nodes
            .iter()
            .map(|(_, node)| node)
            .find(|n| n.role() == egui::accesskit::Role::ProgressIndicator)
            .expect("the bar is in the tree as a progress indicator");
        assert_eq!(bar.label(), Some(label));
        assert!((bar.numeric_value().unwrap() - 0.8).abs() < 1e-6);
    }

    /// WCAG 2.x relative luminance of an sRGB colour.
    fn luminance(c: Color32) -> f64 {
        let lin = |v: u8| {
            let v = f64::from(v) / 255.0;
            if v <= 0.040_45 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
    }

    /// WCAG contrast ratio, 1–21.
    fn contrast(a: Color32, b: Color32) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    /// A premultiplied colour over an opaque one (as the painter composes a tinted fill).
    fn over(top: Color32, under: Color32) -> Color32 {
        let a = f64::from(top.a()) / 255.0;
        let mix = |t: u8, u: u8| (f64::from(t) + f64::from(u) * (1.0 - a)).round().min(255.0) as u8;
        Color32::from_rgb(
            mix(top.r(), under.r()),
            mix(top.g(), under.g()),
            mix(top.b(), under.b()),
        )
    }

    const SURFACES: [(&str, Color32); 3] =
        [("background", BACKGROUND), ("panel", PANEL), ("card", CARD)];
    const TEXTS: [(&str, Color32); 8] = [
        ("text", TEXT),
        ("muted", MUTED),
        ("accent", ACCENT),
        ("good", GOOD),
        ("half", HALF),
        ("three quarters", THREE_QUARTERS),
        ("bad", BAD),
        ("info", INFO),
    ];
    const FILLS: [(&str, Color32); 4] = [
        ("good", GOOD),
        ("half", HALF),
        ("three quarters", THREE_QUARTERS),
        ("bad", BAD),
    ];

    /// Every text colour on every surface, the bar's labels on its fills and track, the
    /// chips, and egui's widget fills under the body text: at least 4.5:1 (AA, normal
    /// text); the bars' fills against their track at least 3:1 (AA, UI graphics).
    #[test]
    fn every_pair_meets_aa() {
        let mut failures = Vec::new();
        let mut check = |what: String, fg: Color32, bg: Color32, min: f64| {
            let ratio = contrast(fg, bg);
            if ratio < min {
                failures.push(format!("{what}: {ratio:.2}:1 < {min}:1"));
            }
        };
        for (t, fg) in TEXTS {
            for (s, bg) in SURFACES {
                check(format!("{t} text on the {s}"), fg, bg, 4.5);
            }
            // A chip: the colour's text on the background fill.
            check(format!("{t} chip"), fg, BACKGROUND, 4.5);
        }
        for (f, fill) in FILLS {
            check(
                format!("a bar's label over the {f} fill"),
                super::BAR_TEXT_ON_FILL,
                fill,
                4.5,
            );
            check(
                format!("the {f} fill against the track"),
                fill,
                BACKGROUND,
                3.0,
            );
        }
        check("a bar's label over the track".into(), TEXT, BACKGROUND, 4.5);
        let v = super::visuals();
        let text = v.override_text_color.unwrap_or(TEXT);
        for (state, w) in [
            ("inactive", &v.widgets.inactive),
            ("hovered", &v.widgets.hovered),
            ("active", &v.widgets.active),
            ("open", &v.widgets.open),
        ] {
            for fill in [w.bg_fill, w.weak_bg_fill] {
                check(
                    format!("body text on a {state} widget"),
                    text,
                    over(fill, PANEL),
                    4.5,
                );
            }
        }
        check(
            "selected text".into(),
            text,
            over(v.selection.bg_fill, PANEL),
            4.5,
        );
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn contrast_is_computed_as_wcag_defines_it() {
        assert!((contrast(Color32::WHITE, Color32::BLACK) - 21.0).abs() < 1e-9);
        assert!((contrast(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 1e-9);
        // The figure the issue measured: white on the old half-window yellow.
        let old_half = Color32::from_rgb(0xe6, 0xc8, 0x4c);
        assert!((contrast(Color32::WHITE, old_half) - 1.65).abs() < 0.01);
    }
}
