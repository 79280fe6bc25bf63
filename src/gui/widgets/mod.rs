//! Widgets the screens share: the theme (palette, fonts, cards, chips, bars).

pub mod theme;
pub mod ui_map;
