//! Rebuild when the built-in pack changes: it is embedded with `include_dir!`.
fn main() {
    println!("cargo:rerun-if-changed=../../scenarios");
}
