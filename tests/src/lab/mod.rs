//! The network lab: a small internet built from Linux network namespaces on this machine, for
//! tests of calls between two networks. It needs root, iproute2, nftables and coturn
//! (`scripts/apt-packages-test.txt`).
//!
//! - [`topology`]: the namespaces, links, addresses and routes (`Internet`);
//! - [`nft`]: the routers' NAT (cone or symmetric) and the public namespace's counters;
//! - [`impair`]: loss, blackouts and rate caps on a site's link;
//! - [`coturn`]: a STUN/TURN server with TURN REST API credentials;
//! - [`tls`]: a CA and a server certificate for wss://;
//! - [`server`]: duet-server in the public namespace, duet-cli in the client namespaces;
//! - [`stun`]: a minimal STUN/TURN client (probes, credential checks);
//! - [`two_sites`]: the whole lab of most tests (internet, coturn, certificates) as one `Lab`;
//! - [`media`]: small test media and the checks of what the far side recorded;
//! - [`netns`], [`cleanup`]: namespace plumbing and teardown (also of leftovers of dead runs).
//!
//! Nothing in the lab has a route outside its own namespaces.

pub mod cleanup;
pub mod coturn;
pub mod impair;
pub mod media;
pub mod netns;
pub mod nft;
pub mod server;
pub mod stun;
pub mod tls;
pub mod topology;
pub mod two_sites;

pub use nft::Nat;
pub use topology::{Internet, Site, PUBLIC_IP};
