// Analytics: the Handoff Reasons report — how many handoffs each reason caused in a period, for
// one agent, as a bar chart (plain SVG) and a table — and, for each reason, the list of its
// conversations with a link to each in Intercom. The preview's test conversations are left out
// unless "Include test conversations" is ticked. A reversed period is refused before asking the
// bridge, with one error and nothing else shown. The Ratings section below follows the same
// period and test setting.
import { api } from "./api.js";
import { byId, el } from "./dom.js";
import { clearRatings, showRatings } from "./ratings.js";

const DEFAULT_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
const SVG = "http://www.w3.org/2000/svg";
const BAR_HEIGHT = 22;
const LABEL_WIDTH = 220;
const CHART_WIDTH = 640;

/** A `YYYY-MM-DD` day in UTC, as the bridge reads dates. */
const day = (at) => new Date(at).toISOString().slice(0, 10);

/** The Analytics tab. `inboxUrl(externalId)` links an Intercom conversation, or is null. */
export function createReport({ inboxUrl }) {
  const from = byId("report-from");
  const to = byId("report-to");
  const tests = byId("report-tests");
  const error = byId("report-error");
  const body = byId("report-body");
  const drill = byId("reason-conversations");
  let agent = null;
  let latest = 0;

  const now = Date.now();
  to.value = day(now);
  from.value = day(now - DEFAULT_DAYS * DAY_MS);

  const period = () => ({ from: from.value, to: to.value, include_tests: tests.checked ? "true" : "" });

  async function refresh() {
    if (!agent) return;
    const mine = ++latest;
    error.textContent = "";
    if (from.value && to.value && from.value > to.value) {
      body.replaceChildren();
      drill.hidden = true;
      clearRatings();
      error.textContent = "“From” must be on or before “To”: the period is reversed.";
      return;
    }
    const ratings = showRatings(agent, period(), () => mine === latest);
    let report;
    try {
      report = await api.handoffReasons(agent, period());
    } catch (failure) {
      if (mine !== latest || failure.status === 401) return;
      body.replaceChildren();
      error.textContent = `The report could not be read: ${failure.message}`;
      return;
    }
    if (mine !== latest) return;
    body.replaceChildren(...render(report, open));
    if (!drill.hidden) open(byId("reason-heading").dataset.reason, { focus: false });
    await ratings;
  }

  /** Lists the conversations of `reason` in the period. */
  async function open(reason, { focus = true } = {}) {
    const heading = byId("reason-heading");
    const list = byId("reason-body");
    const failed = byId("reason-error");
    heading.textContent = `Conversations: ${reason}`;
    heading.dataset.reason = reason;
    failed.textContent = "";
    list.replaceChildren(el("p", { class: "hint", text: "Loading…" }));
    drill.hidden = false;
    if (focus) heading.focus();
    let answer;
    try {
      answer = await api.reasonConversations(agent, reason, period());
    } catch (failure) {
      list.replaceChildren();
      if (failure.status !== 401) failed.textContent = `The conversations could not be read: ${failure.message}`;
      return;
    }
    list.replaceChildren(conversations(answer.conversations, inboxUrl));
  }

  for (const input of [from, to, tests]) input.addEventListener("change", refresh);
  byId("report-period").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });

  return {
    /** Shows the report of `agentId`. */
    show(agentId) {
      if (agentId !== agent) {
        body.replaceChildren();
        drill.hidden = true;
        clearRatings();
      }
      agent = agentId;
      return refresh();
    },
  };
}

function render(report, open) {
  const tested = report.include_tests ? ", tests included" : "";
  if (!report.total) return [el("p", { class: "hint", text: `No handoffs in this period${tested}.` })];
  return [
    chart(report.reasons),
    el(
      "table",
      { class: "reasons" },
      el("caption", { text: `${report.total} handoff${report.total === 1 ? "" : "s"} in this period${tested}` }),
      el("thead", {}, el("tr", {}, ...["Reason", "Count", "Share"].map((text) => el("th", { scope: "col", text })))),
      el("tbody", {}, ...report.reasons.map((reason) => row(reason, open))),
      el("tfoot", {}, el("tr", {}, el("th", { scope: "row", text: "Total" }), el("td", { class: "count", text: String(report.total) }), el("td"))),
    ),
  ];
}

/** A horizontal bar per reason; the table beside it says the same for assistive technology. */
function chart(reasons) {
  const svg = document.createElementNS(SVG, "svg");
  const height = reasons.length * (BAR_HEIGHT + 8);
  svg.setAttribute("viewBox", `0 0 ${CHART_WIDTH} ${height}`);
  svg.setAttribute("class", "chart");
  svg.setAttribute("aria-hidden", "true");
  const most = Math.max(...reasons.map((reason) => reason.count));
  reasons.forEach((reason, index) => {
    const y = index * (BAR_HEIGHT + 8);
    const width = ((CHART_WIDTH - LABEL_WIDTH - 40) * reason.count) / most;
    svg.append(
      svgEl("text", { x: LABEL_WIDTH - 8, y: y + BAR_HEIGHT * 0.7, "text-anchor": "end", class: "chart-label" }, clip(reason.reason)),
      svgEl("rect", { x: LABEL_WIDTH, y, width: Math.max(width, 2), height: BAR_HEIGHT, rx: 3, class: "chart-bar" }),
      svgEl("text", { x: LABEL_WIDTH + width + 6, y: y + BAR_HEIGHT * 0.7, class: "chart-count" }, String(reason.count)),
    );
  });
  return svg;
}

function svgEl(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function clip(text) {
  return text.length > 30 ? `${text.slice(0, 29)}…` : text;
}

function row({ reason, count, share }, open) {
  const percent = Math.round(share * 100);
  const button = el("button", { type: "button", class: "link-button", text: reason, "aria-label": `${reason}: show its conversations` });
  button.addEventListener("click", () => open(reason));
  return el(
    "tr",
    {},
    el("th", { scope: "row" }, button),
    el("td", { class: "count", text: String(count) }),
    el("td", { class: "share", text: `${percent}%` }),
  );
}

function conversations(items, inboxUrl) {
  if (!items.length) return el("p", { class: "hint", text: "No conversations for this reason in the period." });
  return el(
    "ul",
    { class: "conversation-list", "aria-label": "Conversations" },
    ...items.map((item) => {
      const url = inboxUrl(item.external_id);
      const when = new Date(item.requested_at).toISOString().replace("T", " ").slice(0, 16) + " UTC";
      return el(
        "li",
        {},
        el("span", { text: `${when} · conversation ${item.conversation.slice(0, 8)}` }),
        item.test ? el("span", { class: "badge", text: "Test" }) : null,
        " ",
        url
          ? el("a", { href: url, target: "_blank", rel: "noopener", text: `Open in Intercom (${item.external_id})` })
          : el("span", { class: "hint", text: item.status === "failed" ? "not delivered to Intercom" : "not in Intercom yet" }),
      );
    }),
  );
}
