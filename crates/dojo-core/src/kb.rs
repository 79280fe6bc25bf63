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

/// The words of one article, lower-cased, sorted and de-duplicated once, so a search
/// costs a few binary searches per article.
#[derive(Debug, Clone, Default)]
struct IndexedArticle {
    id: String,
    title: String,
    keywords: Vec<u64>,
    title_words: Vec<u64>,
    body_words: Vec<u64>,
}

/// A search index over a set of articles (built once per pack).
#[derive(Debug, Clone, Default)]
pub struct KbIndex {
    articles: Vec<IndexedArticle>,
}

/// A word as a number (FNV-1a of its lower-cased form): the index compares numbers.
fn word_key(word: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

fn sorted_words(text: &str) -> Vec<u64> {
    let mut w: Vec<u64> = words(text).iter().map(|w| word_key(w)).collect();
    w.sort_unstable();
    w.dedup();
    w
}

impl KbIndex {
    /// Indexes articles.
    pub fn new<'a>(articles: impl IntoIterator<Item = &'a KbArticle>) -> Self {
        KbIndex {
            articles: articles
                .into_iter()
                .map(|a| IndexedArticle {
                    id: a.id.clone(),
                    title: a.title.clone(),
                    keywords: sorted_words(&a.keywords.join(" ")),
                    title_words: sorted_words(&a.title),
                    body_words: sorted_words(&a.body),
                })
                .collect(),
        }
    }

    /// Ranks the articles against a free-text query: keyword hits weigh most, then
    /// title, then body words. Ties keep the id order, so the ranking is deterministic.
    pub fn search(&self, query: &str) -> Vec<KbHit> {
        let terms: Vec<u64> = words(query).iter().map(|w| word_key(w)).collect();
        if terms.is_empty() {
            return Vec::new();
        }
        let has = |list: &[u64], term: &u64| list.binary_search(term).is_ok();
        let mut hits: Vec<KbHit> = self
            .articles
            .iter()
            .filter_map(|a| {
                let score: u32 = terms
                    .iter()
                    .map(|t| {
                        5 * u32::from(has(&a.keywords, t))
                            + 3 * u32::from(has(&a.title_words, t))
                            + u32::from(has(&a.body_words, t))
                    })
                    .sum();
                (score > 0).then(|| KbHit {
                    id: a.id.clone(),
                    title: a.title.clone(),
                    score,
                })
            })
            .collect();
        hits.sort_by(|a, b| b.score.cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        hits
    }
}
