//! curl-style `--connect-to HOST:PORT:ADDR:PORT` overrides.
//!
//! A rule sends every connection meant for `HOST:PORT` to `ADDR:PORT` instead, whatever the
//! protocol (HTTP, raw TLS, SMTP), while the name stays the one used for SNI, the `Host`
//! header and certificate checks. That is how the fixture world, and an auditor testing a
//! server before its DNS changes, stand in for the real addresses.
//!
//! The IPv6 reachability probe must reach an IPv6 address: a rule whose target is an IPv4
//! address therefore only lends it its port, and the host's own AAAA addresses are kept
//! (`Network::destinations_ipv6`).

use std::fmt;
use std::str::FromStr;

/// One override rule. Empty `host` or `port` on the left match anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    /// The name to match (lower-case, without brackets), or `None` for any.
    pub host: Option<String>,
    /// The port to match, or `None` for any.
    pub port: Option<u16>,
    /// Where to connect instead: an IP address (without brackets) or a host name.
    pub addr: String,
    /// The port to connect to instead, or `None` to keep the original port.
    pub to_port: Option<u16>,
}

impl ConnectTo {
    /// The replacement `(address, port)` when this rule matches `host:port`.
    pub fn apply(&self, host: &str, port: u16) -> Option<(&str, u16)> {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let host_ok = self
            .host
            .as_deref()
            .is_none_or(|h| h.eq_ignore_ascii_case(host));
        let port_ok = self.port.is_none_or(|p| p == port);
        (host_ok && port_ok).then(|| (self.addr.as_str(), self.to_port.unwrap_or(port)))
    }
}

/// Why a `--connect-to` value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid --connect-to {value:?}: {problem} (expected HOST:PORT:ADDR:PORT, e.g. pad.exemple.test:443:127.0.0.1:8443)"
)]
pub struct ConnectToError {
    /// The value as given.
    pub value: String,
    /// What is wrong with it.
    pub problem: String,
}

impl FromStr for ConnectTo {
    type Err = ConnectToError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let fail = |problem: String| ConnectToError {
            value: value.to_owned(),
            problem,
        };
        let fields = split_fields(value).map_err(|p| fail(p.to_owned()))?;
        let [host, port, addr, to_port] = <[&str; 4]>::try_from(fields.as_slice())
            .map_err(|_| fail(format!("{} fields instead of 4", fields.len())))?;
        let port_of = |text: &str, which: &str| -> Result<Option<u16>, ConnectToError> {
            if text.is_empty() {
                return Ok(None);
            }
            match text.parse::<u16>() {
                Ok(0) | Err(_) => Err(fail(format!(
                    "{which} {text:?} is not a port number (1-65535)"
                ))),
                Ok(p) => Ok(Some(p)),
            }
        };
        let port = port_of(port, "source port")?;
        let to_port = port_of(to_port, "destination port")?;
        if addr.is_empty() {
            return Err(fail("the destination address is empty".to_owned()));
        }
        if addr.contains(['/', ' ', '@']) {
            return Err(fail(format!(
                "destination address {addr:?} is not an address or name"
            )));
        }
        let host = (!host.is_empty()).then(|| host.to_ascii_lowercase());
        Ok(ConnectTo {
            host,
            port,
            addr: addr.to_owned(),
            to_port,
        })
    }
}

/// Splits on `:` except inside `[...]` (IPv6 literals), and strips the brackets.
fn split_fields(value: &str) -> Result<Vec<&str>, &'static str> {
    let mut fields = Vec::new();
    let mut rest = value;
    loop {
        if let Some(inner) = rest.strip_prefix('[') {
            let end = inner
                .find(']')
                .ok_or("an IPv6 address lacks its closing ']'")?;
            fields.push(&inner[..end]);
            rest = &inner[end + 1..];
            if rest.is_empty() {
                return Ok(fields);
            }
            rest = rest
                .strip_prefix(':')
                .ok_or("']' must be followed by ':'")?;
        } else {
            match rest.find(':') {
                Some(i) => {
                    fields.push(&rest[..i]);
                    rest = &rest[i + 1..];
                }
                None => {
                    fields.push(rest);
                    return Ok(fields);
                }
            }
        }
    }
}

impl fmt::Display for ConnectTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bracket = |s: &str| {
            if s.contains(':') {
                format!("[{s}]")
            } else {
                s.to_owned()
            }
        };
        let port = |p: Option<u16>| p.map(|p| p.to_string()).unwrap_or_default();
        write!(
            f,
            "{}:{}:{}:{}",
            self.host.as_deref().map(bracket).unwrap_or_default(),
            port(self.port),
            bracket(&self.addr),
            port(self.to_port)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ConnectTo, ConnectToError> {
        text.parse()
    }

    #[test]
    fn full_rule_replaces_address_and_port() {
        let rule = parse("Pad.Exemple.test:443:127.0.0.1:8443").expect("valid rule");
        assert_eq!(
            rule.apply("pad.exemple.test", 443),
            Some(("127.0.0.1", 8443))
        );
        assert_eq!(rule.apply("pad.exemple.test", 80), None);
        assert_eq!(rule.apply("other.test", 443), None);
        assert_eq!(rule.to_string(), "pad.exemple.test:443:127.0.0.1:8443");
    }

    #[test]
    fn empty_fields_match_anything_and_keep_the_port() {
        let rule = parse("::127.0.0.1:").expect("valid rule");
        assert_eq!(rule.apply("a.test", 25), Some(("127.0.0.1", 25)));
        assert_eq!(rule.apply("b.test", 443), Some(("127.0.0.1", 443)));
        let any_port = parse("mail.test::127.0.0.2:2525").expect("valid rule");
        assert_eq!(any_port.apply("mail.test", 25), Some(("127.0.0.2", 2525)));
        assert_eq!(any_port.apply("mail.test", 587), Some(("127.0.0.2", 2525)));
    }

    #[test]
    fn ipv6_addresses_in_brackets() {
        let rule = parse("pad.test:443:[::1]:8443").expect("valid rule");
        assert_eq!(rule.addr, "::1");
        assert_eq!(rule.apply("pad.test", 443), Some(("::1", 8443)));
        assert_eq!(rule.to_string(), "pad.test:443:[::1]:8443");
        let from_v6 = parse("[2001:db8::1]:443:[::1]:").expect("valid rule");
        assert_eq!(from_v6.apply("[2001:db8::1]", 443), Some(("::1", 443)));
    }

    #[test]
    fn errors_name_the_problem() {
        let err = parse("pad.test:443:127.0.0.1").expect_err("3 fields");
        assert!(err.to_string().contains("3 fields instead of 4"), "{err}");
        let err = parse("pad.test:https:127.0.0.1:443").expect_err("bad port");
        assert!(err.to_string().contains("source port \"https\""), "{err}");
        let err = parse("pad.test:443:127.0.0.1:70000").expect_err("bad port");
        assert!(
            err.to_string().contains("destination port \"70000\""),
            "{err}"
        );
        let err = parse("pad.test:443::8443").expect_err("no address");
        assert!(
            err.to_string().contains("destination address is empty"),
            "{err}"
        );
        let err = parse("pad.test:443:[::1:8443").expect_err("unclosed bracket");
        assert!(err.to_string().contains("closing ']'"), "{err}");
        let err = parse("pad.test:0:1.2.3.4:1").expect_err("port 0");
        assert!(err.to_string().contains("source port \"0\""), "{err}");
    }
}
