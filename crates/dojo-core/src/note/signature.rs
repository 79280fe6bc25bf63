//! The pack's precomputed word stems of its fixed scenario texts.

use std::collections::HashMap;

use crate::scenario::Scenario;

use super::text::raw_signature;

/// The raw stems of a pack's fixed texts — step labels and findings, fix labels and
/// outcomes, event messages, business functions, requester roles, root-cause areas — that
/// hold no template placeholder, computed once when the pack is built, like the KB
/// index. A text not in the cache (a filled-in template, an edited scenario) is read on
/// the spot, so the cache only ever saves time, never changes a score.
#[derive(Debug, Clone, Default)]
pub struct SignatureCache(HashMap<String, Vec<u64>>);

impl SignatureCache {
    /// Reads every fixed text of the scenarios.
    pub fn new<'a>(scenarios: impl IntoIterator<Item = &'a Scenario>) -> SignatureCache {
        let mut map = HashMap::new();
        for scenario in scenarios {
            for text in fixed_texts(scenario).filter(|t| !t.contains('{')) {
                if !map.contains_key(text) {
                    map.insert(text.to_string(), raw_signature(text));
                }
            }
        }
        SignatureCache(map)
    }

    /// The cached raw stems of a text.
    pub fn get(&self, text: &str) -> Option<&[u64]> {
        self.0.get(text).map(Vec::as_slice)
    }

    /// Number of texts read.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn fixed_texts(scenario: &Scenario) -> impl Iterator<Item = &str> {
    scenario
        .steps
        .iter()
        .flat_map(|s| [s.label.as_str(), s.reveals.as_str()])
        .chain(
            scenario
                .fixes
                .iter()
                .flat_map(|f| [f.label.as_str(), f.outcome.as_str()]),
        )
        .chain(scenario.events.iter().map(|e| e.message.as_str()))
        .chain(scenario.environment.iter().map(String::as_str))
        .chain([
            scenario.impact.business_function.as_str(),
            scenario.requester.role.as_str(),
            scenario.root_cause.area.as_str(),
            scenario.ticket_text.as_str(),
        ])
        .chain(scenario.security_indicator.as_deref())
}
