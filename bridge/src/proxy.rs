//! The client's address behind reverse proxies. Rate limits are per client address; behind a
//! proxy every request comes from the proxy, so the address the proxy forwards is used instead —
//! but only when the request really comes from a proxy the operator named
//! (`--trusted-proxies`), since anyone can send an `X-Forwarded-For` header.
//!
//! The client is the right-most address in the forwarding chain that is not a trusted proxy:
//! each trusted proxy appends the address it heard from, and everything to the left of the first
//! untrusted one was written by the client and proves nothing.

use std::sync::Arc;

use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

use crate::error::ApiError;
use crate::AppState;

/// The networks whose forwarding headers are believed; empty believes none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

/// A trusted proxy that is neither a network (`10.0.0.0/8`) nor an address (`10.0.0.1`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a network like 10.0.0.0/8 or an address like 10.0.0.1")]
pub struct BadNetwork(String);

/// One entry of `--trusted-proxies`: a network, or an address standing for itself alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network(IpNet);

impl FromStr for Network {
    type Err = BadNetwork;

    fn from_str(text: &str) -> Result<Self, BadNetwork> {
        let text = text.trim();
        text.parse::<IpNet>()
            .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
            .map(Self)
            .map_err(|_| BadNetwork(text.to_owned()))
    }
}

impl TrustedProxies {
    /// Trusts these networks.
    pub fn new(networks: impl IntoIterator<Item = Network>) -> Self {
        Self(networks.into_iter().map(|network| network.0).collect())
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|network| network.contains(&ip))
    }

    /// The client's address for a request from `peer` with `headers`: `X-Forwarded-For`, or
    /// when there is none `Forwarded`, read from the right while the addresses are trusted
    /// proxies; `peer` itself when it is not one.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let chain = forwarded_for(headers);
        let mut client = peer;
        for hop in chain.iter().rev() {
            // An entry that is no address ("unknown", a hidden name) ends the chain: the last
            // address known is as far as it can be followed.
            let Some(ip) = hop else { break };
            client = *ip;
            if !self.trusts(*ip) {
                break;
            }
        }
        client.to_canonical()
    }
}

/// The addresses the forwarding header lists, left to right; `None` for an entry that is not
/// an address. `X-Forwarded-For` wins when both are present: it is what proxies append to by
/// default, so a proxy that writes `Forwarded` instead must drop any incoming `X-Forwarded-For`.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .collect()
    };
    let legacy = values("x-forwarded-for");
    if !legacy.is_empty() {
        return legacy.iter().flat_map(|value| value.split(',')).map(node).collect();
    }
    values("forwarded")
        .iter()
        .flat_map(|value| value.split(','))
        .filter_map(|element| {
            element.split(';').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                key.trim().eq_ignore_ascii_case("for").then(|| node(value))
            })
        })
        .collect()
}

/// An address as the headers write it: `192.0.2.1`, `192.0.2.1:443`, `"[2001:db8::1]:443"`,
/// `2001:db8::1`.
fn node(text: &str) -> Option<IpAddr> {
    let text = text.trim().trim_matches('"');
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(socket) = text.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    text.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).and_then(|inner| inner.parse().ok())
}

/// The client's address, as [`TrustedProxies::client`] reads it, for rate limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<Arc<AppState>> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, ApiError> {
        let ConnectInfo(peer) = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .copied()
            .ok_or_else(|| ApiError::Internal("the server was started without connection info".into()))?;
        Ok(Self(state.trusted_proxies.client(peer.ip(), &parts.headers)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(networks: &[&str]) -> TrustedProxies {
        TrustedProxies::new(networks.iter().map(|text| text.parse::<Network>().expect("network")))
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().expect("header value"));
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let claims = headers(&[("x-forwarded-for", "203.0.113.9"), ("forwarded", "for=203.0.113.9")]);
        assert_eq!(proxies(&[]).client(ip("198.51.100.7"), &claims), ip("198.51.100.7"));
        assert_eq!(proxies(&["10.0.0.0/8"]).client(ip("198.51.100.7"), &claims), ip("198.51.100.7"));
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_address_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        let spoofed = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(
            trusted.client(ip("127.0.0.1"), &spoofed),
            ip("203.0.113.9"),
            "1.1.1.1 was the client's lie"
        );
        let split = headers(&[("x-forwarded-for", "1.1.1.1"), ("x-forwarded-for", "203.0.113.9:5120")]);
        assert_eq!(trusted.client(ip("10.1.2.3"), &split), ip("203.0.113.9"));
        let only_proxies = headers(&[("x-forwarded-for", "10.0.0.3, 10.0.0.2")]);
        assert_eq!(trusted.client(ip("127.0.0.1"), &only_proxies), ip("10.0.0.3"));
        assert_eq!(trusted.client(ip("127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"));
    }

    #[test]
    fn forwarded_is_read_when_there_is_no_x_forwarded_for() {
        let trusted = proxies(&["::1/128"]);
        let standard = headers(&[(
            "forwarded",
            "for=1.1.1.1, For=\"[2001:db8:cafe::17]:4711\";proto=https;by=10.0.0.1",
        )]);
        assert_eq!(trusted.client(ip("::1"), &standard), ip("2001:db8:cafe::17"));
        let hidden = headers(&[("forwarded", "for=203.0.113.9, for=unknown")]);
        assert_eq!(trusted.client(ip("::1"), &hidden), ip("::1"), "an unknown hop stops the walk");
    }

    #[test]
    fn networks_parse_as_cidrs_or_single_addresses() {
        assert!("10.0.0.0/8".parse::<Network>().is_ok());
        assert!(" 127.0.0.1 ".parse::<Network>().is_ok());
        assert!("::1".parse::<Network>().is_ok());
        assert_eq!("proxy.local".parse::<Network>(), Err(BadNetwork("proxy.local".into())));
        let mapped = proxies(&["127.0.0.1/32"]);
        let claims = headers(&[("x-forwarded-for", "203.0.113.9")]);
        assert_eq!(
            mapped.client(ip("::ffff:127.0.0.1"), &claims),
            ip("203.0.113.9"),
            "v4-mapped peers match"
        );
    }
}
