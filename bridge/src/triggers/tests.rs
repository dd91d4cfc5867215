//! The decision table: visitor messages against three instruction sets, with the expected rule
//! (or none). Near misses are here on purpose, each with the reason for its expected decision.

use super::*;

/// The example from the product brief.
const SUPPORT: &str =
    "Hand off when the user asks to speak with a human, when the issue involves billing or \
    account cancellation, or when the agent has failed to resolve the issue after two attempts.";

/// A shop that cares about deliveries and tone.
const DELIVERIES: &str = "Hand off if the customer seems frustrated or angry, mentions a refund, a damaged \
    package or a legal complaint, or asks for a manager. Also hand off after three failed answers.";

/// A roaster selling to businesses, with no clause about asking for a person.
const TRADE: &str =
    "Escalate to a teammate whenever someone wants a wholesale order or asks about allergies. \
    If the visitor gets angry or swears, escalate as well. Escalate after 2 unanswered questions.";

/// One row: instructions, earlier visitor messages with whether they were answered, the
/// message, whether the knowledge answers it, and the rule expected to fire.
struct Case {
    instructions: &'static str,
    earlier: &'static [(&'static str, bool)],
    message: &'static str,
    answered: bool,
    expected: Option<&'static str>,
}

const fn case(instructions: &'static str, message: &'static str, expected: Option<&'static str>) -> Case {
    Case { instructions, earlier: &[], message, answered: true, expected }
}

const fn unanswered(
    instructions: &'static str,
    earlier: &'static [(&'static str, bool)],
    message: &'static str,
    expected: Option<&'static str>,
) -> Case {
    Case { instructions, earlier, message, answered: false, expected }
}

const PERSON: Option<&str> = Some("human_request");
const TOPIC: Option<&str> = Some("topic");
const FAILED: Option<&str> = Some("failed_attempts");
const MOOD: Option<&str> = Some("frustration");
const NONE: Option<&str> = None;

