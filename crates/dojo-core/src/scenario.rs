//! The scenario model: what a training manager writes in a scenario RON file.
//!
//! Plain data with serde; no Bevy types. Unknown fields are rejected so a typo in a
//! scenario never passes silently. The format is documented in `docs/scenario-format.md`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Who the framework says should own the ticket, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Owner {
    /// L1 resolves it: it has the tools, the access and a documented procedure.
    ResolveAtL1,
    /// L1 escalates to L2 with a complete escalation note.
    EscalateToL2,
    /// Escalate immediately as a security incident: no ownership window, no checks first.
    EscalateSecurity,
}

impl Owner {
    /// A short human label.
    pub fn label(self) -> &'static str {
        match self {
            Owner::ResolveAtL1 => "resolve at L1",
            Owner::EscalateToL2 => "escalate to L2",
            Owner::EscalateSecurity => "escalate immediately as a security incident",
        }
    }
}

/// Revenue or reputational risk of extended downtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Level {
    /// Little harm if it waits.
    Low,
    /// Noticeable harm.
    Medium,
    /// Serious harm.
    High,
    /// Business-stopping harm.
    Critical,
}

/// How the client raised the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Channel {
    /// E-mail to the service desk.
    Email,
    /// Phone call.
    Phone,
    /// Self-service portal.
    Portal,
    /// Chat.
    Chat,
    /// An alert from monitoring (RMM, SIEM).
    Monitoring,
}

/// The person who raised the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requester {
    /// Name; may use template variables like `{first_name}`.
    pub name: String,
    /// Job title or role.
    pub role: String,
    /// A VIP (executive, partner, key contact).
    #[serde(default)]
    pub vip: bool,
}

/// The client organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Client {
    /// Organisation name.
    pub org: String,
    /// Patience from 1 (about to escalate to your account manager) to 5 (relaxed).
    pub patience: u8,
}

/// The business-impact facts of a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Impact {
    /// How many users are affected.
    pub users_affected: u32,
    /// Which business function is hit (display text, e.g. "Payroll").
    pub business_function: String,
    /// How critical that function is to the client.
    pub function_criticality: Level,
    /// Revenue or reputational risk of extended downtime.
    pub risk: Level,
    /// Minutes from the ticket's arrival until harm lands (a meeting, a filing), if any.
    #[serde(default)]
    pub deadline_minutes: Option<u32>,
    /// Sites (offices, branches) affected; 1 unless said. The policy's scope rules read it.
    #[serde(default = "one")]
    pub sites_affected: u32,
    /// Systems failing (printing, logins, file shares …); 1 unless said. Several make a
    /// multi-system failure by the policy's scope rules.
    #[serde(default = "one")]
    pub systems_affected: u32,
    /// For a security incident: what is exposed (the rubric in docs/scenario-format.md:
    /// Low nothing sensitive … Critical admin rights, payments, tenant-wide access).
    #[serde(default)]
    pub exposure: Option<Level>,
}

fn one() -> u32 {
    1
}

/// What L1 has for this ticket: the three parts of the ownership rule. A ticket that is a
/// security incident from arrival leaves it out (nothing, which L1 does not need).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct L1Has {
    /// L1 has the tools (console, remote tool, admin centre view) it needs.
    pub tools: bool,
    /// L1 has the access rights the fix needs.
    pub access: bool,
    /// The KB article documenting the resolution path, if one exists.
    pub runbook: Option<String>,
}

/// The hidden truth of the ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootCause {
    /// One sentence a trainer would say.
    pub summary: String,
    /// The area a good hypothesis names (e.g. "home router", "GPO", "DNS").
    pub area: String,
    /// Words that, in a hypothesis, show the trainee has found the area.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// What kind of finding a step reveals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FindingKind {
    /// An exact error message.
    ErrorText,
    /// A log line or event-log entry.
    LogLine,
    /// Something that works.
    Works,
    /// Something that does not work.
    DoesNotWork,
    /// A recent change on the affected system.
    RecentChange,
    /// Anything else observed.
    Observation,
}

/// How a diagnostic step is carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum StepKind {
    /// L1 checks something itself (a console, a log, a command).
    #[default]
    Check,
    /// L1 asks the client something.
    AskClient,
}

/// A diagnostic step L1 can take.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Unique within the scenario.
    pub id: String,
    /// What the button says.
    pub label: String,
    /// Sim minutes it costs.
    pub minutes: u32,
    /// Check or ask the client.
    #[serde(default)]
    pub kind: StepKind,
    /// The finding it reveals, as L1 would see it.
    pub reveals: String,
    /// What kind of finding that is.
    pub finding: FindingKind,
    /// True when this finding points at the root cause.
    #[serde(default)]
    pub reveals_cause: bool,
    /// Fact changes the finding brings (e.g. a clear cause means a runbook now applies).
    #[serde(default)]
    pub changes: Vec<FactChange>,
}

