//! Hostile and careless input (#15): the store under many processes, locked, unreadable,
//! read-only or tampered files; the one rule for names; competitions nobody can pass off.
//! Each test asserts the exact outcome: the error with its path, the exit code, nothing
//! moved, nothing lost, the rejection's reason.

#[path = "../common/mod.rs"]
mod common;

mod compete;
mod names;
mod store;
