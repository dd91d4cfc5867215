//! The frame every page of the sandbox shares: one inline stylesheet, no external assets, so
//! the pages work offline.

use axum::response::Html;

use crate::body::escape;

const STYLE: &str = r#"
:root { color-scheme: light; --line: #d8dde3; --muted: #5b6570; --accent: #1f5fbf; --note: #fff6d6; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232a; background: #f5f7f9; }
header { background: #1d232a; color: #fff; padding: .7rem 1.2rem; display: flex; gap: 1rem; align-items: baseline; }
header a { color: #fff; text-decoration: none; font-weight: 600; }
header span { color: #b8c2cc; font-size: .9rem; }
main { max-width: 56rem; margin: 1.2rem auto; padding: 0 1rem; }
h1 { font-size: 1.35rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: .55rem .7rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
a { color: var(--accent); }
.muted { color: var(--muted); font-size: .88rem; }
.state { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .8rem; background: #e3f3e6; color: #1c6b2c; }
.state.closed { background: #eceff2; color: var(--muted); }
.card { background: #fff; border: 1px solid var(--line); border-radius: .4rem; padding: .8rem 1rem; margin: .6rem 0; }
.card.note { background: var(--note); border-color: #ecd98a; }
.card.event { background: transparent; border-style: dashed; padding: .4rem 1rem; }
.card.admin { border-left: 4px solid var(--accent); }
.who { font-weight: 600; }
.tag { font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .05em; color: #8a6d00; margin-right: .4rem; }
.body p { margin: .3rem 0; }
.body img { max-width: 100%; }
form.panel { background: #fff; border: 1px solid var(--line); border-radius: .4rem; padding: .8rem 1rem; margin: .6rem 0; }
label { display: block; font-weight: 600; margin: .3rem 0; }
textarea { width: 100%; min-height: 4.5rem; font: inherit; padding: .5rem; border: 1px solid var(--line); border-radius: .3rem; }
select { font: inherit; padding: .3rem; }
button { font: inherit; padding: .4rem 1rem; margin-top: .5rem; border: 0; border-radius: .3rem; background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #5b6570; }
.row { display: flex; gap: .6rem; flex-wrap: wrap; align-items: end; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
"#;

/// A full page titled `title` around `content` (already HTML).
pub fn page(title: &str, content: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body>\
         <header><a href=\"/\">Intercom sandbox</a><span>Lumen Coffee Roasters (sandbox)</span></header>\
         <main>{content}</main></body></html>",
        title = escape(title),
    ))
}

/// A page with extra `head` content (a refresh, a script).
pub fn page_with_head(title: &str, head: &str, content: &str) -> Html<String> {
    let Html(html) = page(title, content);
    Html(html.replacen("</head>", &format!("{head}</head>"), 1))
}
