//! Knowledge-base articles: their model and the free-text search L1 uses.
//!
//! Plain data and pure functions; no Bevy types.

use serde::{Deserialize, Serialize};

/// A KB article as written by a training manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KbArticle {
    /// Unique id across the pack, e.g. `kb-vpn-809`.
    pub id: String,
    /// Title as shown in search results.
    pub title: String,
    /// Ticket types (policy keys) the article applies to.
    #[serde(default)]
    pub ticket_types: Vec<String>,
    /// Search keywords (error codes, product names, symptoms).
    pub keywords: Vec<String>,
    /// The article text: symptoms, cause, scope.
    pub body: String,
    /// The documented procedure, one instruction per entry, in order.
    pub procedure: Vec<String>,
    /// When to stop and escalate instead.
    #[serde(default)]
    pub escalate_when: Vec<String>,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KbHit {
    /// The article id.
    pub id: String,
    /// The article title.
    pub title: String,
    /// Relevance score; higher is better.
    pub score: u32,
}

/// Lower-cased alphanumeric words of a text.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Ranks articles against a free-text query: keyword hits weigh most, then title, then
/// body words. Ties keep the id order, so the ranking is deterministic.
pub fn search<'a>(articles: impl IntoIterator<Item = &'a KbArticle>, query: &str) -> Vec<KbHit> {
    let terms = words(query);
    if terms.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<KbHit> = articles
        .into_iter()
        .filter_map(|article| {
            let keywords: Vec<String> = article.keywords.iter().flat_map(|k| words(k)).collect();
            let title = words(&article.title);
            let body = words(&article.body);
            let score: u32 = terms
                .iter()
                .map(|term| {
                    let mut s = 0;
                    if keywords.contains(term) {
                        s += 5;
                    }
                    if title.contains(term) {
                        s += 3;
                    }
                    if body.contains(term) {
                        s += 1;
                    }
                    s
                })
                .sum();
            (score > 0).then(|| KbHit {
                id: article.id.clone(),
                title: article.title.clone(),
                score,
            })
        })
        .collect();
    hits.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    hits
}
