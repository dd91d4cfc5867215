//! Cursor pagination as Intercom's lists and searches do it: `per_page` and an opaque
//! `starting_after` in, a `pages` object with `next` out while more remain.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::error::IntercomError;

/// `starting_after_paging`: what a client asks for.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Paging {
    /// Results per page (at most 150).
    pub per_page: Option<usize>,
    /// The cursor from the previous page's `pages.next`.
    pub starting_after: Option<String>,
}

/// One page of `items`, and the `pages` object describing it; `default` results per page
/// when the client names none.
pub fn page<T>(items: Vec<T>, paging: &Paging, default: usize) -> Result<(Vec<T>, Value), IntercomError> {
    let per_page = paging.per_page.unwrap_or(default).clamp(1, 150);
    let offset = match paging.starting_after.as_deref() {
        None | Some("") => 0,
        Some(cursor) => cursor.parse::<usize>().map_err(|_| {
            IntercomError::ParameterInvalid(
                "Invalid starting_after param. Please try again using a starting_after value from a paginated response"
                    .into(),
            )
        })?,
    };
    let total = items.len();
    let end = offset.saturating_add(per_page).min(total);
    let shown: Vec<T> = items.into_iter().skip(offset).take(per_page).collect();
    let mut pages = json!({
        "type": "pages",
        "page": offset / per_page + 1,
        "per_page": per_page,
        "total_pages": total.div_ceil(per_page),
    });
    if end < total {
        pages["next"] = json!({"per_page": per_page, "starting_after": end.to_string()});
    }
    Ok((shown, pages))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_their_cursor_to_the_end() {
        let first = Paging { per_page: Some(2), starting_after: None };
        let (items, pages) = page(vec![1, 2, 3], &first, 20).expect("valid");
        assert_eq!(items, vec![1, 2]);
        assert_eq!(pages["total_pages"], 2);
        let cursor = pages["next"]["starting_after"].as_str().map(str::to_owned);
        let (items, pages) =
            page(vec![1, 2, 3], &Paging { per_page: Some(2), starting_after: cursor }, 20).expect("valid");
        assert_eq!((items, pages["page"].clone(), pages.get("next")), (vec![3], json!(2), None));
    }

    #[test]
    fn an_empty_list_has_no_pages_and_a_bad_cursor_is_refused() {
        let (_, pages) = page(Vec::<u8>::new(), &Paging::default(), 50).expect("valid");
        assert_eq!((pages["page"].clone(), pages["total_pages"].clone()), (json!(1), json!(0)));
        let bad = Paging { per_page: None, starting_after: Some("xyz".into()) };
        assert!(matches!(page(vec![1], &bad, 50), Err(IntercomError::ParameterInvalid(_))));
    }
}
