//! Renders parsed markdown as Yew elements and text nodes: the only way message text reaches
//! the DOM, so no message can ever inject markup. A plain function, not a component: the chunk
//! of the log around it already re-renders only when one of its messages changed.

use yew::prelude::*;

use crate::markdown::{self, Block, Inline};

/// A message body in the markdown subset.
pub fn rich_text(text: &str) -> Html {
    html! { <div class="baton-text">{ for markdown::parse(text).iter().map(block) }</div> }
}

fn block(block: &Block) -> Html {
    match block {
        Block::Paragraph(content) => html! { <p>{ for content.iter().map(inline) }</p> },
        Block::Code(code) => html! { <pre><code>{ code.clone() }</code></pre> },
        Block::List { ordered: false, items, .. } => html! {
            <ul>{ for items.iter().map(|item| html! { <li>{ for item.iter().map(inline) }</li> }) }</ul>
        },
        Block::List { ordered: true, start, items } => html! {
            <ol start={start.to_string()}>{ for items.iter().map(|item| html! { <li>{ for item.iter().map(inline) }</li> }) }</ol>
        },
    }
}

fn inline(inline: &Inline) -> Html {
    match inline {
        Inline::Text(text) => html! { { text.clone() } },
        Inline::Strong(content) => html! { <strong>{ for content.iter().map(self::inline) }</strong> },
        Inline::Emphasis(content) => html! { <em>{ for content.iter().map(self::inline) }</em> },
        Inline::Code(code) => html! { <code>{ code.clone() }</code> },
        Inline::Link { href, children } => html! {
            <a href={href.clone()} target="_blank" rel="noopener noreferrer">{ for children.iter().map(self::inline) }</a>
        },
    }
}
