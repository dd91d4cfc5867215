//! Who gets a conversation in the support inbox. Auto-assignment mappings (an exact email address or an
//! email domain → a team or an admin) come first, and an exact address beats a domain; then the
//! plain-language assignment criteria ("Assign billing conversations to the billing team.").
//! Only a verified identity or an email the visitor gave is matched, and an away admin hands
//! over to their team. Pure logic: the workspace's admins and teams are passed in.

use serde::{Deserialize, Serialize};

use crate::triggers::{self, Message, Topic};

/// Someone a conversation can be assigned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A team.
    Team,
    /// A teammate.
    Admin,
}

impl std::fmt::Display for TargetKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Team => "team",
            Self::Admin => "admin",
        })
    }
}

/// A team or admin by id, as mappings store them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRef {
    /// Team or admin.
    #[serde(rename = "type")]
    pub kind: TargetKind,
    /// Its id in the support inbox.
    pub id: String,
}

/// "+ Add mapping": an email address or a domain, and who gets its conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// `ada@example.com`, or a domain: `example.com` (also `@example.com`), which covers its
    /// subdomains.
    #[serde(rename = "match")]
    pub pattern: String,
    /// Who gets the conversation.
    pub assign_to: TargetRef,
}

/// The workspace's people, as routing needs them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Directory {
    /// The admins.
    pub admins: Vec<Person>,
    /// The teams.
    pub teams: Vec<Team>,
}

/// An admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether it is away.
    pub away: bool,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its members.
    pub admin_ids: Vec<String>,
}

/// Where a conversation goes, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The team or admin.
    pub target: Target,
    /// The reason, for the preview and the handoff record.
    pub why: String,
}

/// A resolved team or admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// Team or admin.
    #[serde(rename = "type")]
    pub kind: TargetKind,
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// For an admin, the team to assign first, if they are in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<String>,
}

/// What is known of the conversation being routed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visit<'a> {
    /// The visitor's email.
    pub email: Option<&'a str>,
    /// Whether it may be used: a verified identity, or an address the visitor gave.
    pub email_trusted: bool,
}

/// Why a mapping or the criteria cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoutingError {
    /// A mapping's pattern is neither an address nor a domain.
    #[error("`{0}` is neither an email address nor a domain like example.com")]
    Malformed(String),
    /// A mapping names an id the workspace does not have.
    #[error("mapping `{pattern}` assigns to {kind} {id}, which the workspace does not have")]
    UnknownId {
        /// The mapping.
        pattern: String,
        /// Team or admin.
        kind: TargetKind,
        /// The id.
        id: String,
    },
    /// The criteria name someone the workspace does not have.
    #[error("the assignment criteria name \"{name}\", but the workspace has no such team or admin (it has {known})")]
    UnknownName {
        /// The name as written.
        name: String,
        /// The names there are.
        known: String,
    },
}

/// One sentence of the assignment criteria: the topics it names and who gets them.
#[derive(Debug, Clone, PartialEq)]
struct Criterion {
    sentence: String,
    topics: Vec<Topic>,
    target: String,
}

/// Plain-language assignment criteria turned into rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Criteria {
    rules: Vec<Criterion>,
}

/// Every name a model may choose among: the teams, then the admins.
pub fn target_names(directory: &Directory) -> Vec<String> {
    directory
        .teams
        .iter()
        .map(|t| t.name.clone())
        .chain(directory.admins.iter().map(|a| a.name.clone()))
        .collect()
}

