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
    /// Reached or breached.
    pub const BAD: Color32 = Color32::from_rgb(0xe8, 0x4a, 0x5f);
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
    v.widgets.active.bg_fill = palette::ACCENT.linear_multiply(0.6);
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
    painter.text(
        rect.left_center() + egui::vec2(4.0, 0.0),
        egui::Align2::LEFT_CENTER,
        label,
        egui::FontId::proportional(10.5),
        egui::Color32::WHITE,
    );
    response
}

/// A small coloured label.
pub fn chip(ui: &mut egui::Ui, text: &str, colour: egui::Color32) -> egui::Response {
    egui::Frame::new()
        .fill(colour.linear_multiply(0.25))
        .stroke(egui::Stroke::new(1.0, colour))
        .corner_radius(egui::CornerRadius::same(4))
        .inner_margin(egui::Margin::symmetric(5, 1))
        .show(ui, |ui| {
            ui.label(egui::RichText::new(text).color(colour).small());
        })
        .response
}
