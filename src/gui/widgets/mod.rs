//! Widgets the screens share: the theme (palette, fonts, cards, chips) and the
//! five-part note form.

pub mod note_form;
pub mod theme;
