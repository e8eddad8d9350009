//! Just enough STUN/TURN (RFC 5389, RFC 5766) to ask coturn for a Binding and an Allocate with a
//! TURN REST API credential, and to read its answer: the lab's readiness probe and the check that
//! coturn refuses expired credentials. Also the credential formula itself.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;

const MAGIC_COOKIE: u32 = 0x2112_A442;
const BINDING: u16 = 0x0001;
const ALLOCATE: u16 = 0x0003;
const SUCCESS: u16 = 0x0100;
const ERROR: u16 = 0x0110;

const USERNAME: u16 = 0x0006;
const MESSAGE_INTEGRITY: u16 = 0x0008;
const ERROR_CODE: u16 = 0x0009;
const REALM: u16 = 0x0014;
const NONCE: u16 = 0x0015;
const XOR_RELAYED_ADDRESS: u16 = 0x0016;
const REQUESTED_TRANSPORT: u16 = 0x0019;
const XOR_MAPPED_ADDRESS: u16 = 0x0020;

/// A TURN REST API credential (coturn's `use-auth-secret`): user name
/// `<expiry-unix-seconds>:<account>`, password base64(HMAC-SHA1(secret, user name)).
pub fn rest_credential(secret: &str, account: &str, expires_unix: u64) -> (String, String) {
    let username = format!("{expires_unix}:{account}");
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(username.as_bytes());
    let password = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    (username, password)
}

/// Seconds since the Unix epoch.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A STUN answer, as far as the lab reads it.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// Success (true) or error response.
    pub success: bool,
    /// ERROR-CODE (e.g. 401), if any.
    pub error_code: Option<u16>,
    /// REALM, if any.
    pub realm: Option<String>,
    /// NONCE, if any.
    pub nonce: Option<Vec<u8>>,
    /// XOR-MAPPED-ADDRESS, if any.
    pub mapped: Option<SocketAddrV4>,
    /// XOR-RELAYED-ADDRESS, if any.
    pub relayed: Option<SocketAddrV4>,
}

/// What an authenticated Allocate got.
#[derive(Debug, Clone)]
pub enum AllocateOutcome {
    /// An allocation at this relayed address.
    Allocated(SocketAddrV4),
    /// Refused with this error code on the authenticated attempt.
    Refused(u16),
}

/// A transaction id unique in this process: nanoseconds of the clock and a counter.
fn transaction_id() -> [u8; 12] {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut id = [0u8; 12];
    id[..8].copy_from_slice(&nanos.to_be_bytes());
    id[8..].copy_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_be_bytes());
    id
}

fn attribute(out: &mut Vec<u8>, kind: u16, value: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    out.extend_from_slice(&(value.len() as u16).to_be_bytes());
    out.extend_from_slice(value);
    out.resize(out.len().next_multiple_of(4), 0);
}

/// A request of `method` with `attrs`; with `key`, a MESSAGE-INTEGRITY over it all.
fn request(method: u16, attrs: &[(u16, Vec<u8>)], key: Option<&[u8]>) -> Vec<u8> {
    let mut msg = Vec::with_capacity(128);
    msg.extend_from_slice(&method.to_be_bytes());
    msg.extend_from_slice(&[0, 0]);
    msg.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
    msg.extend_from_slice(&transaction_id());
    for (kind, value) in attrs {
        attribute(&mut msg, *kind, value);
    }
    if let Some(key) = key {
        // The length covers MESSAGE-INTEGRITY (4 + 20 bytes) while the HMAC is computed.
        let length = (msg.len() - 20 + 24) as u16;
        msg[2..4].copy_from_slice(&length.to_be_bytes());
        let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("any key length");
        mac.update(&msg);
        let digest = mac.finalize().into_bytes();
        attribute(&mut msg, MESSAGE_INTEGRITY, &digest);
    }
    let length = (msg.len() - 20) as u16;
    msg[2..4].copy_from_slice(&length.to_be_bytes());
    msg
}

fn xor_address(value: &[u8]) -> Option<SocketAddrV4> {
    if value.len() < 8 || value[1] != 0x01 {
        return None;
    }
    let port = u16::from_be_bytes([value[2], value[3]]) ^ (MAGIC_COOKIE >> 16) as u16;
    let ip = u32::from_be_bytes([value[4], value[5], value[6], value[7]]) ^ MAGIC_COOKIE;
    Some(SocketAddrV4::new(Ipv4Addr::from(ip), port))
}

