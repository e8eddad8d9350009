//! The lab's internet: a "public" namespace (servers live here, and it routes between the two
//! routers), two NAT routers and a client behind each.
//!
//! ```text
//!  client A 10.1.0.2 ── lan 10.1.0.1 [router A] wan 198.51.100.2 ──┐
//!                                                                   [public] 203.0.113.1 (lo)
//!  client B 10.2.0.2 ── lan 10.2.0.1 [router B] wan 198.51.100.6 ──┘
//! ```
//!
//! Every address is a documentation range (RFC 5737) or private, and lives only inside these
//! namespaces: nothing has a route out of them. The public namespace knows no route to the LANs,
//! so a client reaches anything only through its NAT, and the only direct path between the
//! clients is router A's WAN address <-> router B's WAN address, forwarded by the public
//! namespace (where the counters of `nft::public_ruleset` watch it).

use std::net::Ipv4Addr;

use super::cleanup::Namespaces;
use super::netns::run;
use super::nft::{self, Nat};

/// The servers' address in the public namespace.
pub const PUBLIC_IP: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);
/// coturn's STUN/TURN port.
pub const TURN_PORT: u16 = 3478;
/// coturn's relay port range (its `min-port`/`max-port`).
pub const RELAY_PORTS: (u16, u16) = (49152, 49251);

/// One side of the lab: a client namespace behind its NAT router.
#[derive(Debug, Clone)]
pub struct Site {
    /// The router namespace.
    pub router: String,
    /// The client namespace, where duet-cli runs.
    pub client: String,
    /// The router's WAN address as the public namespace sees it (the NAT's outside address).
    pub wan_ip: Ipv4Addr,
    /// The client's LAN address.
    pub lan_ip: Ipv4Addr,
    /// The router's NAT.
    pub nat: Nat,
}

/// The whole lab network; dropping it deletes every namespace and kills what runs inside.
pub struct Internet {
    /// The public namespace (duet-server, coturn).
    pub public: String,
    pub a: Site,
    pub b: Site,
    // Last field: dropped after everything above.
    namespaces: Namespaces,
}

impl Internet {
    /// Builds the namespaces, links, addresses, routes, NATs and counters.
    pub fn build(nat_a: Nat, nat_b: Nat) -> Internet {
        let mut namespaces = Namespaces::new();
        let public = namespaces.create("pub");
        let a = site(&mut namespaces, &public, "a", 1, nat_a);
        let b = site(&mut namespaces, &public, "b", 2, nat_b);
        ip(
            &public,
            &["addr", "add", &format!("{PUBLIC_IP}/32"), "dev", "lo"],
        );
        forwarding(&public);
        // The rest of the internet: a default route into a veth whose peer stays down, where
        // packets vanish.
        // Without one, coturn relaying towards a private candidate address (a LAN address the
        // peer advertised) gets "network unreachable" from the kernel at once, which no public
        // TURN server ever sees; with it, such packets are silently lost, as on the internet.
        ip(
            &public,
            &[
                "link",
                "add",
                "elsewhere",
                "type",
                "veth",
                "peer",
                "name",
                "void",
            ],
        );
        ip(&public, &["link", "set", "elsewhere", "up"]);
        ip(&public, &["route", "add", "default", "dev", "elsewhere"]);
        nft::apply(
            &public,
            &nft::public_ruleset(
                a.wan_ip,
                b.wan_ip,
                TURN_PORT,
                &format!("{}-{}", RELAY_PORTS.0, RELAY_PORTS.1),
            ),
        );
        Internet {
            public,
            a,
            b,
            namespaces,
        }
    }

    /// The namespace set, to add more namespaces to this lab.
    pub fn namespaces(&mut self) -> &mut Namespaces {
        &mut self.namespaces
    }

