//! Responses kept as files: each page is parsed (it says where the next one starts) and
//! stored without its `next_page_token`, so the readers see one complete answer split into
//! files, not a page that promises more.

use std::collections::HashSet;

use runql_codecs::json_lenient::{self, JsonValue};

use crate::client::Response;
use crate::error::{RemoteError, Result};

/// One parsed page.
#[derive(Debug)]
pub struct Page {
    /// The document, without `next_page_token`.
    pub doc: JsonValue,
    /// The token of the next page, if there is one.
    pub next: Option<String>,
}

/// Parses a response as JSON (NaN and ±Infinity tokens allowed, as Python servers write
/// them) and takes out its page token.
///
/// ```
/// use runql_remote::Response;
/// use runql_remote::pages::page;
/// let r = Response { request: "GET x".into(), body: br#"{"runs": [], "next_page_token": "abc"}"#.to_vec() };
/// let p = page(&r)?;
/// assert_eq!(p.next.as_deref(), Some("abc"));
/// assert_eq!(p.doc.to_json(), r#"{"runs":[]}"#);
/// # Ok::<(), runql_remote::RemoteError>(())
/// ```
///
/// # Errors
/// [`RemoteError::BadResponse`] naming the request when the body is not a JSON object.
pub fn page(r: &Response) -> Result<Page> {
    let bad = |why: String| RemoteError::BadResponse { request: r.request.clone(), why };
    let doc = json_lenient::parse(&r.body).map_err(|e| {
        let head: String = String::from_utf8_lossy(r.body.get(..80).unwrap_or(&r.body)).into_owned();
        bad(format!("the response is not JSON ({e}); it starts with {head:?}"))
    })?;
    let JsonValue::Object(mut entries) = doc else {
        return Err(bad("the response is not a JSON object".to_string()));
    };
    let mut next = None;
    entries.retain(|(k, v)| {
        if k == "next_page_token" {
            next = v.as_str().filter(|t| !t.is_empty()).map(str::to_string);
            false
        } else {
            true
        }
    });
    Ok(Page { doc: JsonValue::Object(entries), next })
}

/// The array field `key` of a page (absent = empty, as protobuf JSON omits empty fields).
///
/// # Errors
/// [`RemoteError::BadResponse`] when the field is there but not an array.
pub fn array<'a>(doc: &'a JsonValue, key: &str, request: &str) -> Result<&'a [JsonValue]> {
    match doc.get(key) {
        None => Ok(&[]),
        Some(JsonValue::Array(items)) => Ok(items),
        Some(_) => Err(RemoteError::BadResponse {
            request: request.to_string(),
            why: format!("`{key}` is not an array"),
        }),
    }
}

/// A page's file name: `search-page-0001.json`.
pub fn file_name(stem: &str, n: usize) -> String {
    format!("{stem}-page-{n:04}.json")
}

/// The page tokens of one paged answer so far. A token seen before, or more pages than any
/// real answer has, means the server would page forever: paging stops with a reason.
///
/// ```
/// use runql_remote::pages::Tokens;
/// let mut t = Tokens::default();
/// assert!(t.next("a").is_ok());
/// assert!(t.next("b").is_ok());
/// assert!(t.next("a").unwrap_err().contains("page token"));
/// ```
#[derive(Debug, Default)]
pub struct Tokens {
    seen: HashSet<String>,
}

impl Tokens {
    /// More pages than this in one answer is a server that does not stop (100,000 pages of
    /// 1,000 runs is a hundred million runs).
    pub const MAX_PAGES: usize = 100_000;

    /// Takes the token of the next page.
    ///
    /// # Errors
    /// Why paging would not end: the token came before, or the pages are past
    /// [`Tokens::MAX_PAGES`].
    pub fn next(&mut self, token: &str) -> Result<(), String> {
        if self.seen.len() >= Self::MAX_PAGES {
            return Err(format!("more than {} pages: paging would not end", Self::MAX_PAGES));
        }
        if !self.seen.insert(token.to_string()) {
            return Err("the server returned a page token it had sent before: paging would not end".into());
        }
        Ok(())
    }
}
