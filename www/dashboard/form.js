// The settings form: fills its fields from an agent's settings and reads them back into a copy
// of the same object, so fields the form does not show (name, greeting, knowledge, model, …) go
// back to the bridge as they came. Also keeps the admin and team selects in step with the
// Intercom directory, and shows how a Save went.
import { byId, el } from "./dom.js";

/** What settings without these blocks mean. */
const COPILOT_DEFAULT = { enabled: false, leave_note: true, reply_as: null };
const ROUTING_DEFAULT = { criteria: "", mappings: [] };

/** A form value the bridge would refuse anyway, caught before sending; `field` gets focus. */
class FormError extends Error {
  constructor(message, field) {
    super(message);
    this.field = field;
  }
}

/**
 * Wires the form. `save(settings)` sends them and resolves to the saved settings, or rejects
 * with an `ApiError`.
 */
export function createSettingsForm({ save }) {
  const form = byId("settings");
  const fields = {
    name: byId("handoff-name"),
    when: byId("handoff-when"),
    copilot: byId("copilot-enabled"),
    leaveNote: byId("copilot-note"),
    replyAs: byId("copilot-reply-as"),
    criteria: byId("routing-criteria"),
  };
  const mappings = byId("mappings");
  const status = byId("save-status");
  const error = byId("save-error");
  const button = byId("save");
  let loaded = null;
  let directory = { admins: [], teams: [] };

  const syncReplyAs = () => {
    fields.replyAs.disabled = fields.leaveNote.checked;
  };
  fields.leaveNote.addEventListener("change", syncReplyAs);
  form.addEventListener("input", () => {
    status.textContent = "";
  });

  function addMapping(mapping) {
    const match = el("input", { type: "text", "aria-label": "Email or domain", placeholder: "ada@example.com or example.com" });
    match.value = mapping?.match ?? "";
    const target = el("select", { "aria-label": "Assign to" });
    const value = mapping?.assign_to ? `${mapping.assign_to.type}:${mapping.assign_to.id}` : "";
    fillTargets(target, directory, value);
    const remove = el("button", { type: "button", class: "quiet", text: "Remove" });
    const row = el("li", { class: "mapping" }, match, target, remove);
    remove.addEventListener("click", () => {
      const next = row.nextElementSibling ?? row.previousElementSibling;
      row.remove();
      status.textContent = "";
      (next?.querySelector("input") ?? byId("add-mapping")).focus();
    });
    mappings.append(row);
    return match;
  }
  byId("add-mapping").addEventListener("click", () => addMapping(null).focus());

  function read() {
    const settings = structuredClone(loaded);
    settings.handoff = { ...loaded.handoff, name: fields.name.value, when: fields.when.value };
    const copilot = {
      ...(loaded.copilot ?? COPILOT_DEFAULT),
      enabled: fields.copilot.checked,
      leave_note: fields.leaveNote.checked,
      reply_as: fields.replyAs.value || null,
    };
    const routing = { ...(loaded.routing ?? ROUTING_DEFAULT), criteria: fields.criteria.value, mappings: readMappings() };
    // A block the bridge did not send stays out unless it was changed, so a bridge that does
    // not know it yet still saves the rest.
    if (loaded.copilot || !same(copilot, COPILOT_DEFAULT)) settings.copilot = copilot;
    if (loaded.routing || !same(routing, ROUTING_DEFAULT)) settings.routing = routing;
    return settings;
  }

  function readMappings() {
    return [...mappings.children].flatMap((row, index) => {
      const [match, target] = row.querySelectorAll("input, select");
      const pattern = match.value.trim();
      if (!pattern && !target.value) return [];
      if (!pattern) throw new FormError(`Auto assignment ${index + 1} needs an email or domain.`, match);
      if (!target.value) throw new FormError(`Auto assignment ${index + 1} needs a team or admin.`, target);
      const [type, ...id] = target.value.split(":");
      return [{ match: pattern, assign_to: { type, id: id.join(":") } }];
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!loaded || button.disabled) return;
    status.textContent = "";
    error.textContent = "";
    let settings;
    try {
      settings = read();
    } catch (failure) {
      error.textContent = failure.message;
      failure.field.focus();
      return;
    }
    button.disabled = true;
    status.textContent = "Saving…";
    try {
      fill(await save(settings));
      status.textContent = "Saved";
    } catch (failure) {
      status.textContent = "";
      if (failure.status !== 401) error.textContent = failure.message;
    } finally {
      button.disabled = false;
    }
  });

  /** Shows `settings`, forgetting any unsaved change. */
  function fill(settings) {
    loaded = settings;
    const copilot = { ...COPILOT_DEFAULT, ...settings.copilot };
    const routing = { ...ROUTING_DEFAULT, ...settings.routing };
    fields.name.value = settings.handoff?.name ?? "";
    fields.when.value = settings.handoff?.when ?? "";
    fields.copilot.checked = copilot.enabled;
    fields.leaveNote.checked = copilot.leave_note;
    fillAdmins(fields.replyAs, directory, copilot.reply_as ?? "");
    fields.criteria.value = routing.criteria;
    mappings.replaceChildren();
    routing.mappings.forEach(addMapping);
    syncReplyAs();
    error.textContent = "";
  }

  return {
    fill(settings) {
      fill(settings);
      status.textContent = "";
    },
    /** Offers the workspace's admins and teams, keeping what is chosen. */
    setDirectory(next) {
      directory = next;
      fillAdmins(fields.replyAs, directory, fields.replyAs.value);
      for (const select of mappings.querySelectorAll("select")) fillTargets(select, directory, select.value);
      byId("directory-message").textContent = directory.admins.length || directory.teams.length
        ? ""
        : "Connect Intercom to choose among the workspace's admins and teams.";
    },
  };
}

function fillAdmins(select, directory, value) {
  select.replaceChildren(el("option", { value: "", text: "Choose an admin" }), ...directory.admins.map((admin) => adminOption(admin)));
  keep(select, value, `Admin ${value}${missing(directory)}`);
}

function fillTargets(select, directory, value) {
  select.replaceChildren(
    el("option", { value: "", text: "Choose a team or admin" }),
    el("optgroup", { label: "Teams" }, ...directory.teams.map((team) => el("option", { value: `team:${team.id}`, text: team.name }))),
    el("optgroup", { label: "Admins" }, ...directory.admins.map((admin) => adminOption(admin, "admin:"))),
  );
  const [type, id] = value.split(":");
  keep(select, value, `${type === "team" ? "Team" : "Admin"} ${id}${missing(directory)}`);
}

function adminOption(admin, prefix = "") {
  const text = [admin.name, admin.email && `<${admin.email}>`, admin.away && "(away)"].filter(Boolean).join(" ");
  return el("option", { value: `${prefix}${admin.id}`, text });
}

/** How an id the directory lacks is labelled: plainly until the directory is known. */
function missing(directory) {
  return directory.admins.length || directory.teams.length ? " (not in the workspace)" : "";
}

/** Selects `value`, adding it as `label` first when the select does not offer it. */
function keep(select, value, label) {
  if (value && ![...select.options].some((option) => option.value === value)) {
    select.append(el("option", { value, text: label }));
  }
  select.value = value;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}
