//! Path templates: which of the description's paths a concrete request path is.

/// One segment of a path template.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    /// Must equal the request's segment. Ordered before `Param`, so literal beats templated.
    Literal(String),
    /// `{name}`: any non-empty segment.
    Param,
}

/// A path template such as `/conversations/{conversation_id}/reply`.
#[derive(Debug)]
pub(crate) struct Template {
    segments: Vec<Segment>,
}

impl Template {
    /// Parses a template; a segment is a parameter only when it is wholly `{…}`, which is how
    /// every path in Intercom's description is written.
    pub(crate) fn parse(template: &str) -> Template {
        let segments = split(template)
            .map(|segment| {
                if segment.len() > 2 && segment.starts_with('{') && segment.ends_with('}') {
                    Segment::Param
                } else {
                    Segment::Literal(segment.to_owned())
                }
            })
            .collect();
        Template { segments }
    }

    /// Whether `path` (already stripped of its query) is an instance of this template.
    fn matches(&self, path: &str) -> bool {
        let mut given = split(path);
        let all_match = self.segments.iter().all(|segment| match (segment, given.next()) {
            (Segment::Literal(literal), Some(given)) => literal == given,
            (Segment::Param, Some(given)) => !given.is_empty(),
            (_, None) => false,
        });
        all_match && given.next().is_none()
    }
}

/// Of `templates`, the index of the most specific one that `path` matches.
///
/// A query string or fragment is ignored. When several match, the one with a literal at the first
/// segment where they differ wins, so `/contacts/search` is never `/contacts/{contact_id}`.
pub(crate) fn best_match<'a>(templates: impl IntoIterator<Item = &'a Template>, path: &str) -> Option<usize> {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    templates
        .into_iter()
        .enumerate()
        .filter(|(_, template)| template.matches(path))
        .min_by(|(_, a), (_, b)| a.segments.cmp(&b.segments))
        .map(|(index, _)| index)
}

/// The segments after the leading `/`.
fn split(path: &str) -> impl Iterator<Item = &str> {
    path.strip_prefix('/').unwrap_or(path).split('/')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pick(templates: &[&str], path: &str) -> Option<String> {
        let parsed: Vec<Template> = templates.iter().map(|template| Template::parse(template)).collect();
        best_match(&parsed, path).map(|index| templates[index].to_owned())
    }

    const TEMPLATES: &[&str] = &[
        "/contacts/{contact_id}",
        "/contacts/search",
        "/contacts",
        "/conversations/{conversation_id}/reply",
        "/conversations/{conversation_id}/parts",
        "/conversations/{id}",
        "/me",
    ];

    #[test]
    fn a_concrete_id_matches_its_template() {
        assert_eq!(
            pick(TEMPLATES, "/conversations/123/reply").as_deref(),
            Some("/conversations/{conversation_id}/reply")
        );
        assert_eq!(pick(TEMPLATES, "/conversations/123").as_deref(), Some("/conversations/{id}"));
    }

    #[test]
    fn a_literal_segment_beats_a_parameter() {
        assert_eq!(pick(TEMPLATES, "/contacts/search").as_deref(), Some("/contacts/search"));
        assert_eq!(pick(TEMPLATES, "/contacts/abc").as_deref(), Some("/contacts/{contact_id}"));
    }

    #[test]
    fn the_query_string_is_ignored() {
        assert_eq!(pick(TEMPLATES, "/contacts/search?per_page=5").as_deref(), Some("/contacts/search"));
        assert_eq!(pick(TEMPLATES, "/me?x=1#top").as_deref(), Some("/me"));
    }

    #[test]
    fn extra_missing_or_empty_segments_do_not_match() {
        assert_eq!(pick(TEMPLATES, "/me/too"), None);
        assert_eq!(pick(TEMPLATES, "/conversations//reply"), None);
        assert_eq!(pick(TEMPLATES, "/contacts/"), None);
        assert_eq!(pick(TEMPLATES, "/nowhere"), None);
        assert_eq!(pick(TEMPLATES, ""), None);
    }
}
