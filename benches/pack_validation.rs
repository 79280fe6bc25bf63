//! Load + validate the built-in pack and 1,000 generated scenario files, against bare
//! `ron::from_str` of the same files (the baseline, measured in the same run).
//!
//! Run: `cargo bench --bench pack_validation`. Target: validate ≤ 2× bare parse.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use dojo_core::pack::{self, Pack};
use dojo_core::scenario::Scenario;
use dojo_core::validate::{self, Context, Source};

/// The product's allocator (the `dojo` binary's), so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// 1,000 scenario files: the built-in scenarios, cycled, each with a fresh id.
fn generated_sources() -> Vec<Source> {
    let builtin: Vec<(String, String)> = pack::builtin_sources()
        .into_iter()
        .filter_map(|s| {
            let text = String::from_utf8(s.bytes).ok()?;
            let parsed: Scenario = ron::from_str(&text).ok()?;
            Some((parsed.id, text))
        })
        .collect();
    (0..1000)
        .map(|i| {
            let (id, text) = &builtin[i % builtin.len()];
            let text = text.replacen(&format!("\"{id}\""), &format!("\"{id}-gen{i}\""), 1);
            Source {
                name: format!("gen/{i}.ron"),
                bytes: text.into_bytes(),
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let builtin = Pack::builtin().expect("built-in pack loads");
    let context = Context {
        kb_ids: builtin.kb.keys().cloned().collect(),
        kb: builtin.kb.clone(),
        scenario_ids: builtin.scenarios.keys().cloned().collect(),
        scenarios: builtin.scenarios.clone(),
        shift_ids: builtin.shifts.keys().cloned().collect(),
        policy: Some(builtin.policy.clone()),
    };
    let sources = generated_sources();

    let mut group = c.benchmark_group("generated-1000");
    group.throughput(Throughput::Elements(sources.len() as u64));
    group.sample_size(20);
    group.bench_function("bare ron::from_str", |b| {
        b.iter(|| {
            for s in &sources {
                let text = std::str::from_utf8(&s.bytes).unwrap();
                let parsed: Scenario = ron::from_str(text).unwrap();
                std::hint::black_box(parsed);
            }
        });
    });
    group.bench_function("validate (parse + lints + variants)", |b| {
        b.iter_batched(
            || sources.clone(),
            |sources| {
                let report = validate::validate(&sources, &context);
                assert!(report.is_clean());
                std::hint::black_box(report)
            },
            BatchSize::LargeInput,
        );
    });
    group.finish();

    let mut group = c.benchmark_group("builtin-pack");
    group.sample_size(20);
    group.bench_function("load + validate the built-in pack", |b| {
        b.iter(|| std::hint::black_box(Pack::builtin().expect("loads")));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