/// Special rights a fix needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Requirement {
    /// Admin rights on a server, tenant or domain.
    Admin,
    /// A change to a policy (GPO, conditional access, firewall rule).
    PolicyChange,
}

/// A fix L1 can try.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fix {
    /// Unique within the scenario.
    pub id: String,
    /// What the button says.
    pub label: String,
    /// Sim minutes it costs.
    pub minutes: u32,
    /// Special rights it needs; an L1 without `access` is refused.
    #[serde(default)]
    pub requires: Vec<Requirement>,
    /// True when it actually resolves the root cause.
    pub resolves: bool,
    /// What L1 sees after applying it.
    pub outcome: String,
}

/// When a scripted event fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Trigger {
    /// At this sim minute after the ticket arrived, whatever L1 is doing.
    AtMinute(u32),
    /// At this sim minute, only if the ticket is still open at L1.
    IfOpenAt(u32),
    /// Right after L1 runs this step.
    AfterStep(String),
    /// Right after L1 applies this fix.
    AfterFix(String),
}

/// What kind of scripted event it is (for the UI and coaching text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventKind {
    /// The client chases the ticket.
    ClientFollowUp,
    /// Another user reports the same problem.
    SecondUserReport,
    /// The error changes.
    ErrorChanged,
    /// A deadline is getting close.
    DeadlineNear,
    /// Something suspicious appears.
    SecurityIndicator,
    /// Anything else.
    Other,
}

/// One change to the facts of a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FactChange {
    /// The ticket turns out to be of another type (a key in the policy).
    TicketType(String),
    /// Number of users affected.
    UsersAffected(u32),
    /// Number of sites affected.
    SitesAffected(u32),
    /// Number of systems failing.
    SystemsAffected(u32),
    /// What a security incident exposes.
    Exposure(Level),
    /// Criticality of the affected business function.
    FunctionCriticality(Level),
    /// Revenue or reputational risk.
    Risk(Level),
    /// Minutes from arrival until harm lands.
    Deadline(Option<u32>),
    /// The requester is (or turns out to be) a VIP.
    Vip(bool),
    /// Client patience, 1–5.
    Patience(u8),
    /// Whether L1 has the tools.
    Tools(bool),
    /// Whether L1 has the access.
    Access(bool),
    /// The documented procedure that now applies (or none).
    Runbook(Option<String>),
    /// A security indicator becomes visible; the text is what L1 sees.
    SecurityIndicator(String),
    /// The current error text changes.
    ErrorText(String),
}

/// A scripted event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScriptedEvent {
    /// Unique within the scenario.
    pub id: String,
    /// When it fires.
    pub trigger: Trigger,
    /// What kind of event it is.
    pub kind: EventKind,
    /// What L1 sees (a toast, a new message on the ticket).
    pub message: String,
    /// How the facts change.
    #[serde(default)]
    pub changes: Vec<FactChange>,
}

/// What the author expects the right handling to be. `dojo validate` checks it
/// against the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// The right owner once every event and step has played out.
    pub owner: Owner,
    /// The fix that resolves it at L1, if the owner is L1.
    #[serde(default)]
    pub fix: Option<String>,
    /// The author's reasoning, shown in the debrief.
    pub rationale: String,
}

/// A template variable filled from the seed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Variable {
    /// Pick one of these strings.
    Pool(Vec<String>),
    /// Pick an integer in `min..=max`; `sets` binds it to a fact.
    Range {
        /// Smallest value.
        min: u32,
        /// Largest value.
        max: u32,
        /// The fact the value sets, if any.
        #[serde(default)]
        sets: Option<NumericFact>,
    },
}

/// Numeric facts a template range can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NumericFact {
    /// `impact.users_affected`.
    UsersAffected,
    /// `impact.deadline_minutes`.
    DeadlineMinutes,
    /// `client.patience`.
    Patience,
}

