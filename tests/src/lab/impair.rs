//! Impairments of a site's link to the internet, applied in its router namespace: random loss
//! of UDP (media; signaling's TCP is left alone, its own retransmissions would only slow the
//! test), a blackout (nothing forwarded either way, signaling included), and a rate cap on the
//! router's WAN egress (`tc tbf`; `netem` is not in this kernel, so loss comes from nftables'
//! `numgen random`). Each call replaces the previous impairment of that kind; the cap is lifted
//! with [`lift_cap`].

use super::netns::run;
use super::nft;

/// The router's nftables table for impairments, separate from its NAT table.
const TABLE: &str = "duetlab_impair";

/// Replaces the router's impairment rules with `rules` (nft statements of a forward chain).
fn forward_rules(router: &str, rules: &str) {
    // Declaring the table first makes the delete valid when it does not exist yet.
    nft::apply(
        router,
        &format!(
            "table ip {TABLE} {{}}
delete table ip {TABLE}
table ip {TABLE} {{
  chain forward {{
    type filter hook forward priority filter - 10; policy accept;
{rules}
  }}
}}
"
        ),
    );
}

/// Drops `percent` % of the UDP packets the router forwards, both ways, at random.
pub fn udp_loss(router: &str, percent: u8) {
    forward_rules(
        router,
        &format!("    meta l4proto udp numgen random mod 100 < {percent} drop"),
    );
}

/// Forwards nothing, either way: the site's network is gone.
pub fn blackout(router: &str) {
    forward_rules(router, "    drop");
}

/// Removes loss and blackout.
pub fn clear(router: &str) {
    forward_rules(router, "");
}

/// Lifts the cap [`cap_upload`] set (the WAN link's default queue comes back).
pub fn lift_cap(router: &str) {
    run(
        "ip",
        &[
            "netns", "exec", router, "tc", "qdisc", "del", "dev", "wan", "root",
        ],
    );
}

/// Caps what the router sends out of its WAN link (the site's upload) at `kbit` kbit/s.
pub fn cap_upload(router: &str, kbit: u32) {
    run(
        "ip",
        &[
            "netns",
            "exec",
            router,
            "tc",
            "qdisc",
            "replace",
            "dev",
            "wan",
            "root",
            "tbf",
            "rate",
            &format!("{kbit}kbit"),
            "burst",
            "16kbit",
            "latency",
            "200ms",
        ],
    );
}
