// "Your Agents": every agent of the bridge, each opening its pages, and creating one. A new agent
// gets what the bridge needs to run it — a greeting in its name, the offline builtin agent, no
// handoff until one is added — and its id is made from its name unless one is given.
import { byId, el } from "./dom.js";

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** `name` as an agent id: lowercase ASCII letters and digits joined by `-`. */
export function slug(name) {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

/** The settings of a new agent named `name` for `company`. */
export function newAgent(name, company) {
  return {
    name,
    company,
    greeting: `Hi! I'm ${name}, ${company}'s assistant. How can I help?`,
    handoff: { name: "Escalate to support", when: "" },
    copilot: { enabled: false, leave_note: true },
    routing: { criteria: "", mappings: [] },
  };
}

/**
 * The Your Agents view. `create(id, settings)` saves a new agent and resolves once it exists;
 * `agents()` is the list as last loaded.
 */
export function createAgentsView({ agents, create }) {
  const list = byId("agent-list");
  const form = byId("create-agent");
  const error = byId("create-agent-error");
  const fields = { name: byId("new-agent-name"), company: byId("new-agent-company"), id: byId("new-agent-id") };

  function show() {
    const all = agents();
    const ids = Object.keys(all);
    list.replaceChildren(
      ...ids.map((id) => {
        const agent = all[id];
        const handoff = agent.handoff?.when?.trim() ? `Hands off: ${agent.handoff.name}` : "No handoff yet";
        return el(
          "li",
          { class: "agent-card" },
          el("a", { href: `#/agents/${encodeURIComponent(id)}/handoffs`, text: agent.name }),
          el("span", { class: "hint", text: ` ${agent.company} · id ${id} · ${handoff}` }),
        );
      }),
    );
    byId("agents-error").textContent = ids.length ? "" : "This bridge has no agents yet: create one below.";
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const name = fields.name.value.trim();
    const company = fields.company.value.trim();
    const id = fields.id.value.trim() || slug(name);
    const problem = !name
      ? [fields.name, "Give the agent a name."]
      : !company
        ? [fields.company, "Say which company the agent speaks for."]
        : !ID.test(id)
          ? [fields.id, "The id must be 1 to 64 letters, digits, - or _."]
          : agents()[id]
            ? [fields.id, `An agent with the id “${id}” exists already: choose another id.`]
            : null;
    if (problem) {
      error.textContent = problem[1];
      problem[0].focus();
      return;
    }
    try {
      await create(id, newAgent(name, company));
    } catch (failure) {
      if (failure.status !== 401) error.textContent = `The agent was not created: ${failure.message}`;
      return;
    }
    form.reset();
    location.hash = `#/agents/${encodeURIComponent(id)}/handoffs`;
  });

  return { show };
}
