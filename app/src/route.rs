//! Where the reader is: `/#/<slug>?<state>`, with `?embed` (in the page's query or the fragment's)
//! for a chapter shown alone inside an iframe. `/<slug>` also works where a server sends the app
//! for any path. The fragment form needs nothing from the server, so the guide can be hosted as
//! plain files.

use crate::url_codec::parse_query;

/// The parsed location.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Route {
    /// The chapter slug; empty for the start page.
    pub slug: String,
    /// The fragment's query: the chapter's control state.
    pub query: String,
    /// Whether the chapter is shown alone, for an iframe.
    pub embed: bool,
}

impl Route {
    /// Parses the pieces of a location: `hash` with its `#`, `search` with its `?`.
    pub fn parse(hash: &str, search: &str, pathname: &str) -> Route {
        let frag = hash.trim_start_matches('#');
        let (path, query) = frag.split_once('?').unwrap_or((frag, ""));
        let mut slug = path.trim_matches('/').to_owned();
        if slug.is_empty() {
            // `/<slug>` without a fragment: the last path segment, if the server served us there.
            slug = pathname
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .filter(|s| !s.contains('.'))
                .unwrap_or("")
                .to_owned();
        }
        let has_embed = |q: &str| parse_query(q).iter().any(|(k, v)| k == "embed" && v != "0");
        let embed = has_embed(search.trim_start_matches('?')) || has_embed(query);
        Route { slug, query: query.to_owned(), embed }
    }

    /// The route of the current page.
    pub fn current() -> Route {
        let loc = web_sys::window().expect("a window").location();
        Route::parse(
            &loc.hash().unwrap_or_default(),
            &loc.search().unwrap_or_default(),
            &loc.pathname().unwrap_or_default(),
        )
    }

    /// A value from the page's real query string (`?backend=cpu`) or the fragment's.
    pub fn param(key: &str) -> Option<String> {
        let loc = web_sys::window()?.location();
        let search = loc.search().unwrap_or_default();
        let from_search = parse_query(search.trim_start_matches('?'));
        let from_hash = parse_query(&Route::current().query);
        from_search.into_iter().chain(from_hash).find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

/// The fragment for a chapter with its state.
pub fn fragment(slug: &str, query: &str) -> String {
    if query.is_empty() { format!("#/{slug}") } else { format!("#/{slug}?{query}") }
}

/// Rewrites the fragment's query without adding a history entry or firing `hashchange`.
pub fn replace_query(slug: &str, query: &str) {
    let Some(window) = web_sys::window() else { return };
    let target = fragment(slug, query);
    if window.location().hash().unwrap_or_default() == target {
        return;
    }
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragment_routes_carry_slug_and_state() {
        let r = Route::parse("#/tokens?text=hi%20there", "", "/");
        assert_eq!(r.slug, "tokens");
        assert_eq!(r.query, "text=hi%20there");
        assert!(!r.embed);
    }

    #[test]
    fn embed_is_read_from_either_query() {
        assert!(Route::parse("#/softmax", "?embed", "/").embed);
        assert!(Route::parse("#/softmax?embed", "", "/").embed);
        assert!(Route::parse("#/softmax?embed=1&t=2", "", "/").embed);
        assert!(!Route::parse("#/softmax?embed=0", "", "/").embed);
    }

    #[test]
    fn path_routes_work_without_a_fragment() {
        assert_eq!(Route::parse("", "", "/attention").slug, "attention");
        assert_eq!(Route::parse("", "", "/guide/attention/").slug, "attention");
        assert_eq!(Route::parse("", "", "/index.html").slug, "");
        assert_eq!(Route::parse("#/", "", "/").slug, "");
    }
}