impl Criteria {
    /// Reads sentences like "Assign billing conversations to the billing team." — what comes
    /// between the verb and the last "to" names the topics, what follows names the target.
    pub fn parse(text: &str) -> Self {
        const VERBS: &[&str] = &["assign", "route", "send", "give", "pass"];
        let rules = text
            .split(['.', ';', '\n'])
            .filter_map(|sentence| {
                let lower = sentence.trim().to_lowercase();
                let verb = VERBS.iter().find(|verb| lower.starts_with(*verb))?;
                let (what, target) = lower[verb.len()..].rsplit_once(" to ")?;
                let topics = triggers::topics(what);
                let target = target.trim().to_owned();
                (!topics.is_empty() && !target.is_empty()).then(|| Criterion {
                    sentence: sentence.trim().to_owned(),
                    topics,
                    target,
                })
            })
            .collect();
        Self { rules }
    }

    /// Checks that every target the criteria name exists in `directory`.
    pub fn check(&self, directory: &Directory) -> Result<(), RoutingError> {
        for rule in &self.rules {
            if by_name(directory, &rule.target).is_none() {
                let mut known: Vec<&str> = directory.teams.iter().map(|t| t.name.as_str()).collect();
                known.extend(directory.admins.iter().map(|a| a.name.as_str()));
                return Err(RoutingError::UnknownName { name: rule.target.clone(), known: known.join(", ") });
            }
        }
        Ok(())
    }
}

/// Checks a mapping's pattern and target against `directory`.
pub fn check_mapping(mapping: &Mapping, directory: &Directory) -> Result<(), RoutingError> {
    pattern(&mapping.pattern).ok_or_else(|| RoutingError::Malformed(mapping.pattern.clone()))?;
    let TargetRef { kind, id } = &mapping.assign_to;
    let exists = match kind {
        TargetKind::Team => directory.teams.iter().any(|team| team.id == *id),
        TargetKind::Admin => directory.admins.iter().any(|admin| admin.id == *id),
    };
    if exists {
        Ok(())
    } else {
        Err(RoutingError::UnknownId { pattern: mapping.pattern.clone(), kind: *kind, id: id.clone() })
    }
}

/// Checks only the shape of a mapping's pattern, for when the workspace cannot be asked.
pub fn check_pattern(mapping: &Mapping) -> Result<(), RoutingError> {
    pattern(&mapping.pattern).map(|_| ()).ok_or_else(|| RoutingError::Malformed(mapping.pattern.clone()))
}

/// A mapping's pattern: an address, or a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Address(String),
    Domain(String),
}

fn pattern(text: &str) -> Option<Pattern> {
    let text = text.trim().to_lowercase();
    let domain_ok = |domain: &str| {
        domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
    };
    match text.split_once('@') {
        Some(("", domain)) if domain_ok(domain) => Some(Pattern::Domain(domain.to_owned())),
        Some((local, domain))
            if !local.is_empty() && !local.contains(char::is_whitespace) && domain_ok(domain) =>
        {
            Some(Pattern::Address(text))
        }
        None if domain_ok(&text) => Some(Pattern::Domain(text)),
        _ => None,
    }
}

/// Routes a conversation: mappings on the visitor's email first (an exact address beats a
/// domain, a closer domain beats a wider one), then the criteria — as a model read them
/// (`chosen`, a team or admin name) when it did, else by the rules their text gives, on what
/// the visitor wrote.
pub fn route(
    visit: Visit<'_>,
    messages: &[&str],
    mappings: &[Mapping],
    criteria: &Criteria,
    chosen: Option<&str>,
    directory: &Directory,
) -> Option<Route> {
    if let Some(route) = by_mapping(visit, mappings, directory) {
        return Some(route);
    }
    if let Some(target) = chosen.and_then(|name| by_name(directory, name)) {
        let why = format!("The model read the assignment criteria and chose {}.", target.name);
        return Some(available(target, why, directory));
    }
    let read: Vec<Message> = messages.iter().map(|text| Message::read(text)).collect();
    criteria.rules.iter().find_map(|rule| {
        let (topic, words) = rule
            .topics
            .iter()
            .find_map(|topic| read.iter().find_map(|m| topic.found_in(m)).map(|w| (topic, w)))?;
        let target = by_name(directory, &rule.target)?;
        let why = format!(
            "The assignment criteria say \"{}\": the visitor wrote about {} (\"{}\").",
            rule.sentence,
            topic.name,
            words.join("\", \"")
        );
        Some(available(target, why, directory))
    })
}

