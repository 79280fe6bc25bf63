//! Template variables: `instantiate(scenario, seed)` fills `{name}` placeholders and
//! numeric facts deterministically from a seed.
//!
//! The generator is ChaCha8 (`rand_chacha`), whose output stream is fixed by its
//! specification, and index selection is done here by rejection sampling on raw `u64`s,
//! so a seed gives the same variant on every machine and every `rand` version.

use std::collections::BTreeMap;

use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::scenario::{NumericFact, Scenario, Variable};

/// A uniform integer in `0..n` (n ≥ 1) by rejection sampling.
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    debug_assert!(n > 0);
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let x = rng.next_u64();
        if x < zone {
            return x % n;
        }
    }
}

/// The `{name}` placeholders of a text, in order (names are ASCII letters, digits, `_`).
pub fn placeholders(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    out.push(name.to_string());
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    out
}

/// Replaces every `{name}` whose name is in `values`; other text is kept as is.
pub fn substitute(text: &str, values: &BTreeMap<String, String>) -> String {
    if !text.contains('{') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}').map(|close| (&after[..close], close)) {
            Some((name, close)) if values.contains_key(name) => {
                out.push_str(&values[name]);
                rest = &after[close + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The values a seed picks for a scenario's variables, by name.
pub fn values_for(scenario: &Scenario, seed: u64) -> BTreeMap<String, String> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    scenario
        .variables
        .iter()
        .map(|(name, variable)| {
            let value = match variable {
                Variable::Pool(options) if options.is_empty() => String::new(),
                Variable::Pool(options) => {
                    options[below(&mut rng, options.len() as u64) as usize].clone()
                }
                Variable::Range { min, max, .. } => {
                    let (lo, hi) = ((*min).min(*max), (*min).max(*max));
                    (u64::from(lo) + below(&mut rng, u64::from(hi - lo) + 1)).to_string()
                }
            };
            (name.clone(), value)
        })
        .collect()
}

/// The scenario instance for a seed: placeholders filled, bound ranges applied to their
/// facts, `variables` kept for reference. Deterministic: same scenario and seed, same
/// instance.
pub fn instantiate(scenario: &Scenario, seed: u64) -> Scenario {
    instantiate_variant(scenario, seed, None)
}

/// True when a variable only changes text (a pool, or a range that sets no fact).
pub fn is_surface(variable: &Variable) -> bool {
    !matches!(variable, Variable::Range { sets: Some(_), .. })
}

/// [`instantiate`] with a personal variant: the variables that set a fact (users
/// affected, a deadline, patience) are drawn from `seed` as for everyone; the surface
/// ones (names, IPs, error ids: [`is_surface`]) from `surface` when it is given. The same
/// facts, verdicts and scoring; other words.
pub fn instantiate_variant(scenario: &Scenario, seed: u64, surface: Option<u64>) -> Scenario {
    let mut values = values_for(scenario, seed);
    if let Some(surface) = surface {
        let personal = values_for(scenario, surface);
        for (name, variable) in &scenario.variables {
            if is_surface(variable)
                && let Some(v) = personal.get(name)
            {
                values.insert(name.clone(), v.clone());
            }
        }
    }
    let mut instance = scenario.clone();
    if !values.is_empty() {
        instance.for_each_text_mut(&mut |text| {
            if text.contains('{') {
                *text = substitute(text, &values);
            }
        });
    }
    for (name, variable) in &scenario.variables {
        if let Variable::Range {
            sets: Some(fact), ..
        } = variable
        {
            let value: u32 = values[name].parse().unwrap_or_default();
            match fact {
                NumericFact::UsersAffected => instance.impact.users_affected = value,
                NumericFact::DeadlineMinutes => instance.impact.deadline_minutes = Some(value),
                NumericFact::Patience => {
                    instance.client.patience = u8::try_from(value.clamp(1, 5)).unwrap_or(5);
                }
            }
        }
    }
    instance
}

/// Names of the template variables a scenario's text fields use (`{name}`), in order of
/// first use.
pub fn used_variables(scenario: &Scenario) -> Vec<String> {
    let mut names = Vec::new();
    scenario.for_each_text(&mut |text| {
        for name in placeholders(text) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    });
    names
}

/// How many distinct surfaces a scenario has: the product of the choices of the surface
/// variables its text uses (names, sites, IPs, error ids — [`is_surface`]), counted apart
/// from the scenario itself (1: one text). The facts, verdict and scoring are the same in
/// every one. Saturates rather than overflows.
pub fn surface_variants(scenario: &Scenario) -> u64 {
    used_variables(scenario)
        .iter()
        .filter_map(|name| scenario.variables.get(name))
        .filter(|v| is_surface(v))
        .map(|v| match v {
            Variable::Pool(options) => options.len().max(1) as u64,
            Variable::Range { min, max, .. } => u64::from(min.abs_diff(*max)) + 1,
        })
        .fold(1u64, u64::saturating_mul)
}
