//! The routing table: exact address vs domain, case and subdomains, verified or given vs
//! claimed emails, away admins, and the plain-language criteria.

use super::*;

fn directory() -> Directory {
    let person = |id: &str, name: &str, away: bool| Person { id: id.into(), name: name.into(), away };
    let team = |id: &str, name: &str, admins: &[&str]| Team {
        id: id.into(),
        name: name.into(),
        admin_ids: admins.iter().map(|a| (*a).to_owned()).collect(),
    };
    Directory {
        admins: vec![
            person("991001", "Ana Torres", false),
            person("991002", "Ben Okafor", false),
            person("991003", "Chloe Martin", true),
        ],
        teams: vec![
            team("881001", "Support", &["991001", "991002"]),
            team("881002", "Billing", &["991002"]),
            team("881003", "Technical support", &["991003"]),
        ],
    }
}

fn mapping(pattern: &str, kind: TargetKind, id: &str) -> Mapping {
    Mapping { pattern: pattern.into(), assign_to: TargetRef { kind, id: id.into() } }
}

fn mappings() -> Vec<Mapping> {
    vec![
        mapping("example.com", TargetKind::Team, "881002"),
        mapping("Ada@Example.com", TargetKind::Admin, "991001"),
        mapping("@eu.example.com", TargetKind::Team, "881001"),
        mapping("vip.test", TargetKind::Admin, "991003"),
    ]
}

const CRITERIA: &str = "Assign billing conversations to the billing team. \
    Assign technical issues to the technical support team. Route questions about wholesale to Ben.";

