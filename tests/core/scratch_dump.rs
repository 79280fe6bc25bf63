use std::sync::Arc;
use dojo_core::agents::Persona;
#[test]
fn regenerate() {
    let pack = Arc::new(dojo_core::pack::Pack::builtin().unwrap());
    let root = crate::common::root();
    for shift in pack.shifts.keys() {
        for p in Persona::ALL {
            let played = dojo_core::agents::play(Arc::clone(&pack), &pack.shifts[shift], 7, p).unwrap();
            let path = root.join(format!("tests/personas/{shift}.{}.ron", p.slug()));
            if path.exists() { std::fs::write(&path, played.to_ron()).unwrap(); }
            if p == Persona::Ideal {
                let ex = root.join(format!("examples/scripts/{shift}.ideal.ron"));
                if ex.exists() { std::fs::write(&ex, played.to_ron()).unwrap(); }
            }
        }
    }
}
