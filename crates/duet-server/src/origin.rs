//! Which web pages may open `/ws`: browsers send the page's origin with every WebSocket request
//! and let any page connect anywhere, so without this check any site the user visits could use
//! a server on their machine (the desktop app's embedded one) or their network.

use axum::http::{header, HeaderMap};

/// Whether a request with these headers may upgrade: no `Origin` (not a browser), or one of
/// `allowed` (exact, or with `*` for the port: `http://127.0.0.1:*`).
pub(crate) fn allowed(headers: &HeaderMap, allowed: &[String]) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    allowed.iter().any(|pattern| matches(pattern, origin))
}

fn matches(pattern: &str, origin: &str) -> bool {
    match pattern.strip_suffix(":*") {
        Some(host) => origin
            .strip_prefix(host)
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())),
        None => pattern.eq_ignore_ascii_case(origin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_origin(origin: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        headers
    }

    #[test]
    fn clients_that_are_not_browsers_send_no_origin_and_pass() {
        assert!(allowed(&HeaderMap::new(), &[]));
    }

    #[test]
    fn a_page_from_an_origin_not_listed_is_refused() {
        assert!(!allowed(&with_origin("https://evil.example"), &[]));
        let list = ["https://app.example.com".to_owned()];
        assert!(!allowed(&with_origin("https://evil.example"), &list));
        assert!(!allowed(&with_origin("null"), &list));
        assert!(allowed(&with_origin("https://app.example.com"), &list));
    }

    #[test]
    fn a_port_wildcard_matches_any_port_of_that_host_only() {
        let list = ["http://127.0.0.1:*".to_owned()];
        assert!(allowed(&with_origin("http://127.0.0.1:5173"), &list));
        assert!(!allowed(&with_origin("http://127.0.0.1"), &list));
        assert!(!allowed(
            &with_origin("http://127.0.0.1:80.evil.example"),
            &list
        ));
        assert!(!allowed(&with_origin("http://127.0.0.10:80"), &list));
    }
}
