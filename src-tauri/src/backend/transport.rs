//! Whether the app may sign in to a server URL, and how the page should mark that connection.
//!
//! The login token (valid for months) and the calls' SDP with their DTLS fingerprints cross the
//! signaling connection: over plain `ws://` anyone on the path can read the token and sit in
//! the middle of the media. So plain `ws://` is allowed without asking only where nothing leaves
//! the machine (loopback, which is also where the embedded server listens); anywhere else the
//! user must tick "Insecure, for testing", and the page then shows the connection as not secure.

use crate::error::{AppError, AppResult};
use serde::Serialize;
use std::net::{IpAddr, Ipv6Addr};

/// How the signaling connection is protected (the page's `SignedIn.transport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum Transport {
    /// `wss://`: encrypted, the server's certificate verified.
    Tls,
    /// `ws://` to this machine: nothing crosses a network.
    Loopback,
    /// `ws://` across a network, allowed by the user's "insecure" choice: shown as not secure.
    Plain,
}

/// The transport of `url`, or why the app refuses it: a plain `ws://` server off this machine
/// needs `allow_insecure`; a scheme other than `ws`/`wss` or a URL without a host is invalid.
pub fn check_server_url(url: &str, allow_insecure: bool) -> AppResult<Transport> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| not_a_server(url))?;
    let host = host_of(rest).ok_or_else(|| not_a_server(url))?;
    match scheme.to_ascii_lowercase().as_str() {
        "wss" => Ok(Transport::Tls),
        "ws" if is_loopback(host) => Ok(Transport::Loopback),
        "ws" if allow_insecure => Ok(Transport::Plain),
        "ws" => Err(AppError::InsecureServer {
            host: host.to_owned(),
        }),
        _ => Err(not_a_server(url)),
    }
}

fn not_a_server(url: &str) -> AppError {
    AppError::Invalid(format!(
        "the server address `{url}` must look like wss://host:port/ws (or ws:// for testing)"
    ))
}

/// The host of a URL's remainder after `scheme://`: without user info, port and path; an IPv6
/// address without its brackets. `None` when empty.
fn host_of(rest: &str) -> Option<&str> {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']')?.0,
        None => host_port.split(':').next().unwrap_or(host_port),
    };
    (!host.is_empty()).then_some(host)
}

/// 127.0.0.0/8, ::1 (also written as the IPv4-mapped ::ffff:127.x.y.z) and `localhost`.
fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") || host.eq_ignore_ascii_case("localhost.") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6.is_loopback() || mapped_v4_loopback(v6),
        Err(_) => false,
    }
}

fn mapped_v4_loopback(v6: Ipv6Addr) -> bool {
    v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_host(url: &str) -> Option<String> {
        match check_server_url(url, false) {
            Err(AppError::InsecureServer { host }) => Some(host),
            _ => None,
        }
    }

    #[test]
    fn wss_is_always_allowed() {
        for url in [
            "wss://duet.example.com/ws",
            "wss://192.0.2.10:7443/ws",
            "WSS://[::1]/ws",
        ] {
            assert_eq!(
                check_server_url(url, false).unwrap(),
                Transport::Tls,
                "{url}"
            );
        }
    }

    #[test]
    fn plain_ws_on_loopback_is_allowed_without_asking() {
        for url in [
            "ws://127.0.0.1:7420/ws",
            "ws://127.8.9.10/ws",
            "ws://localhost:7420/ws",
            "ws://LocalHost/ws",
            "ws://[::1]:7420/ws",
            "ws://[::ffff:127.0.0.1]:7420/ws",
            "ws://user@127.0.0.1:7420/ws",
        ] {
            assert_eq!(
                check_server_url(url, false).unwrap(),
                Transport::Loopback,
                "{url}"
            );
        }
    }

    #[test]
    fn plain_ws_off_this_machine_is_refused_naming_the_host() {
        assert_eq!(
            refused_host("ws://192.168.1.20:7420/ws").as_deref(),
            Some("192.168.1.20")
        );
        assert_eq!(
            refused_host("ws://duet.example.com/ws").as_deref(),
            Some("duet.example.com")
        );
        assert_eq!(
            refused_host("ws://[2001:db8::1]:7420/ws").as_deref(),
            Some("2001:db8::1")
        );
        // Names that only look local are not loopback.
        assert_eq!(
            refused_host("ws://localhost.example.com/ws").as_deref(),
            Some("localhost.example.com")
        );
        assert_eq!(
            refused_host("ws://128.0.0.1/ws").as_deref(),
            Some("128.0.0.1")
        );
        assert_eq!(
            refused_host("ws://0.0.0.0:7420/ws").as_deref(),
            Some("0.0.0.0")
        );
        // The user info cannot smuggle a loopback host in.
        assert_eq!(
            refused_host("ws://127.0.0.1@evil.example/ws").as_deref(),
            Some("evil.example")
        );
    }

    #[test]
    fn the_insecure_choice_allows_plain_ws_and_marks_it() {
        assert_eq!(
            check_server_url("ws://192.168.1.20:7420/ws", true).unwrap(),
            Transport::Plain
        );
        // Ticking it does not downgrade what is secure or local anyway.
        assert_eq!(
            check_server_url("wss://duet.example.com/ws", true).unwrap(),
            Transport::Tls
        );
        assert_eq!(
            check_server_url("ws://127.0.0.1:7420/ws", true).unwrap(),
            Transport::Loopback
        );
    }

    #[test]
    fn other_schemes_and_hostless_urls_are_invalid() {
        for url in [
            "http://duet.example.com/ws",
            "duet.example.com",
            "ws:///ws",
            "wss://",
        ] {
            assert!(
                matches!(check_server_url(url, true), Err(AppError::Invalid(_))),
                "{url}"
            );
        }
    }
}
