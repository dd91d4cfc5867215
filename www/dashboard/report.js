// The Handoff Reasons report: how many handoffs each reason caused in a period, for the agent
// being configured, with a bar per reason, so a site owner sees what their triggers catch.
import { api } from "./api.js";
import { byId, el } from "./dom.js";

const DEFAULT_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A `YYYY-MM-DD` day in UTC, as the bridge reads dates. */
const day = (at) => new Date(at).toISOString().slice(0, 10);

/** The report card; `refresh()` reads it again for the current agent. */
export function createReport() {
  const from = byId("report-from");
  const to = byId("report-to");
  const error = byId("report-error");
  const body = byId("report-body");
  let agent = null;
  let latest = 0;

  const now = Date.now();
  to.value = day(now);
  from.value = day(now - DEFAULT_DAYS * DAY_MS);

  async function refresh() {
    if (!agent) return;
    const mine = ++latest;
    error.textContent = "";
    if (from.value && to.value && from.value > to.value) {
      error.textContent = "“From” must be on or before “To”.";
      return;
    }
    let report;
    try {
      report = await api.handoffReasons(agent, { from: from.value, to: to.value });
    } catch (failure) {
      if (mine === latest && failure.status !== 401) error.textContent = `The report could not be read: ${failure.message}`;
      return;
    }
    if (mine === latest) body.replaceChildren(...render(report));
  }

  from.addEventListener("change", refresh);
  to.addEventListener("change", refresh);
  byId("report-period").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });

  return {
    /** Shows the report of `agentId`. */
    show(agentId) {
      agent = agentId;
      body.replaceChildren();
      return refresh();
    },
    refresh,
  };
}

function render(report) {
  if (!report.total) return [el("p", { class: "hint", text: "No handoffs in this period." })];
  return [
    el(
      "table",
      { class: "reasons" },
      el("caption", { text: `${report.total} handoff${report.total === 1 ? "" : "s"} in this period` }),
      el("thead", {}, el("tr", {}, ...["Reason", "Count", "Share"].map((text) => el("th", { scope: "col", text })))),
      el("tbody", {}, ...report.reasons.map(row)),
      el("tfoot", {}, el("tr", {}, el("th", { scope: "row", text: "Total" }), el("td", { class: "count", text: String(report.total) }), el("td"))),
    ),
  ];
}

function row({ reason, count, share }) {
  const percent = Math.round(share * 100);
  const fill = el("span", { class: "bar-fill" });
  fill.style.width = `${share * 100}%`;
  return el(
    "tr",
    {},
    el("th", { scope: "row", text: reason }),
    el("td", { class: "count", text: String(count) }),
    el("td", { class: "share" }, el("span", { class: "bar", "aria-hidden": "true" }, fill), ` ${percent}%`),
  );
}