fn by_mapping(visit: Visit<'_>, mappings: &[Mapping], directory: &Directory) -> Option<Route> {
    let email = visit.email.filter(|_| visit.email_trusted)?.trim().to_lowercase();
    let (_, domain) = email.split_once('@')?;
    let exact = mappings.iter().find(|m| pattern(&m.pattern) == Some(Pattern::Address(email.clone())));
    let by_domain = || {
        mappings
            .iter()
            .filter_map(|m| match pattern(&m.pattern) {
                Some(Pattern::Domain(d)) if domain == d || domain.ends_with(&format!(".{d}")) => {
                    Some((d.len(), m))
                }
                _ => None,
            })
            .max_by_key(|(length, _)| *length)
            .map(|(_, m)| m)
    };
    let (mapping, how) = match exact {
        Some(mapping) => (mapping, "the address"),
        None => (by_domain()?, "the domain"),
    };
    let target = by_id(directory, &mapping.assign_to)?;
    let why = format!("The visitor's email {email} matches {how} mapping \"{}\".", mapping.pattern.trim());
    Some(available(target, why, directory))
}

/// The target, or an away admin's team in their place.
fn available(target: Target, why: String, directory: &Directory) -> Route {
    let away = target.kind == TargetKind::Admin
        && directory.admins.iter().any(|admin| admin.id == target.id && admin.away);
    match (away, target.team_id.as_ref().and_then(|id| directory.teams.iter().find(|t| t.id == *id))) {
        (true, Some(team)) => Route {
            why: format!("{why} {} is away, so their team {} gets it.", target.name, team.name),
            target: Target {
                kind: TargetKind::Team,
                id: team.id.clone(),
                name: team.name.clone(),
                team_id: None,
            },
        },
        _ => Route { target, why },
    }
}

fn by_id(directory: &Directory, target: &TargetRef) -> Option<Target> {
    match target.kind {
        TargetKind::Team => directory.teams.iter().find(|t| t.id == target.id).map(team),
        TargetKind::Admin => directory.admins.iter().find(|a| a.id == target.id).map(|a| admin(a, directory)),
    }
}

/// A team or admin by the name the criteria use: "the billing team" is the team "Billing",
/// "Ana" the only admin called Ana.
fn by_name(directory: &Directory, name: &str) -> Option<Target> {
    let wanted = normalise(name);
    if let Some(found) = directory.teams.iter().find(|t| normalise(&t.name) == wanted) {
        return Some(team(found));
    }
    if let Some(found) = directory.admins.iter().find(|a| normalise(&a.name) == wanted) {
        return Some(admin(found, directory));
    }
    let first_names: Vec<&Person> = directory
        .admins
        .iter()
        .filter(|a| a.name.split_whitespace().next().is_some_and(|first| first.to_lowercase() == wanted))
        .collect();
    match first_names.as_slice() {
        [only] => Some(admin(only, directory)),
        _ => None,
    }
}

fn team(team: &Team) -> Target {
    Target { kind: TargetKind::Team, id: team.id.clone(), name: team.name.clone(), team_id: None }
}

fn admin(person: &Person, directory: &Directory) -> Target {
    let team_id = directory.teams.iter().find(|t| t.admin_ids.contains(&person.id)).map(|t| t.id.clone());
    Target { kind: TargetKind::Admin, id: person.id.clone(), name: person.name.clone(), team_id }
}

/// A name without case, articles or a trailing "team".
fn normalise(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().filter(|w| !matches!(*w, "the" | "our" | "a")).collect();
    let words = match words.as_slice() {
        [rest @ .., "team"] if !rest.is_empty() => rest,
        all => all,
    };
    words.join(" ")
}

#[cfg(test)]
mod tests;
