// "What the agent decided": the preview's debug view. Every second, while the preview has a
// conversation, it asks the bridge what the agent decided on each visitor message — the outcome,
// every trigger clause checked and why it fired or not, the knowledge used (in words: how well
// each section matched, not its BM25 score) — and how each handoff went and where it was routed.
// A conversation the preview started says it is a test. Everything is shown as text: the
// messages are whatever a visitor typed.
import { api } from "./api.js";
import { byId, el } from "./dom.js";

const POLL_MS = 1000;

const OUTCOMES = {
  answered: "Answered",
  handoff: "Handed off",
  nothing: "Nothing to say",
  with_person: "With a person: the agent stayed silent",
};

const RULES = {
  human_request: "asks for a person",
  topic: "topic",
  failed_attempts: "failed attempts",
  frustration: "frustration",
  unrecognized: "not understood, never fires",
};

const STATUSES = { pending: "Pending", connected: "Connected", failed: "Failed" };

/** The builtin agent answers from a section scoring at least 1 (BM25); 3 and up is a clear match. */
const ANSWERS_FROM = 1;
const CLEAR_MATCH = 3;

/** How well a knowledge section matched, in an admin's words. */
export function strength(score) {
  if (score >= CLEAR_MATCH) return "strongly";
  if (score >= ANSWERS_FROM) return "fairly well";
  return "weakly, too little to answer from";
}

/**
 * The decisions panel. `conversationId()` names the preview's conversation (or null), and
 * `inboxUrl(externalId)` links an Intercom conversation.
 */
export function createDecisions({ conversationId, inboxUrl }) {
  const state = byId("decisions-state");
  const body = byId("decisions-body");
  const test = byId("decisions-test");
  let generation = 0;
  let shown = undefined;
  let lastAnswer = null;
  let gone = null;

  async function tick(mine) {
    const id = conversationId();
    if (id !== shown) {
      shown = id;
      lastAnswer = null;
      test.hidden = true;
      body.replaceChildren();
    }
    if (!id) {
      state.textContent = "No conversation yet: write in the preview to see what the agent decides.";
    } else if (id !== gone) {
      await poll(id, mine);
    }
  }

  async function poll(id, mine) {
    let answer;
    try {
      answer = await api.decisions(id);
    } catch (failure) {
      if (mine !== generation || failure.status === 401) return;
      if (failure.code === "unknown_conversation") {
        gone = id;
        state.textContent = "The bridge does not know this conversation (was its database reset?). Start a new conversation.";
      } else {
        state.textContent = `The decisions could not be read: ${failure.message}`;
      }
      return;
    }
    if (mine !== generation || id !== shown) return;
    const text = JSON.stringify(answer);
    if (text !== lastAnswer) {
      lastAnswer = text;
      render(answer);
    }
  }

  function render({ test: isTest, decisions, handoffs }) {
    test.hidden = !isTest;
    test.textContent = isTest
      ? "Test conversation: started here in the preview. Its handoffs are marked “[Test]” in Intercom and " +
        "left out of Analytics unless you include tests."
      : "";
    state.textContent = decisions.length ? "" : "The agent has not decided on anything yet.";
    body.replaceChildren(el("ol", { class: "decision-list", "aria-label": "Visitor messages" }, ...decisions.map(decision)));
    if (handoffs.length) {
      body.append(
        el("h3", { text: "Handoffs" }),
        el("ul", { class: "handoff-list", "aria-label": "Handoffs" }, ...handoffs.map((item) => handoff(item, inboxUrl))),
      );
    }
  }

  return {
    /** Starts polling (again), from a clean panel. */
    start() {
      const mine = ++generation;
      shown = undefined;
      gone = null;
      (async () => {
        while (mine === generation) {
          await tick(mine);
          await new Promise((done) => setTimeout(done, POLL_MS));
        }
      })();
    },
    /** Stops polling. */
    stop() {
      generation += 1;
    },
    /** Draws the panel again on the next poll, for links that depended on something new. */
    redraw() {
      lastAnswer = null;
    },
  };
}

function decision(item) {
  const { checks = [], knowledge = [], note, agent } = item.explanation ?? {};
  return el(
    "li",
    { class: `decision outcome-${item.outcome}` },
    el("p", { class: "message" }, el("span", { class: "who", text: "Visitor" }), " ", el("q", { text: item.message })),
    el(
      "p",
      { class: "outcome" },
      "Outcome: ",
      el("strong", { text: OUTCOMES[item.outcome] ?? item.outcome }),
      item.handoff ? ` (${item.handoff.reason})` : null,
      agent && agent !== "none" ? el("span", { class: "who", text: ` · decided by the ${agent} agent` }) : null,
    ),
    checks.length ? el("ul", { class: "checks", "aria-label": "Trigger clauses" }, ...checks.map(check)) : null,
    knowledge.length
      ? el(
          "div",
          { class: "knowledge" },
          el("p", { class: "who", text: "Knowledge used" }),
          el("ul", {}, ...knowledge.map((hit) => el("li", { text: `Matched the “${hit.title}” section ${strength(hit.score)}` }))),
        )
      : null,
    note ? el("p", { class: "note", text: `Note: ${note}` }) : null,
  );
}

function check(item) {
  return el(
    "li",
    { class: item.fired ? "check fired" : "check" },
    el("span", { class: "mark", text: item.fired ? "✓ fired" : "✗ not fired" }),
    " ",
    el("span", { class: "clause", text: `“${item.clause}”` }),
    " ",
    el("span", { class: "rule", text: RULES[item.rule] ?? item.rule }),
    el("span", { class: "why", text: item.why }),
  );
}

function handoff(item, inboxUrl) {
  const url = inboxUrl(item.external_id);
  const intercom = !item.external_id
    ? "not created yet"
    : url
      ? el("a", { href: url, target: "_blank", rel: "noopener", text: item.external_id })
      : item.external_id;
  const rows = [
    ["Reason", item.clause ? `${item.reason} (clause “${item.clause}”)` : item.reason],
    ["Route", item.route ? route(item.route) : "no route"],
    ["Requested", new Date(item.requested_at).toLocaleString()],
    ["Attempts", String(item.attempts)],
    ["Last error", item.last_error],
    ["Intercom conversation", intercom],
  ];
  return el(
    "li",
    { class: `handoff status-${item.status}` },
    el("p", {}, el("strong", { text: item.name }), " ", el("span", { class: "badge", text: STATUSES[item.status] ?? item.status })),
    el("dl", { class: "details" }, ...rows.filter(([, value]) => value).flatMap(([term, value]) => [el("dt", { text: term }), el("dd", {}, value)])),
  );
}

/** "Team Billing — why"; `target` is null when nothing matched. */
function route({ target, why }) {
  const who = target ? `${target.type === "team" ? "Team" : "Admin"} ${target.name ?? target.id}` : "Unassigned";
  return [who, why].filter(Boolean).join(" — ");
}