struct Case {
    email: Option<&'static str>,
    trusted: bool,
    message: &'static str,
    expected: Option<(TargetKind, &'static str)>,
    why: &'static str,
}

const fn case(
    email: Option<&'static str>,
    trusted: bool,
    message: &'static str,
    expected: Option<(TargetKind, &'static str)>,
    why: &'static str,
) -> Case {
    Case { email, trusted, message, expected, why }
}

const TEAM: TargetKind = TargetKind::Team;
const ADMIN: TargetKind = TargetKind::Admin;

const CASES: &[Case] = &[
    case(
        Some("ada@example.com"),
        true,
        "hello",
        Some((ADMIN, "991001")),
        "an exact address beats its domain",
    ),
    case(Some("ADA@EXAMPLE.COM"), true, "hello", Some((ADMIN, "991001")), "addresses match without case"),
    case(Some("bob@example.com"), true, "hello", Some((TEAM, "881002")), "the domain"),
    case(
        Some("bob@shop.example.com"),
        true,
        "hello",
        Some((TEAM, "881002")),
        "a subdomain is under its domain",
    ),
    case(Some("bob@eu.example.com"), true, "hello", Some((TEAM, "881001")), "the closer domain wins"),
    case(
        Some("bob@paris.eu.example.com"),
        true,
        "hello",
        Some((TEAM, "881001")),
        "the closer domain, deeper",
    ),
    case(Some("bob@notexample.com"), true, "hello", None, "a longer name is not a subdomain"),
    case(Some("bob@example.com.evil.test"), true, "hello", None, "a suffix is not the domain"),
    case(Some("ada@example.com"), false, "hello", None, "a claimed, unverified email is not used"),
    case(
        Some("ada@example.com"),
        false,
        "I was charged twice",
        Some((TEAM, "881002")),
        "unverified: the criteria still apply",
    ),
    case(
        Some("zoe@vip.test"),
        true,
        "hello",
        Some((TEAM, "881003")),
        "an away admin hands over to their team",
    ),
    case(
        Some("bob@example.com"),
        true,
        "the app crashes",
        Some((TEAM, "881002")),
        "a mapping beats the criteria",
    ),
    case(None, false, "Why is my invoice wrong?", Some((TEAM, "881002")), "criteria: billing"),
    case(
        None,
        false,
        "The website shows an error when I log in",
        Some((TEAM, "881003")),
        "criteria: technical",
    ),
    case(None, false, "Do you do wholesale?", Some((ADMIN, "991002")), "criteria: an admin by first name"),
    case(None, false, "How long does shipping take?", None, "no rule matches"),
    case(Some("not-an-email"), true, "hello", None, "a malformed email matches nothing"),
];

#[test]
fn the_routing_table_holds() {
    let directory = directory();
    let criteria = Criteria::parse(CRITERIA);
    let mut wrong = Vec::new();
    for case in CASES {
        let visit = Visit { email: case.email, email_trusted: case.trusted };
        let route = route(visit, &[case.message], &mappings(), &criteria, None, &directory);
        let got = route.as_ref().map(|r| (r.target.kind, r.target.id.as_str()));
        if got != case.expected {
            wrong.push(format!(
                "{} ({:?}, {:?}): expected {:?}, got {route:?}",
                case.why, case.email, case.message, case.expected
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases routed wrongly:\n{}",
        wrong.len(),
        CASES.len(),
        wrong.join("\n")
    );
}

#[test]
fn a_route_says_why() {
    let directory = directory();
    let visit = Visit { email: Some("zoe@vip.test"), email_trusted: true };
    let route = route(visit, &[], &mappings(), &Criteria::default(), None, &directory).expect("routed");
    assert_eq!(
        route.why,
        "The visitor's email zoe@vip.test matches the domain mapping \"vip.test\". Chloe Martin is away, so their team Technical support gets it."
    );
    let by_criteria = super::route(
        Visit { email: None, email_trusted: false },
        &["I was charged twice"],
        &[],
        &Criteria::parse(CRITERIA),
        None,
        &directory,
    )
    .expect("routed");
    assert!(
        by_criteria.why.contains("Assign billing conversations to the billing team"),
        "{}",
        by_criteria.why
    );
    assert!(by_criteria.why.contains("\"charged\""), "{}", by_criteria.why);
    assert_eq!(by_criteria.target.name, "Billing");
}

#[test]
fn an_admin_target_carries_their_team_for_assigning_team_then_admin() {
    let directory = directory();
    let visit = Visit { email: Some("ada@example.com"), email_trusted: true };
    let route = route(visit, &[], &mappings(), &Criteria::default(), None, &directory).expect("routed");
    assert_eq!(route.target.team_id.as_deref(), Some("881001"));
}

#[test]
fn malformed_patterns_and_unknown_targets_are_refused_with_the_culprit_named() {
    let directory = directory();
    for bad in ["", "example", "a b@example.com", "@", "ada@", "example..com", ".example.com", "exa mple.com"]
    {
        let error = check_mapping(&mapping(bad, TEAM, "881001"), &directory).expect_err(bad);
        assert!(matches!(error, RoutingError::Malformed(_)), "{bad}: {error}");
    }
    for good in ["example.com", "@example.com", "ada@example.com", "sub.example.co.uk"] {
        check_mapping(&mapping(good, TEAM, "881001"), &directory).expect(good);
    }
    let error = check_mapping(&mapping("example.com", ADMIN, "404"), &directory).expect_err("unknown admin");
    assert!(error.to_string().contains("404"), "{error}");
    let error =
        Criteria::parse("Assign refunds to the money team.").check(&directory).expect_err("unknown team");
    assert!(error.to_string().contains("\"the money team\""), "{error}");
    assert!(error.to_string().contains("Technical support"), "the known names are listed: {error}");
    Criteria::parse(CRITERIA).check(&directory).expect("all known");
}

#[test]
fn a_models_choice_stands_in_for_the_rules_but_not_for_a_mapping() {
    let directory = directory();
    let criteria = Criteria::parse(CRITERIA);
    let nobody = Visit { email: None, email_trusted: false };
    let chosen =
        route(nobody, &["hello"], &mappings(), &criteria, Some("Ben Okafor"), &directory).expect("routed");
    assert_eq!((chosen.target.kind, chosen.target.id.as_str()), (ADMIN, "991002"));
    assert!(chosen.why.contains("The model"), "{}", chosen.why);
    let unknown = route(nobody, &["I was charged twice"], &mappings(), &criteria, Some("Nobody"), &directory)
        .expect("rules");
    assert_eq!(unknown.target.id, "881002", "an unknown name falls back to the rules");
    let mapped = Visit { email: Some("ada@example.com"), email_trusted: true };
    let mapped =
        route(mapped, &["hello"], &mappings(), &criteria, Some("Ben Okafor"), &directory).expect("routed");
    assert_eq!(mapped.target.id, "991001", "a mapping beats the criteria, however read");
    assert_eq!(target_names(&directory)[0], "Support");
}
