//! Static files that stay inside their folder. `ServeDir` refuses `..` but follows symbolic
//! links wherever they point; this middleware resolves the file a request would get (and the
//! precompressed or `index.html` variants `ServeDir` may pick instead) and answers 404 when any of
//! them, links resolved, lies outside the served folder.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;

/// Passes the request on only if what it names stays inside `root`.
pub async fn inside(State(root): State<Arc<PathBuf>>, request: Request, next: Next) -> Response {
    let relative = percent_decode_str(request.uri().path()).decode_utf8_lossy().into_owned();
    let root = Arc::clone(&root);
    let escapes = tokio::task::spawn_blocking(move || escapes(&root, &relative)).await;
    // A check that could not run refuses, like one that found an escape.
    if escapes.unwrap_or(true) {
        return StatusCode::NOT_FOUND.into_response();
    }
    next.run(request).await
}

/// Whether the file `relative` names under `root`, or a variant `ServeDir` would serve in its
/// place, resolves to somewhere outside `root`. Files that do not exist escape nowhere.
pub fn escapes(root: &Path, relative: &str) -> bool {
    let Ok(real_root) = root.canonicalize() else { return false };
    let mut path = root.to_path_buf();
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => return true,
            part => path.push(part),
        }
    }
    let with_suffix = |suffix: &str| {
        let mut name = path.clone().into_os_string();
        name.push(suffix);
        PathBuf::from(name)
    };
    let candidates = [path.clone(), path.join("index.html"), with_suffix(".br"), with_suffix(".gz")];
    candidates
        .iter()
        .filter_map(|candidate| candidate.canonicalize().ok())
        .any(|real| !real.starts_with(&real_root))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_out_of_the_folder_escape_and_links_within_it_do_not() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (root, outside) = (dir.path().join("pkg"), dir.path().join("secret"));
        std::fs::create_dir_all(root.join("sub")).expect("dirs");
        std::fs::create_dir_all(&outside).expect("dirs");
        std::fs::write(root.join("sub/app.js"), "ok").expect("written");
        std::fs::write(outside.join("key.txt"), "secret").expect("written");
        symlink(root.join("sub/app.js"), root.join("alias.js")).expect("link");
        symlink(outside.join("key.txt"), root.join("key.js")).expect("link");
        symlink(&outside, root.join("out")).expect("link");
        symlink(outside.join("key.txt"), root.join("sub/app.js.br")).expect("link");

        assert!(!escapes(&root, "/sub/app.js.gz"), "a missing file escapes nowhere");
        assert!(!escapes(&root, "/alias.js"), "a link within the folder is served");
        assert!(escapes(&root, "/key.js"));
        assert!(escapes(&root, "/out/key.txt"));
        assert!(escapes(&root, "/out"));
        assert!(escapes(&root, "/sub/app.js"), "its precompressed copy points outside");
        assert!(escapes(&root, "/../secret/key.txt"));
    }
}