    /// Moves site A to a new public address, as a laptop moving to another network (or a phone
    /// whose carrier re-numbers it) does: router A's WAN link gets 198.51.100.10 (the public side
    /// .9) and loses its old address. Deleting the address makes the kernel drop every NAT
    /// mapping made with it, so packets from the internet to the old address go nowhere and
    /// the client's next packets leave from the new one. The client's own address is unchanged.
    /// Returns the new address. The public counters keep watching the old one.
    pub fn move_site_a(&self) -> Ipv4Addr {
        let pub_side = Ipv4Addr::new(198, 51, 100, 9);
        let new_wan = Ipv4Addr::new(198, 51, 100, 10);
        ip(
            &self.public,
            &["addr", "add", &format!("{pub_side}/30"), "dev", "to-a"],
        );
        let router = &self.a.router;
        ip(
            router,
            &["addr", "add", &format!("{new_wan}/30"), "dev", "wan"],
        );
        ip(
            router,
            &["route", "replace", "default", "via", &pub_side.to_string()],
        );
        let old = format!("{}/30", self.a.wan_ip);
        ip(router, &["addr", "del", &old, "dev", "wan"]);
        new_wan
    }

    /// Packets counted so far by the public namespace's counter `name` (`nft::counters`).
    pub fn counter(&self, name: &str) -> u64 {
        nft::counter(&self.public, name)
    }
}

/// `ip -n ns ARGS`.
fn ip(ns: &str, args: &[&str]) {
    let mut all = vec!["-n", ns];
    all.extend_from_slice(args);
    run("ip", &all);
}

fn forwarding(ns: &str) {
    super::netns::run_in(ns, "sysctl", &["-q", "-w", "net.ipv4.ip_forward=1"]);
}

/// Router `r<n>` and client `c<n>` for site `n` (1 or 2): WAN link 198.51.100.(4n-3)/30 on the
/// public side, .(4n-2) on the router; LAN 10.n.0.0/24.
fn site(namespaces: &mut Namespaces, public: &str, tag: &str, n: u8, nat: Nat) -> Site {
    let router = namespaces.create(&format!("r{tag}"));
    let client = namespaces.create(&format!("c{tag}"));
    let pub_side = Ipv4Addr::new(198, 51, 100, 4 * n - 3);
    let wan_ip = Ipv4Addr::new(198, 51, 100, 4 * n - 2);
    let gateway = Ipv4Addr::new(10, n, 0, 1);
    let lan_ip = Ipv4Addr::new(10, n, 0, 2);

    // Public <-> router: "to-<tag>" in public, "wan" in the router.
    let to_site = format!("to-{tag}");
    ip(
        public,
        &[
            "link", "add", &to_site, "type", "veth", "peer", "name", "wan", "netns", &router,
        ],
    );
    ip(
        public,
        &["addr", "add", &format!("{pub_side}/30"), "dev", &to_site],
    );
    ip(public, &["link", "set", &to_site, "up"]);
    ip(
        &router,
        &["addr", "add", &format!("{wan_ip}/30"), "dev", "wan"],
    );
    ip(&router, &["link", "set", "wan", "up"]);
    ip(
        &router,
        &["route", "add", "default", "via", &pub_side.to_string()],
    );

    // Router <-> client: "lan" in the router, "eth0" in the client.
    ip(
        &router,
        &[
            "link", "add", "lan", "type", "veth", "peer", "name", "eth0", "netns", &client,
        ],
    );
    ip(
        &router,
        &["addr", "add", &format!("{gateway}/24"), "dev", "lan"],
    );
    ip(&router, &["link", "set", "lan", "up"]);
    ip(
        &client,
        &["addr", "add", &format!("{lan_ip}/24"), "dev", "eth0"],
    );
    ip(&client, &["link", "set", "eth0", "up"]);
    ip(
        &client,
        &["route", "add", "default", "via", &gateway.to_string()],
    );

    forwarding(&router);
    nft::apply(&router, &nft::router_ruleset(nat, "wan"));
    Site {
        router,
        client,
        wan_ip,
        lan_ip,
        nat,
    }
}
