#[test]
fn dump_corpus() {
    for f in ["hash-comment", "backslash-path", "stray-quote", "unclosed-paren", "curly-quotes", "kb-wrong-type"] {
        let p = crate::common::root().join("tests/corpus").join(format!("{f}.ron"));
        let r = dojo_core::pack::validate_paths(&[p], &Default::default());
        for d in &r.diagnostics { println!("{d}  [{:?}]", d.field); }
    }
}
