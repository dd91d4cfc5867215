// Analytics: the visitors' ratings of closed conversations (issue 16's rating, issue 17's
// Analytics) for the period and test setting of the Handoff Reasons report: how many, the share
// of good ones, and the newest ratings with their comments.
import { api } from "./api.js";
import { byId, el } from "./dom.js";

/** Reads and shows the ratings of `agent` in `period`; `isLatest()` says the answer is still wanted. */
export async function showRatings(agent, period, isLatest) {
  const body = byId("ratings-body");
  const error = byId("ratings-error");
  error.textContent = "";
  let report;
  try {
    report = await api.ratings(agent, period);
  } catch (failure) {
    if (!isLatest() || failure.status === 401) return;
    body.replaceChildren();
    error.textContent = `The ratings could not be read: ${failure.message}`;
    return;
  }
  if (isLatest()) body.replaceChildren(...render(report));
}

/** Clears the section (a reversed period, another agent). */
export function clearRatings() {
  byId("ratings-body").replaceChildren();
  byId("ratings-error").textContent = "";
}

function render(report) {
  const tested = report.include_tests ? ", tests included" : "";
  if (!report.total) return [el("p", { class: "hint", text: `No ratings in this period${tested}.` })];
  const percent = Math.round(report.good_share * 100);
  return [
    el(
      "p",
      { class: "rating-summary", id: "ratings-summary" },
      el("strong", { text: `${percent}% good` }),
      ` · ${report.total} rating${report.total === 1 ? "" : "s"} in this period${tested} (${report.good} good, ${report.bad} bad)`,
    ),
    el(
      "ul",
      { class: "conversation-list", "aria-label": "Ratings" },
      ...report.ratings.map((rated) => {
        const when = new Date(rated.rated_at).toISOString().replace("T", " ").slice(0, 16) + " UTC";
        return el(
          "li",
          {},
          el("span", { class: `badge rating-${rated.rating}`, text: rated.rating === "good" ? "Good" : "Bad" }),
          rated.test ? el("span", { class: "badge", text: "Test" }) : null,
          el("span", { text: ` ${when} · conversation ${rated.conversation.slice(0, 8)}` }),
          rated.comment ? el("q", { class: "rating-comment", text: rated.comment }) : null,
        );
      }),
    ),
  ];
}
