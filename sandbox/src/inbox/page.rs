//! The inbox's HTML. Every piece of stored text is escaped, and message bodies, which are
//! HTML, are sanitized before they are shown.

use axum::response::Html;
use time::macros::format_description;
use time::OffsetDateTime;

use crate::body::{escape, sanitize, to_text};
use crate::conversation::{Conversation, Part, State};
use crate::html::page_with_head;
use crate::seed::{self, ADMINS, TEAMS};
use crate::workspace::View;

/// Keeps the live part of a conversation page fresh without touching the forms, so nothing a
/// person is typing is lost.
/// The script sits in the page's head, before `#live` exists: it looks the container up on
/// each tick.
const REFRESH_SCRIPT: &str = r#"<script>
(() => {
  let shown = null;
  setInterval(async () => {
    const live = document.getElementById("live");
    if (!live) return;
    try {
      const response = await fetch(location.pathname + "/parts", { cache: "no-store" });
      if (!response.ok) return;
      const html = await response.text();
      if (html !== shown) { live.innerHTML = html; shown = html; }
    } catch (_) { /* the sandbox is restarting; try again next tick */ }
  }, 2000);
})();
</script>"#;

/// `GET /`: the conversations, refreshed every three seconds.
pub fn list(views: &[View]) -> Html<String> {
    let rows: String = views
        .iter()
        .map(|view| {
            let conversation = &view.conversation;
            let first_line = to_text(&conversation.source.body).lines().next().unwrap_or("").to_owned();
            format!(
                "<tr><td><a href=\"/inbox/{id}\">{who}</a><div class=\"muted\">{email}</div></td>\
                 <td><a href=\"/inbox/{id}\">{first}</a></td><td>{state}</td><td>{assignee}</td><td>{when}</td></tr>",
                id = escape(&conversation.id),
                who = escape(view.contact.display_name()),
                email = escape(view.contact.email.as_deref().unwrap_or("")),
                first = escape(&shorten(&first_line, 90)),
                state = state_badge(conversation.state),
                assignee = escape(&assignee(conversation)),
                when = when(conversation.updated_at),
            )
        })
        .collect();
    let table = if views.is_empty() {
        "<p class=\"card\">No conversations yet. They appear here when a contact writes in through the API.</p>"
            .to_owned()
    } else {
        format!(
            "<table><thead><tr><th>Contact</th><th>Message</th><th>State</th><th>Assignee</th><th>Last update</th>\
             </tr></thead><tbody>{rows}</tbody></table>"
        )
    };
    page_with_head("Inbox", "<meta http-equiv=\"refresh\" content=\"3\">", &format!("<h1>Inbox</h1>{table}"))
}

/// `GET /inbox/{id}`: the contact, the messages, and the forms.
pub fn conversation(view: &View) -> Html<String> {
    let conversation = &view.conversation;
    let contact = &view.contact;
    let acting = super::acting_admin(view);
    let field = |value: Option<&str>| escape(value.unwrap_or("—"));
    let admins: String =
        ADMINS.iter().map(|admin| option(&admin.id.to_string(), admin.name, admin.id == acting)).collect();
    let mut assignees = String::from("<optgroup label=\"Teammates\">");
    for admin in &ADMINS {
        assignees += &option(
            &format!("admin:{}", admin.id),
            admin.name,
            conversation.admin_assignee_id == Some(admin.id),
        );
    }
    assignees += "</optgroup><optgroup label=\"Teams\">";
    for team in &TEAMS {
        assignees +=
            &option(&format!("team:{}", team.id), team.name, conversation.team_assignee_id == Some(team.id));
    }
    assignees += "</optgroup><optgroup label=\"Nobody\">";
    assignees += &option("admin:0", "Unassigned (teammate)", false);
    assignees += &option("team:0", "Unassigned (team)", false);
    assignees += "</optgroup>";
    let id = escape(&conversation.id);
    let content = format!(
        "<p class=\"muted\"><a href=\"/\">← Inbox</a></p>\
         <h1>{who}</h1>\
         <div class=\"card\"><dl><dt>Name</dt><dd>{name}</dd><dt>Email</dt><dd>{email}</dd>\
         <dt>Role</dt><dd>{role}</dd><dt>External id</dt><dd>{external}</dd><dt>Contact id</dt><dd>{contact_id}</dd>\
         <dt>Conversation</dt><dd>{id}</dd></dl></div>\
         <div id=\"live\">{live}</div>\
         <h2>Reply</h2>\
         <form class=\"panel\" method=\"post\" action=\"/inbox/{id}/reply\">\
         <label for=\"reply-as\">Reply as</label><select id=\"reply-as\" name=\"admin_id\">{admins}</select>\
         <label for=\"reply-body\">Reply</label><textarea id=\"reply-body\" name=\"body\"></textarea>\
         <label class=\"check\"><input type=\"checkbox\" name=\"attach_label\"> Attach the shipping label (label.png)</label>\
         <button type=\"submit\">Send reply</button></form>\
         <form class=\"panel\" method=\"post\" action=\"/inbox/{id}/note\">\
         <input type=\"hidden\" name=\"admin_id\" value=\"{acting}\">\
         <label for=\"note-body\">Note</label><textarea id=\"note-body\" name=\"body\" required></textarea>\
         <button type=\"submit\" class=\"secondary\">Add note</button></form>\
         <form class=\"panel\" method=\"post\" action=\"/inbox/{id}/assign\">\
         <input type=\"hidden\" name=\"admin_id\" value=\"{acting}\">\
         <label for=\"assign-to\">Assign to</label><div class=\"row\"><select id=\"assign-to\" name=\"assignee\">{assignees}</select>\
         <button type=\"submit\">Assign</button></div></form>",
        who = escape(contact.display_name()),
        name = field(contact.name.as_deref()),
        email = field(contact.email.as_deref()),
        role = contact.role.as_str(),
        external = field(contact.external_id.as_deref()),
        contact_id = escape(&contact.id),
        live = live(view),
    );
    page_with_head(&format!("{} — Inbox", contact.display_name()), REFRESH_SCRIPT, &content)
}