/// Parses a STUN response; `None` if it is not one.
pub fn parse(data: &[u8]) -> Option<Answer> {
    if data.len() < 20 || u32::from_be_bytes([data[4], data[5], data[6], data[7]]) != MAGIC_COOKIE {
        return None;
    }
    let kind = u16::from_be_bytes([data[0], data[1]]);
    let mut answer = Answer {
        success: kind & 0x0110 == SUCCESS,
        ..Answer::default()
    };
    if kind & 0x0110 != SUCCESS && kind & 0x0110 != ERROR {
        return None;
    }
    let mut at = 20;
    while at + 4 <= data.len() {
        let attr = u16::from_be_bytes([data[at], data[at + 1]]);
        let len = u16::from_be_bytes([data[at + 2], data[at + 3]]) as usize;
        let value = data.get(at + 4..at + 4 + len)?;
        match attr {
            ERROR_CODE if len >= 4 => {
                answer.error_code = Some(value[2] as u16 * 100 + value[3] as u16);
            }
            REALM => answer.realm = Some(String::from_utf8_lossy(value).into_owned()),
            NONCE => answer.nonce = Some(value.to_vec()),
            XOR_MAPPED_ADDRESS => answer.mapped = xor_address(value),
            XOR_RELAYED_ADDRESS => answer.relayed = xor_address(value),
            _ => {}
        }
        at += 4 + len.next_multiple_of(4);
    }
    Some(answer)
}

/// Sends `msg` to `server` and waits (a few tries, one second each) for the answer.
fn exchange(socket: &UdpSocket, server: SocketAddr, msg: &[u8]) -> Option<Answer> {
    socket
        .set_read_timeout(Some(Duration::from_secs(1)))
        .expect("a read timeout");
    let mut buf = [0u8; 1500];
    for _ in 0..3 {
        socket.send_to(msg, server).ok()?;
        if let Ok((n, _)) = socket.recv_from(&mut buf) {
            if let Some(answer) = parse(&buf[..n]) {
                return Some(answer);
            }
        }
    }
    None
}

/// A Binding request to `server` from a new socket; the reflexive address, if it answered.
/// Call it from the namespace the request should come from (`netns::in_netns`).
pub fn binding(server: SocketAddr) -> Option<SocketAddrV4> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    exchange(&socket, server, &request(BINDING, &[], None))?.mapped
}

/// An Allocate (UDP) with the long-term credential `username`/`password`: the first request
/// learns realm and nonce from coturn's 401, the second is authenticated. Call it from a lab
/// namespace (`netns::in_netns`).
pub fn allocate(server: SocketAddr, username: &str, password: &str) -> AllocateOutcome {
    let socket = UdpSocket::bind("0.0.0.0:0").expect("a UDP socket");
    // REQUESTED-TRANSPORT: UDP (17), then three reserved bytes.
    let transport = (REQUESTED_TRANSPORT, vec![17, 0, 0, 0]);
    let challenge = exchange(
        &socket,
        server,
        &request(ALLOCATE, std::slice::from_ref(&transport), None),
    )
    .expect("coturn answers an Allocate");
    let (Some(realm), Some(nonce)) = (challenge.realm.clone(), challenge.nonce.clone()) else {
        panic!("coturn's first answer must be a 401 with realm and nonce: {challenge:?}");
    };
    let key = Md5::digest(format!("{username}:{realm}:{password}").as_bytes());
    let attrs = [
        transport,
        (USERNAME, username.as_bytes().to_vec()),
        (REALM, realm.into_bytes()),
        (NONCE, nonce),
    ];
    let answer = exchange(&socket, server, &request(ALLOCATE, &attrs, Some(&key)))
        .expect("coturn answers the authenticated Allocate");
    match (answer.success, answer.relayed, answer.error_code) {
        (true, Some(relayed), _) => AllocateOutcome::Allocated(relayed),
        (_, _, Some(code)) => AllocateOutcome::Refused(code),
        _ => panic!("an Allocate answer that is neither: {answer:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_credential_is_base64_of_hmac_sha1_of_the_user_name() {
        // Python: base64.b64encode(hmac.new(b"north", b"1700000000:alice", hashlib.sha1).digest())
        let (user, password) = rest_credential("north", "alice", 1_700_000_000);
        assert_eq!(user, "1700000000:alice");
        assert_eq!(password, "Cd/49soE35ICqcJF/bCTn8Z4OyE=");
    }

    #[test]
    fn a_request_with_integrity_has_its_length_and_parses_back() {
        let msg = request(
            ALLOCATE,
            &[(REQUESTED_TRANSPORT, vec![17, 0, 0, 0])],
            Some(b"k"),
        );
        assert_eq!(msg.len(), 20 + 8 + 24);
        assert_eq!(
            u16::from_be_bytes([msg[2], msg[3]]) as usize,
            msg.len() - 20
        );
        // A request is neither success nor error.
        assert!(parse(&msg).is_none());
    }
}
