// The handoff's configuration screen: fills its fields from an agent's settings and reads them
// back into a copy of the same object, so fields the screen does not show (greeting, knowledge,
// model, …) go back to the bridge as they came. It keeps the fields that do not apply disabled,
// warns before drafts go to customers as replies, knows when there are unsaved edits, and puts a
// refused save's words next to the field (or mapping row) the bridge names.
import { byId, el } from "./dom.js";

/** What settings without these blocks mean. */
const COPILOT_DEFAULT = { enabled: false, leave_note: true, reply_as: null };
const ROUTING_DEFAULT = { criteria: "", mappings: [] };

/** The bridge's field paths and the inputs they are about; mapping rows are found by index. */
const FIELDS = {
  "handoff.name": "handoff-name",
  "handoff.when": "handoff-when",
  suggestions: "suggestions",
  "copilot.reply_as": "copilot-reply-as",
  "routing.criteria": "routing-criteria",
};
const MAPPING_FIELD = /^routing\.mappings\[(\d+)\]\.(match|assign_to)$/;

/** A form value the bridge would refuse anyway, caught before sending, with the field it is about. */
class FormError extends Error {
  constructor(message, field) {
    super(message);
    this.field = field;
  }
}

/**
 * Wires the screen. `save(settings)` sends them and resolves to the saved settings, or rejects
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
    suggestions: byId("suggestions"),
  };
  const mappings = byId("mappings");
  const status = byId("save-status");
  const error = byId("save-error");
  const warning = byId("copilot-warning");
  const button = byId("save");
  let loaded = null;
  let dirty = false;
  // The rows the last save sent, in order: the bridge's `routing.mappings[i]` is `rowsSent[i]`.
  let rowsSent = [];
  let notes = 0;
  let directory = { admins: [], teams: [] };

  /** AI assist off: nothing of Copilot applies. Notes: nobody is replied as. */
  function syncCopilot() {
    const on = fields.copilot.checked;
    fields.leaveNote.disabled = !on;
    fields.replyAs.disabled = !on || fields.leaveNote.checked;
    const replying = on && !fields.leaveNote.checked;
    const admin = directory.admins.find((item) => item.id === fields.replyAs.value);
    warning.textContent = replying
      ? `Drafts will go straight to customers as replies under ${admin ? `${admin.name}'s` : "the chosen admin's"} ` +
        "name, without a teammate reading them first."
      : "";
  }
  for (const input of [fields.copilot, fields.leaveNote, fields.replyAs]) input.addEventListener("change", syncCopilot);
  form.addEventListener("input", () => {
    dirty = true;
    status.textContent = "";
  });
  form.addEventListener("change", () => {
    dirty = true;
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
      dirty = true;
      status.textContent = "";
      (next?.querySelector("input") ?? byId("add-mapping")).focus();
    });
    mappings.append(row);
    return match;
  }
  byId("add-mapping").addEventListener("click", () => {
    dirty = true;
    addMapping(null).focus();
  });

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
    const suggestions = fields.suggestions.value.split("\n").map((line) => line.trim()).filter(Boolean);
    if (suggestions.length) settings.suggestions = suggestions;
    else delete settings.suggestions;
    return settings;
  }

  /** The mappings, and which row each came from, so the bridge's index finds its row. */
  function readMappings() {
    rowsSent = [];
    return [...mappings.children].flatMap((row, index) => {
      const [match, target] = row.querySelectorAll("input, select");
      const pattern = match.value.trim();
      if (!pattern && !target.value) return [];
      if (!pattern) throw new FormError(`Auto Assignment row ${index + 1} needs an email or domain.`, match);
      if (!target.value) throw new FormError(`Auto Assignment row ${index + 1} needs a team or admin.`, target);
      const [type, ...id] = target.value.split(":");
      rowsSent.push(row);
      return [{ match: pattern, assign_to: { type, id: id.join(":") } }];
    });
  }

  /** Marks `input` (and its mapping row) faulty, with `message` right after it. */
  function markField(input, message) {
    const row = input.closest(".mapping");
    const note = el("p", { class: "field-error", id: `field-error-${++notes}`, text: message });
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [input.getAttribute("aria-describedby"), note.id].filter(Boolean).join(" "));
    if (row) {
      row.classList.add("invalid");
      row.append(note);
    } else {
      input.after(note);
    }
    input.focus();
  }

  function clearMarks() {
    for (const note of form.querySelectorAll(".field-error")) {
      const described = form.querySelector(`[aria-describedby~="${note.id}"]`);
      if (described) {
        const rest = described.getAttribute("aria-describedby").split(" ").filter((id) => id !== note.id);
        if (rest.length) described.setAttribute("aria-describedby", rest.join(" "));
        else described.removeAttribute("aria-describedby");
      }
      note.remove();
    }
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    for (const row of form.querySelectorAll(".mapping.invalid")) row.classList.remove("invalid");
  }

  /** The input the bridge's `field` is about, if the screen shows it. */
  function inputFor(field) {
    if (!field) return null;
    const found = MAPPING_FIELD.exec(field);
    if (found) {
      const row = rowsSent[Number(found[1])];
      return row?.querySelectorAll("input, select")[found[2] === "match" ? 0 : 1] ?? null;
    }
    return FIELDS[field] ? byId(FIELDS[field]) : null;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!loaded || button.disabled) return;
    status.textContent = "";
    error.textContent = "";
    clearMarks();
    let settings;
    try {
      settings = read();
    } catch (failure) {
      error.textContent = `Not saved: ${failure.message}`;
      markField(failure.field, failure.message);
      return;
    }
    button.disabled = true;
    status.textContent = "Saving…";
    try {
      fill(await save(settings));
      status.textContent = "Saved";
    } catch (failure) {
      status.textContent = "";
      if (failure.status === 401) return;
      const input = inputFor(failure.field);
      if (input) {
        const row = input.closest(".mapping");
        const where = row ? `Auto Assignment row ${[...mappings.children].indexOf(row) + 1}` : labelOf(input);
        error.textContent = `Not saved: see ${where}.`;
        markField(input, failure.message);
      } else {
        error.textContent = `Not saved: ${failure.message}`;
      }
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
    fields.suggestions.value = (settings.suggestions ?? []).join("\n");
    mappings.replaceChildren();
    routing.mappings.forEach(addMapping);
    clearMarks();
    syncCopilot();
    error.textContent = "";
    dirty = false;
  }

  return {
    fill(settings) {
      fill(settings);
      status.textContent = "";
    },
    /** Whether something was edited since the settings were filled in or saved. */
    isDirty: () => dirty && !form.hidden,
    /** Offers the workspace's admins and teams, keeping what is chosen. */
    setDirectory(next) {
      directory = next;
      fillAdmins(fields.replyAs, directory, fields.replyAs.value);
      for (const select of mappings.querySelectorAll("select")) fillTargets(select, directory, select.value);
      syncCopilot();
      byId("directory-message").textContent = directory.admins.length || directory.teams.length
        ? ""
        : "Connect Intercom to choose among the workspace's admins and teams.";
    },
  };
}

function labelOf(input) {
  return input.labels?.[0]?.textContent.trim() ?? "the form";
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