const CASES: &[Case] = &[
    // SUPPORT: explicit requests for a person.
    case(SUPPORT, "Can I talk to a human please?", PERSON),
    case(SUPPORT, "I want to speak with a real person", PERSON),
    case(SUPPORT, "agent", PERSON),
    case(SUPPORT, "Get me a manager now", PERSON),
    case(SUPPORT, "Is it possible to talk to customer service?", PERSON),
    case(SUPPORT, "Are you able to connect me with someone from support?", PERSON),
    case(SUPPORT, "I don't want to talk to a bot, get me a human", PERSON),
    // The same in the other languages visitors write in.
    case(SUPPORT, "Je voudrais parler à un conseiller", PERSON),
    case(SUPPORT, "Je veux parler à un humain s'il vous plaît", PERSON),
    case(SUPPORT, "Est-ce que je peux parler à quelqu\u{2019}un ?", PERSON),
    case(SUPPORT, "Pouvez-vous me mettre en contact avec un conseiller ?", PERSON),
    case(SUPPORT, "J'ai besoin d'un conseiller", PERSON),
    case(SUPPORT, "Quiero hablar con una persona", PERSON),
    case(SUPPORT, "¿Puedo hablar con un agente, por favor?", PERSON),
    case(SUPPORT, "Necesito hablar con alguien", PERSON),
    case(SUPPORT, "Ich möchte mit einem Menschen sprechen", PERSON),
    case(SUPPORT, "Kann ich bitte mit einem Mitarbeiter sprechen?", PERSON),
    case(SUPPORT, "Bitte verbinden Sie mich mit einem Berater", PERSON),
    // Refusals, stories and questions about what the agent is, in those languages.
    case(SUPPORT, "Je ne veux pas parler à un conseiller, dites-moi juste le prix", NONE),
    case(SUPPORT, "Personne n'a répondu à mon e-mail", NONE),
    case(SUPPORT, "Ich möchte nicht mit einem Menschen sprechen", NONE),
    case(SUPPORT, "Ich habe gestern mit einem Mitarbeiter gesprochen", NONE),
    case(SUPPORT, "¿Eres una persona real?", NONE),
    // A question about what the agent is: it answers, it does not hand off.
    case(SUPPORT, "Are you a human?", NONE),
    // A story about a person, not a request for one.
    case(SUPPORT, "I talked to someone at your shop yesterday and they recommended the Ethiopia roast", NONE),
    // The visitor says they do not want a person.
    case(SUPPORT, "I don't want to talk to a human, just tell me the shipping cost", NONE),
    // "want" aims at the coffee, not at the people.
    case(SUPPORT, "I want to buy coffee for someone special", NONE),
    // SUPPORT: billing and account cancellation.
    case(SUPPORT, "I was charged twice for my subscription", TOPIC),
    case(SUPPORT, "Can you send me an invoice for last month?", TOPIC),
    case(SUPPORT, "Why is my bill higher this month?", TOPIC),
    case(SUPPORT, "I want to cancel my account", TOPIC),
    case(SUPPORT, "Please delete my account and everything in it", TOPIC),
    // Mentions a bill, but Bill is a friend: a capitalised given name inside a sentence.
    case(SUPPORT, "My friend Bill recommended your decaf", NONE),
    // "bill of materials" is a parts list, not billing.
    case(SUPPORT, "Is the bill of materials for the grinder online?", NONE),
    // Choosing how to pay before buying is a shop question the knowledge answers; a charge or
    // an invoice is billing.
    case(SUPPORT, "What payment methods do you accept?", NONE),
    // Cancelling an order is not cancelling the account, and no money has moved yet.
    case(SUPPORT, "Can I cancel my order from this morning?", NONE),
    // An account without a cancellation is a login question.
    case(SUPPORT, "How do I log in to my account?", NONE),
    // The visitor rules billing out themselves.
    case(SUPPORT, "This is not a billing question: how long does shipping take?", NONE),
    // SUPPORT: two failed attempts.
    unanswered(SUPPORT, &[("Do you sell descaling tablets?", false)], "What about cleaning powder?", FAILED),
    // One answer that did not help is one failure, not two.
    unanswered(SUPPORT, &[("How long does shipping take?", true)], "that didn't help", NONE),
    unanswered(
        SUPPORT,
        &[("How long does shipping take?", true), ("that didn't help", false)],
        "Still not working, it's not what I asked",
        FAILED,
    ),
    // One failure, then a question the knowledge answers.
    Case {
        instructions: SUPPORT,
        earlier: &[("Do you sell descaling tablets?", false)],
        message: "How long does shipping take?",
        answered: true,
        expected: NONE,
    },
    case(SUPPORT, "Hello!", NONE),
    // DELIVERIES: frustration.
    case(DELIVERIES, "This is RIDICULOUS, I HAVE BEEN WAITING FOR A WEEK", MOOD),
    case(DELIVERIES, "I'm so frustrated with this order", MOOD),
    case(DELIVERIES, "Where is my order?!?!", MOOD),
    // Praise: the adverb "ridiculously" is not a complaint.
    case(DELIVERIES, "Ridiculously good coffee, thanks!", NONE),
    // Negated: the visitor says they are not upset.
    case(DELIVERIES, "I'm not upset, just curious about the roast date", NONE),
    // Question marks alone are urgency, not anger.
    case(DELIVERIES, "When does the Kenya come back in stock???", NONE),
    // DELIVERIES: refunds, damaged packages, legal complaints.
    case(DELIVERIES, "I'd like a refund for the Colombia beans", TOPIC),
    case(DELIVERIES, "I want my money back", TOPIC),
    case(DELIVERIES, "My bag arrived torn open", TOPIC),
    case(DELIVERIES, "I'm going to sue you", TOPIC),
    // A package word without any damage.
    case(DELIVERIES, "Is the bag resealable?", NONE),
    // A broken grinder is a product fault the returns section answers, not a damaged package.
    case(DELIVERIES, "The grinder I bought is broken", NONE),
    // Sue is a person here.
    case(DELIVERIES, "Please tell Sue thanks for the brewing tips", NONE),
    // DELIVERIES: a manager, phrased as a request.
    case(DELIVERIES, "Can I speak to your manager?", PERSON),
    case(DELIVERIES, "Who manages your roastery?", NONE),
    // DELIVERIES: three failed answers.
    unanswered(
        DELIVERIES,
        &[("Do you ship to Mars?", false), ("What about the Moon?", false)],
        "Venus?",
        FAILED,
    ),
    Case {
        instructions: DELIVERIES,
        earlier: &[("Do you ship to Mars?", false), ("What about the Moon?", false)],
        message: "OK, how long does shipping take?",
        answered: true,
        expected: NONE,
    },
    // TRADE: wholesale and allergies.
    case(TRADE, "Do you do wholesale pricing for cafés?", TOPIC),
    case(TRADE, "We'd like to buy 20 kg in bulk for our office", TOPIC),
    case(TRADE, "Is the espresso blend safe for someone with a nut allergy?", TOPIC),
    // An order that is not wholesale: "order" alone names no topic.
    case(TRADE, "Can I order two bags at once?", NONE),
    // A flavour note, not an allergen.
    case(TRADE, "Does the Guatemala taste nutty?", NONE),
    case(TRADE, "I don't have any allergies, which roast is the strongest?", NONE),
    // TRADE: anger and swearing.
    case(TRADE, "What the hell, this damn site keeps logging me out", MOOD),
    case(TRADE, "You are useless", MOOD),
    // TRADE has no clause about asking for a person, so asking is not enough.
    case(TRADE, "Can I talk to a person?", NONE),
    // TRADE: two unanswered questions.
    unanswered(TRADE, &[("Do you roast on Sundays?", false)], "Can you roast to order?", FAILED),
    unanswered(TRADE, &[], "Can you roast to order?", NONE),
];