/// A ticket scenario as written by a training manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Unique id across the pack, kebab-case.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// A key into the policy's ticket types.
    pub ticket_type: String,
    /// Free tags for shift selection and drills.
    #[serde(default)]
    pub tags: Vec<String>,
    /// 1 (first week) to 5 (seasoned L1).
    pub difficulty: u8,
    /// The client organisation and its patience.
    pub client: Client,
    /// Who raised it.
    pub requester: Requester,
    /// How it came in.
    pub channel: Channel,
    /// The ticket text exactly as the client wrote or said it.
    pub ticket_text: String,
    /// The error text L1 sees at the start, if the client gave one.
    #[serde(default)]
    pub initial_error: Option<String>,
    /// Environment details (OS, versions, network).
    #[serde(default)]
    pub environment: Vec<String>,
    /// The impact facts at arrival.
    pub impact: Impact,
    /// What L1 has for this ticket at arrival (may be left out on a ticket that is a
    /// security incident from arrival).
    #[serde(default)]
    pub l1_has: L1Has,
    /// A security indicator already visible at arrival (rare: most appear later).
    #[serde(default)]
    pub security_indicator: Option<String>,
    /// Steps L1 must take before an escalation is justified (ids of `steps`).
    #[serde(default)]
    pub minimum_checks: Vec<String>,
    /// The hidden truth.
    pub root_cause: RootCause,
    /// Diagnostic steps (a security incident from arrival needs none).
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Fixes L1 can try.
    #[serde(default)]
    pub fixes: Vec<Fix>,
    /// Scripted events.
    #[serde(default)]
    pub events: Vec<ScriptedEvent>,
    /// The author's expected outcome.
    pub expected: Expected,
    /// Template variables, by name.
    #[serde(default)]
    pub variables: BTreeMap<String, Variable>,
    /// True when template variants may legitimately change the verdict.
    #[serde(default)]
    pub verdict_may_vary: bool,
    /// The KB articles this scenario cites, as the pack resolved them (kind, types,
    /// conditions). Not written by authors: the pack loader and the validator fill it
    /// from the KB ([`Scenario::resolve_kb`]). A cited id missing here is judged as a
    /// resolution procedure with no conditions (the validator reports it missing).
    #[serde(skip)]
    pub runbooks: BTreeMap<String, crate::kb::ArticleScope>,
}

impl Scenario {
    /// The step with this id.
    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    /// The fix with this id.
    pub fn fix(&self, id: &str) -> Option<&Fix> {
        self.fixes.iter().find(|f| f.id == id)
    }

    /// The event with this id.
    pub fn event(&self, id: &str) -> Option<&ScriptedEvent> {
        self.events.iter().find(|e| e.id == id)
    }

    /// Every KB id the scenario cites: `l1_has.runbook` and `Runbook(Some(..))` changes.
    pub fn cited_articles(&self) -> Vec<String> {
        let changes = self
            .steps
            .iter()
            .flat_map(|s| &s.changes)
            .chain(self.events.iter().flat_map(|e| &e.changes));
        let mut ids: Vec<String> = self.l1_has.runbook.iter().cloned().collect();
        for change in changes {
            if let FactChange::Runbook(Some(id)) = change
                && !ids.contains(id)
            {
                ids.push(id.clone());
            }
        }
        ids
    }

    /// Fills [`Scenario::runbooks`] from the KB articles known (by id).
    pub fn resolve_kb(&mut self, kb: &BTreeMap<String, crate::kb::KbArticle>) {
        self.runbooks = self
            .cited_articles()
            .into_iter()
            .filter_map(|id| kb.get(&id).map(|a| (id, a.scope())))
            .collect();
    }
}

/// Generates a visitor over every free-text field of a scenario, for `&` or `&mut`.
macro_rules! text_visitor {
    ($name:ident, $($mut_:tt)?) => {
        /// Visits every free-text field a template variable may appear in, in a fixed order.
        pub fn $name(&$($mut_)? self, f: &mut dyn FnMut(&$($mut_)? String)) {
            fn change_text(change: &$($mut_)? FactChange, f: &mut dyn FnMut(&$($mut_)? String)) {
                match change {
                    FactChange::SecurityIndicator(s) | FactChange::ErrorText(s) => f(s),
                    _ => {}
                }
            }
            f(&$($mut_)? self.title);
            f(&$($mut_)? self.client.org);
            f(&$($mut_)? self.requester.name);
            f(&$($mut_)? self.requester.role);
            f(&$($mut_)? self.ticket_text);
            if let Some(e) = &$($mut_)? self.initial_error {
                f(e);
            }
            for e in &$($mut_)? self.environment {
                f(e);
            }
            f(&$($mut_)? self.impact.business_function);
            if let Some(s) = &$($mut_)? self.security_indicator {
                f(s);
            }
            f(&$($mut_)? self.root_cause.summary);
            for step in &$($mut_)? self.steps {
                f(&$($mut_)? step.label);
                f(&$($mut_)? step.reveals);
                for change in &$($mut_)? step.changes {
                    change_text(change, f);
                }
            }
            for fix in &$($mut_)? self.fixes {
                f(&$($mut_)? fix.label);
                f(&$($mut_)? fix.outcome);
            }
            for event in &$($mut_)? self.events {
                f(&$($mut_)? event.message);
                for change in &$($mut_)? event.changes {
                    change_text(change, f);
                }
            }
            f(&$($mut_)? self.expected.rationale);
        }
    };
}

impl Scenario {
    text_visitor!(for_each_text_mut, mut);
    text_visitor!(for_each_text,);
}