/// The live part of a conversation page: its state, the messages, and close or reopen.
pub fn live(view: &View) -> String {
    let conversation = &view.conversation;
    let id = escape(&conversation.id);
    let (action, label) = match conversation.state {
        State::Open => ("close", "Close conversation"),
        State::Closed => ("open", "Reopen conversation"),
    };
    let mut html = format!(
        "<div class=\"row\"><p>{state} · Assigned to {assignee} · Updated {updated}</p>\
         <form method=\"post\" action=\"/inbox/{id}/{action}\"><input type=\"hidden\" name=\"admin_id\" value=\"{acting}\">\
         <button type=\"submit\" class=\"secondary\">{label}</button></form></div>",
        state = state_badge(conversation.state),
        assignee = escape(&assignee(conversation)),
        updated = when(conversation.updated_at),
        acting = super::acting_admin(view),
    );
    let source = &conversation.source;
    html += &format!(
        "<div class=\"card\" id=\"source\"><div><span class=\"who\">{who}</span> <span class=\"muted\">{when}</span></div>\
         <div class=\"body\">{body}</div></div>",
        who = escape(source.author.name.as_deref().or(source.author.email.as_deref()).unwrap_or("Visitor")),
        when = when(conversation.created_at),
        body = sanitize(&source.body),
    );
    html.push_str("<div id=\"parts\">");
    for part in &conversation.parts {
        html += &part_card(part);
    }
    html.push_str("</div>");
    html
}

/// A part's files: pictures shown, other files linked, each with its name and size.
fn attachment_list(part: &Part) -> String {
    let mut html = String::new();
    for file in &part.attachments {
        let (url, name) = (escape(&file.url), escape(&file.name));
        let kb = file.filesize.div_ceil(1024);
        if file.is_image() {
            html += &format!(
                "<figure class=\"attachment\"><a href=\"{url}\" rel=\"noreferrer\"><img src=\"{url}\" alt=\"{name}\" \
                 style=\"max-width:240px;max-height:180px\"></a><figcaption>{name} ({kb} KB)</figcaption></figure>"
            );
        } else {
            html += &format!(
                "<p class=\"attachment\"><a href=\"{url}\" rel=\"noreferrer\">{name}</a> ({kb} KB)</p>"
            );
        }
    }
    html
}

fn part_card(part: &Part) -> String {
    let who = escape(part.author.name.as_deref().or(part.author.email.as_deref()).unwrap_or("Visitor"));
    let time = when(part.created_at);
    let body = part.body.as_deref().map(|body| format!("<div class=\"body\">{}</div>", sanitize(body)));
    let body = body.unwrap_or_default() + &attachment_list(part);
    let event = |what: String| {
        format!("<div class=\"card event\"><span class=\"who\">{who}</span> {what} <span class=\"muted\">{time}</span>{body}</div>")
    };
    match part.part_type {
        "note" => format!(
            "<div class=\"card note\"><div><span class=\"tag\">Internal note</span><span class=\"who\">{who}</span> \
             <span class=\"muted\">{time}</span></div>{body}</div>"
        ),
        "comment" => {
            let side = if part.author.kind == "admin" { " admin" } else { "" };
            format!("<div class=\"card{side}\"><div><span class=\"who\">{who}</span> <span class=\"muted\">{time}</span></div>{body}</div>")
        }
        "assignment" => event(match &part.assigned_to {
            Some(("admin", Some(id))) => format!("assigned the conversation to {}", escape(&admin_name(id))),
            Some(("team", Some(id))) => format!("assigned the conversation to {}", escape(&team_name(id))),
            Some(("team", None)) => "removed the team assignment".to_owned(),
            _ => "unassigned the conversation".to_owned(),
        }),
        "close" => event("closed the conversation".to_owned()),
        other => event(match other {
            "open" => "reopened the conversation".to_owned(),
            other => escape(other),
        }),
    }
}

fn option(value: &str, label: &str, selected: bool) -> String {
    let selected = if selected { " selected" } else { "" };
    format!("<option value=\"{}\"{selected}>{}</option>", escape(value), escape(label))
}

fn state_badge(state: State) -> String {
    format!("<span class=\"state {0}\">{0}</span>", state.as_str())
}

fn assignee(conversation: &Conversation) -> String {
    let admin = conversation.admin_assignee_id.map(|id| admin_name(&id.to_string()));
    let team = conversation.team_assignee_id.map(|id| team_name(&id.to_string()));
    match (admin, team) {
        (Some(admin), Some(team)) => format!("{admin} ({team})"),
        (Some(one), None) | (None, Some(one)) => one,
        (None, None) => "nobody".to_owned(),
    }
}

fn admin_name(id: &str) -> String {
    seed::admin(id).map_or_else(|| format!("admin {id}"), |admin| admin.name.to_owned())
}

fn team_name(id: &str) -> String {
    seed::team(id).map_or_else(|| format!("team {id}"), |team| team.name.to_owned())
}

fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

/// A Unix time as `2025-06-01 14:03 UTC`, inside a `<time>` element.
fn when(unix: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    let shown = OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|at| at.format(&format).ok());
    format!("<time datetime=\"{unix}\">{}</time>", shown.unwrap_or_else(|| unix.to_string()))
}
