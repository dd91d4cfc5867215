//! A whole load run against the baseline in this process: every message is acknowledged, echoed
//! and answered, and the CPU the run reports covers the send phase within the whole run.

use std::time::{Duration, Instant};

use baton_load::baseline::{self, Baseline};
use baton_load::process::Watched;
use baton_load::run::{self, Plan};
use baton_protocol::AgentId;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_times_every_message_and_accounts_the_send_phase_within_the_whole_run() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let address = listener.local_addr().expect("has an address");
    let state = Baseline::new(AgentId::from("demo"), Duration::from_millis(1), Duration::from_secs(15));
    tokio::spawn(baseline::serve(listener, state));
    // The server runs in this process, so watching this process watches it.
    let plan = Plan {
        endpoint: format!("http://{address}"),
        agent: "demo".into(),
        conversations: 40,
        messages: 2,
        ramp: 8,
        sends_in_flight: 16,
        deadline: Instant::now() + Duration::from_secs(60),
        watched: vec![("baseline".into(), Watched::Each(vec![std::process::id()]))],
    };

    let outcome = run::run(plan).await;

    assert_eq!((outcome.created, outcome.streams_open, outcome.streams_broken), (40, 40, 0));
    assert_eq!((outcome.sent, outcome.failed_sends), (80, 0));
    assert_eq!(outcome.latencies_ms.len(), 80, "every message's echo was timed");
    assert!(outcome.latencies_ms.windows(2).all(|pair| pair[0] <= pair[1]), "sorted");
    assert_eq!(outcome.answers_completed, 80);
    assert_eq!(outcome.events_per_message(), 23.0, "the echo, started, 20 deltas and completed");
    let cost = outcome.costs.first().expect("the watched server's cost");
    let (whole, send_phase) =
        (cost.cpu_seconds.expect("whole run"), cost.send_phase_cpu_seconds.expect("send phase"));
    assert!(0.0 <= send_phase && send_phase <= whole, "send phase {send_phase} s within the run's {whole} s");
    let load = outcome.load_cpu_seconds.expect("the load generator's own");
    assert!(0.0 <= load && load <= whole, "the load generator is this process too: {load} s of {whole} s");
}
