//! What the transport tells the application: the client's address, recorded
//! as the source of every audit row the request writes, and whether the
//! pages travel over TLS (served directly with `--tls-cert`, or behind a
//! TLS-terminating proxy with `--behind-https`). Over TLS every cookie gets
//! `Secure` and every response `Strict-Transport-Security`.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// How the server is reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Transport {
    /// Pages reach the browser over HTTPS.
    pub https: bool,
    /// A reverse proxy in front sets X-Forwarded-For (`--behind-https`);
    /// otherwise the header is ignored, since any client could send it.
    pub trust_forwarded: bool,
}

/// `Strict-Transport-Security` sent over HTTPS: one year.
pub const HSTS: &str = "max-age=31536000";

/// The client's address: the peer's IP, or with a trusted proxy the last
/// address of its X-Forwarded-For; `None` when the connection carries no
/// peer address (in-process tests). The audit rows and the per-address
/// login limit both use it.
pub fn client_ip(
    headers: &axum::http::HeaderMap,
    extensions: &axum::http::Extensions,
    transport: Transport,
) -> Option<IpAddr> {
    if transport.trust_forwarded
        && let Some(ip) = headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    {
        return Some(ip);
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// The source address of a request ([`client_ip`]), `unknown` without one.
pub fn source_of(req: &Request, transport: Transport) -> String {
    client_ip(req.headers(), req.extensions(), transport)
        .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// Runs the request with its source address set for the audit log, and
/// over HTTPS marks cookies `Secure` and adds HSTS.
pub async fn layer(State(transport): State<Transport>, req: Request, next: Next) -> Response {
    let source = source_of(&req, transport);
    let mut res = dangjian_service::audit::with_source(source, next.run(req)).await;
    if transport.https {
        let headers = res.headers_mut();
        let cookies: Vec<HeaderValue> = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| {
                let text = v.to_str().unwrap_or_default();
                let secure = text
                    .split(';')
                    .any(|p| p.trim().eq_ignore_ascii_case("secure"));
                if secure || text.is_empty() {
                    v.clone()
                } else {
                    HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| v.clone())
                }
            })
            .collect();
        headers.remove(header::SET_COOKIE);
        for c in cookies {
            headers.append(header::SET_COOKIE, c);
        }
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn req(peer: Option<&str>, xff: Option<&str>) -> Request {
        let mut r = Request::new(Body::empty());
        if let Some(p) = peer {
            r.extensions_mut()
                .insert(ConnectInfo(p.parse::<SocketAddr>().unwrap()));
        }
        if let Some(x) = xff {
            r.headers_mut()
                .insert("x-forwarded-for", HeaderValue::from_str(x).unwrap());
        }
        r
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let plain = Transport::default();
        let proxied = Transport {
            https: true,
            trust_forwarded: true,
        };
        let r = req(Some("127.0.0.1:5000"), Some("10.9.8.7, 203.0.113.5"));
        assert_eq!(source_of(&r, plain), "127.0.0.1");
        assert_eq!(source_of(&r, proxied), "203.0.113.5");
        let bad = req(Some("127.0.0.1:5000"), Some("not an address"));
        assert_eq!(source_of(&bad, proxied), "127.0.0.1");
        assert_eq!(source_of(&req(None, None), plain), "unknown");
    }
}
