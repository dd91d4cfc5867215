//! Minifies the widget's stylesheet into `OUT_DIR/widget.css`, which `mount` embeds: comments
//! and layout whitespace are bytes every visitor downloads (about 0.5 KB gzip).

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=src/widget.css");
    let source = fs::read_to_string("src/widget.css").expect("src/widget.css is readable");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("widget.css");
    fs::write(out, minify(&source)).expect("OUT_DIR is writable");
}

/// Drops comments, collapses whitespace, and removes it beside punctuation that needs none. The
/// stylesheet has no strings, so nothing inside quotes needs sparing; a space before `:` is kept,
/// as in a selector it means "a descendant".
fn minify(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..].find("*/").map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        let joins =
            out.ends_with(['{', '}', ';', ',', ':', '>']) || word.starts_with(['{', '}', ';', ',', '>']);
        if !out.is_empty() && !joins {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.replace(";}", "}")
}
