//! Knowledge-base articles: their model and the free-text search L1 uses.
//!
//! Plain data and pure functions; no Bevy types.

use serde::{Deserialize, Serialize};

/// What an article is: the framework's "documented procedure" is a resolution path; a
/// triage checklist only tells L1 what to check before handing the ticket on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArticleKind {
    /// A known resolution path: with tools and access, L1 owns a ticket it covers.
    Resolution,
    /// First checks and when to escalate: L1 holds a ticket it covers up to the ticket
    /// type's window, runs the checks, then escalates (before the window is on time, at
    /// the window it is due). Not a documented resolution path.
    TriageChecklist,
}

/// The conditions under which an article applies, besides its ticket types. `None`
/// means no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Covers {
    /// At most this many users affected (`Some(1)`: one device / one user).
    #[serde(default)]
    pub max_users: Option<u32>,
    /// At most this many sites affected.
    #[serde(default)]
    pub max_sites: Option<u32>,
    /// At most this many systems failing.
    #[serde(default)]
    pub max_systems: Option<u32>,
}

/// What the engine needs to know of an article a scenario cites: its kind, the ticket
/// types and the conditions it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleScope {
    /// Resolution procedure or triage checklist.
    pub kind: ArticleKind,
    /// Ticket types (policy keys) covered; empty = any.
    pub ticket_types: Vec<String>,
    /// Conditions covered.
    pub covers: Covers,
}

impl ArticleScope {
    /// Why the article does not cover a ticket of this type with these counts, if it
    /// does not (`None` when it covers it).
    pub fn not_covering(
        &self,
        ticket_type: &str,
        users: u32,
        sites: u32,
        systems: u32,
    ) -> Option<String> {
        if !self.ticket_types.is_empty() && !self.ticket_types.iter().any(|t| t == ticket_type) {
            return Some(format!(
                "it covers ticket types {}, not `{ticket_type}`",
                self.ticket_types.join(", ")
            ));
        }
        let limits = [
            (self.covers.max_users, users, "user(s)"),
            (self.covers.max_sites, sites, "site(s)"),
            (self.covers.max_systems, systems, "system(s)"),
        ];
        limits.iter().find_map(|(max, n, what)| match max {
            Some(max) if n > max => Some(format!(
                "it covers at most {max} {what} and {n} are affected"
            )),
            _ => None,
        })
    }
}

/// A KB article as written by a training manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KbArticle {
    /// Unique id across the pack, e.g. `kb-vpn-809`.
    pub id: String,
    /// Title as shown in search results.
    pub title: String,
    /// A resolution procedure or a triage checklist.
    pub kind: ArticleKind,
    /// Ticket types (policy keys) the article applies to.
    #[serde(default)]
    pub ticket_types: Vec<String>,
    /// The conditions it covers (e.g. `(max_users: Some(1))`: one device).
    #[serde(default)]
    pub covers: Covers,
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

impl KbArticle {
    /// What the engine needs of it.
    pub fn scope(&self) -> ArticleScope {
        ArticleScope {
            kind: self.kind,
            ticket_types: self.ticket_types.clone(),
            covers: self.covers.clone(),
        }
    }
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