#[test]
fn the_decision_table_holds() {
    assert!(CASES.len() >= 40, "the table has {} cases", CASES.len());
    let mut wrong = Vec::new();
    for case in CASES {
        let mut attempts: Vec<Attempt<'_>> =
            case.earlier.iter().map(|&(message, answered)| Attempt { message, answered }).collect();
        attempts.push(Attempt { message: case.message, answered: case.answered });
        let checks = Triggers::parse(case.instructions).evaluate(&attempts);
        let fired = checks.iter().find(|check| check.fired).map(|check| check.rule);
        if fired != case.expected {
            wrong.push(format!(
                "{:?}: expected {:?}, got {:?} ({checks:#?})",
                case.message, case.expected, fired
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} cases decided wrongly:\n{}",
        wrong.len(),
        CASES.len(),
        wrong.join("\n")
    );
}

fn rules(instructions: &str) -> Vec<(String, Rule)> {
    Triggers::parse(instructions).clauses.into_iter().map(|clause| (clause.text, clause.rule)).collect()
}

fn topic_names(rule: &Rule) -> Vec<&str> {
    match rule {
        Rule::Topics(topics) => topics.iter().map(|topic| topic.name.as_str()).collect(),
        other => panic!("expected topics, got {other:?}"),
    }
}

#[test]
fn the_example_instructions_become_three_clauses() {
    let rules = rules(SUPPORT);
    let texts: Vec<&str> = rules.iter().map(|(text, _)| text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "the user asks to speak with a human",
            "the issue involves billing or account cancellation",
            "the agent has failed to resolve the issue after two attempts",
        ]
    );
    assert_eq!(rules[0].1, Rule::HumanRequest);
    assert_eq!(topic_names(&rules[1].1), ["billing", "account cancellation"]);
    assert_eq!(rules[2].1, Rule::FailedAttempts(2));
}

#[test]
fn commas_before_a_new_verb_and_sentences_without_when_are_clauses_too() {
    let rules = rules(DELIVERIES);
    assert_eq!(rules.len(), 4, "{rules:#?}");
    assert_eq!(rules[0].1, Rule::Frustration);
    assert_eq!(topic_names(&rules[1].1), ["refund", "damaged package", "legal complaint"]);
    assert_eq!(rules[2].1, Rule::HumanRequest);
    assert_eq!(rules[3], ("after three failed answers".to_owned(), Rule::FailedAttempts(3)));

    let rules = rules_of(TRADE);
    assert_eq!(topic_names(&rules[0]), ["wholesale order", "allergies"]);
    assert_eq!(rules[1], Rule::Frustration, "the action after the comma is not part of the condition");
    assert_eq!(rules[2], Rule::FailedAttempts(2));
}

fn rules_of(instructions: &str) -> Vec<Rule> {
    rules(instructions).into_iter().map(|(_, rule)| rule).collect()
}

#[test]
fn a_clause_no_rule_fits_is_reported_and_never_fires() {
    let triggers = Triggers::parse("Hand off when the moon is full.");
    let checks = triggers.evaluate(&[Attempt { message: "Is the moon full?", answered: false }]);
    assert_eq!(checks.len(), 1);
    // "moon full" is taken as a topic: the clause names words, so they are what it looks for.
    assert_eq!(checks[0].rule, "topic");
    assert!(checks[0].fired);

    let checks = Triggers::parse("Hand off when it is appropriate.")
        .evaluate(&[Attempt { message: "Hi", answered: true }]);
    assert_eq!(checks[0].rule, "unrecognized");
    assert!(!checks[0].fired);
    assert!(checks[0].why.contains("No rule could be derived"), "{}", checks[0].why);
}

#[test]
fn a_fired_clause_says_why_and_gives_a_reason_to_count_by() {
    let checks = Triggers::parse(SUPPORT)
        .evaluate(&[Attempt { message: "I was charged twice last week", answered: false }]);
    let fired = checks.iter().find(|check| check.fired).expect("billing fires");
    assert_eq!(fired.clause, "the issue involves billing or account cancellation");
    assert_eq!(fired.reason.as_deref(), Some("Topic: billing"));
    assert!(fired.why.contains("\"charged\""), "{}", fired.why);
    let not_fired = &checks[0];
    assert_eq!(not_fired.why, "The visitor did not ask for a person.");
    assert_eq!(not_fired.reason, None);
}

#[test]
fn empty_instructions_never_fire() {
    let triggers = Triggers::parse("");
    assert!(triggers.evaluate(&[Attempt { message: "get me a human", answered: false }]).is_empty());
    assert!(!triggers.hands_off_on_request());
    assert!(Triggers::parse(SUPPORT).hands_off_on_request());
}

#[test]
fn greetings_and_thanks_are_small_talk_and_questions_are_not() {
    assert_eq!(small_talk("Hi there!"), Some(SmallTalk::Greeting));
    assert_eq!(small_talk("good morning"), Some(SmallTalk::Greeting));
    assert_eq!(small_talk("Thanks so much!"), Some(SmallTalk::Thanks));
    assert_eq!(small_talk("thank you"), Some(SmallTalk::Thanks));
    assert_eq!(small_talk("Hi, how long does shipping take?"), None);
    assert_eq!(small_talk("Thanks, but where is my order?"), None);
    assert_eq!(small_talk(""), None);
}

#[test]
fn a_message_states_a_subject_unless_it_only_greets_asks_for_a_person_or_complains() {
    for (message, subject) in [
        ("How long does shipping take?", true),
        ("I was charged twice", true),
        ("I want to talk to a person about my refund", true),
        ("I need a human, my order never arrived", true),
        ("Can I talk to a person please?", false),
        ("I want to talk to a person", false),
        ("Can I please talk to a real person right now?", false),
        ("Hi, can I talk to someone?", false),
        ("human please", false),
        ("Hi there!", false),
        ("thanks", false),
        ("that didn't help", false),
        ("", false),
    ] {
        assert_eq!(super::states_a_subject(message), subject, "{message}");
    }
}
