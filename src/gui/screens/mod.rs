//! The screens, one per `Screen` state: each draws its state and sends the
//! simulation's actions or the app's messages; none holds a rule.

pub mod compete;
pub mod dashboard;
pub mod debrief;
pub mod mode;
pub mod shift;
pub mod start;
