//! nftables in the lab: the NAT of a router and the counters of the "public" namespace that show
//! which path media took. Rulesets are applied whole with `nft -f -` inside a namespace.

use std::io::Write;
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};

use serde_json::Value;

/// How a router maps its LAN's flows onto its WAN address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nat {
    /// `masquerade`: Linux keeps the source port when it can, so one socket keeps one mapping
    /// whatever the destination, and only answers from where it sent come back in: a
    /// port-restricted cone. STUN's reflexive address works for the peer.
    Cone,
    /// `masquerade fully-random`: every new flow gets a random port, so the mapping the STUN
    /// server saw is not the one the peer would need: a symmetric NAT. Only TURN gets through.
    Symmetric,
}

/// Applies `ruleset` in namespace `ns`.
pub fn apply(ns: &str, ruleset: &str) {
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, "nft", "-f", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nft runs (apt package nftables)");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(ruleset.as_bytes())
        .expect("nft reads its ruleset");
    let out = child.wait_with_output().expect("nft finishes");
    assert!(
        out.status.success(),
        "nft refused the ruleset in {ns}: {}\n{ruleset}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A router's NAT: flows from the LAN leaving through `wan` take the router's WAN address.
///
/// Like a home router, it drops what arrives on `wan` unasked (no conntrack entry). That also
/// matters for hole punching: a peer's check that reaches the router before the client's own
/// first packet to that peer would otherwise leave a conntrack entry for the router itself
/// (answered with ICMP), and the client's packet would then clash with it and be masqueraded
/// from another port.
pub fn router_ruleset(nat: Nat, wan: &str) -> String {
    let masquerade = match nat {
        Nat::Cone => "masquerade",
        Nat::Symmetric => "masquerade fully-random",
    };
    format!(
        "table ip duetlab_nat {{
  chain postrouting {{
    type nat hook postrouting priority srcnat; policy accept;
    oifname \"{wan}\" {masquerade}
  }}
  chain input {{
    type filter hook input priority filter; policy accept;
    iifname \"{wan}\" ct state new drop
  }}
  chain forward {{
    type filter hook forward priority filter; policy accept;
    iifname \"{wan}\" ct state new drop
  }}
}}
"
    )
}

/// Named counters of the public namespace, read with [`counter`].
pub mod counters {
    /// Packets forwarded from router A's WAN address to router B's (a direct path).
    pub const A_TO_B: &str = "a_to_b";
    /// Packets forwarded from router B's WAN address to router A's.
    pub const B_TO_A: &str = "b_to_a";
    /// Packets coturn sent from one of its relay ports (media it relayed).
    pub const RELAYED: &str = "relayed";
    /// Packets from router A's WAN address to coturn's STUN/TURN port (its own allocation).
    pub const A_TO_TURN: &str = "a_to_turn";
    /// Packets from router B's WAN address to coturn's STUN/TURN port.
    pub const B_TO_TURN: &str = "b_to_turn";
    /// Packets from router A's WAN address to coturn's relay ports (to a peer's allocation).
    pub const A_TO_RELAY: &str = "a_to_relay";
    /// Packets from router B's WAN address to coturn's relay ports.
    pub const B_TO_RELAY: &str = "b_to_relay";
}

/// The public namespace's counters: what crosses between the two routers, what each router sends
/// to coturn's port `turn_port` and to its relay ports (`relay_ports` is `min-max`), and what
/// coturn relays.
pub fn public_ruleset(
    a_wan: Ipv4Addr,
    b_wan: Ipv4Addr,
    turn_port: u16,
    relay_ports: &str,
) -> String {
    use counters::*;
    format!(
        "table inet duetlab_watch {{
  counter {A_TO_B} {{ }}
  counter {B_TO_A} {{ }}
  counter {RELAYED} {{ }}
  counter {A_TO_TURN} {{ }}
  counter {B_TO_TURN} {{ }}
  counter {A_TO_RELAY} {{ }}
  counter {B_TO_RELAY} {{ }}
  chain forward {{
    type filter hook forward priority filter; policy accept;
    ip saddr {a_wan} ip daddr {b_wan} counter name {A_TO_B}
    ip saddr {b_wan} ip daddr {a_wan} counter name {B_TO_A}
  }}
  chain input {{
    type filter hook input priority filter; policy accept;
    ip saddr {a_wan} udp dport {turn_port} counter name {A_TO_TURN}
    ip saddr {b_wan} udp dport {turn_port} counter name {B_TO_TURN}
    ip saddr {a_wan} udp dport {relay_ports} counter name {A_TO_RELAY}
    ip saddr {b_wan} udp dport {relay_ports} counter name {B_TO_RELAY}
  }}
  chain output {{
    type filter hook output priority filter; policy accept;
    udp sport {relay_ports} counter name {RELAYED}
  }}
}}
"
    )
}

/// Packets counted so far by the named counter `name` of the public ruleset in `ns`.
pub fn counter(ns: &str, name: &str) -> u64 {
    let out = super::netns::run_in(
        ns,
        "nft",
        &["-j", "list", "counter", "inet", "duetlab_watch", name],
    );
    let json: Value = serde_json::from_str(&out).expect("nft -j prints JSON");
    json["nftables"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|item| item["counter"]["packets"].as_u64())
        .unwrap_or_else(|| panic!("no counter {name} in {out}"))
}
