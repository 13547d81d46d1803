//! The private-address guard: which destination addresses a public audit may reach.
//!
//! A member's DNS (or a hostile redirect) may point at loopback, the auditor's LAN or a cloud
//! metadata address; the tool must not become a way to probe those. The check runs on the
//! address actually dialled, after resolution and after `--connect-to`, so neither can be used
//! to slip past it. `--allow-private` lifts it (the fixture world lives on loopback).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not a public unicast destination, or `None` when it is one.
pub fn non_public_reason(addr: IpAddr) -> Option<&'static str> {
    match addr {
        IpAddr::V4(v4) => v4_reason(v4),
        IpAddr::V6(v6) => v6_reason(v6),
    }
}

fn v4_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    let reason = if a == 0 {
        if ip.is_unspecified() {
            "unspecified"
        } else {
            "\"this network\" (0.0.0.0/8)"
        }
    } else if a == 127 {
        "loopback"
    } else if a == 10 || (a == 172 && (16..=31).contains(&b)) || (a == 192 && b == 168) {
        "private (RFC 1918)"
    } else if a == 100 && (64..=127).contains(&b) {
        "shared address space (CGNAT, 100.64.0.0/10)"
    } else if a == 169 && b == 254 {
        "link-local"
    } else if a == 192 && b == 0 && c == 0 {
        "IETF protocol assignments (192.0.0.0/24)"
    } else if (a == 192 && b == 0 && c == 2)
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
    {
        "documentation (TEST-NET)"
    } else if a == 198 && (b == 18 || b == 19) {
        "benchmarking (198.18.0.0/15)"
    } else if a == 192 && b == 88 && c == 99 {
        "deprecated 6to4 relay anycast"
    } else if (224..=239).contains(&a) {
        "multicast"
    } else if ip.is_broadcast() {
        "broadcast"
    } else if a >= 240 {
        "reserved (240.0.0.0/4)"
    } else {
        return None;
    };
    Some(reason)
}

fn v6_reason(ip: Ipv6Addr) -> Option<&'static str> {
    // An IPv4 address in IPv6 clothing is judged as the IPv4 address it carries.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_reason(v4);
    }
    let segments = ip.segments();
    let reason = if ip.is_unspecified() {
        "unspecified"
    } else if ip.is_loopback() {
        "loopback"
    } else if segments[0] == 0
        && segments[1] == 0
        && segments[2] == 0
        && segments[3] == 0
        && segments[4] == 0
        && segments[5] == 0
    {
        // Deprecated IPv4-compatible ::a.b.c.d.
        "IPv4-compatible (deprecated)"
    } else if segments[0] == 0x64 && segments[1] == 0xff9b {
        // NAT64 (64:ff9b::/96 and the local-use 64:ff9b:1::/48) reach IPv4 behind a gateway:
        // judge the embedded address.
        let [_, _, _, _, _, _, hi, lo] = segments;
        let v4 = Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
        return Some(v4_reason(v4).unwrap_or("NAT64 translation prefix"));
    } else if segments[0] == 0x100 && segments[1] == 0 && segments[2] == 0 && segments[3] == 0 {
        "discard-only (100::/64)"
    } else if (segments[0] & 0xfe00) == 0xfc00 {
        "unique local (fc00::/7)"
    } else if (segments[0] & 0xffc0) == 0xfe80 {
        "link-local"
    } else if (segments[0] & 0xffc0) == 0xfec0 {
        "site-local (deprecated)"
    } else if (segments[0] & 0xff00) == 0xff00 {
        "multicast"
    } else if segments[0] == 0x2001 && segments[1] == 0xdb8 {
        "documentation (2001:db8::/32)"
    } else if segments[0] == 0x3fff && segments[1] < 0x1000 {
        "documentation (3fff::/20)"
    } else if segments[0] == 0x2001 && segments[1] == 0x2 && segments[2] == 0 {
        "benchmarking (2001:2::/48)"
    } else if segments[0] == 0x2001 && segments[1] < 0x200 {
        "IETF protocol assignments (2001::/23)"
    } else if segments[0] == 0x2002 {
        // 6to4 embeds an IPv4 address: judge it.
        let v4 = Ipv4Addr::from((u32::from(segments[1]) << 16) | u32::from(segments[2]));
        return v4_reason(v4);
    } else if (segments[0] & 0xe000) != 0x2000 {
        "outside global unicast (2000::/3)"
    } else {
        return None;
    };
    Some(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(text: &str) -> Option<&'static str> {
        non_public_reason(text.parse().expect("internal error: test address"))
    }

    #[test]
    fn public_addresses_pass() {
        for ok in [
            "1.1.1.1",
            "80.67.169.12",
            "9.9.9.9",
            "100.63.255.255",
            "100.128.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.169.0.1",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2001:910:800::12",
            "2a01:e0a::1",
            "2606:4700:4700::1111",
            "::ffff:80.67.169.12",
            "2002:5043:a90c::1",
        ] {
            assert_eq!(reason(ok), None, "{ok} should be public");
        }
    }

    #[test]
    fn loopback_and_unspecified_are_refused() {
        assert_eq!(reason("127.0.0.1"), Some("loopback"));
        assert_eq!(reason("127.255.0.9"), Some("loopback"));
        assert_eq!(reason("::1"), Some("loopback"));
        assert_eq!(reason("0.0.0.0"), Some("unspecified"));
        assert_eq!(reason("::"), Some("unspecified"));
        assert!(reason("0.1.2.3").is_some());
    }

    #[test]
    fn rfc1918_cgnat_and_link_local_are_refused() {
        for addr in [
            "10.0.0.1",
            "10.255.255.255",
            "172.16.0.1",
            "172.31.255.254",
            "192.168.1.1",
        ] {
            assert_eq!(reason(addr), Some("private (RFC 1918)"), "{addr}");
        }
        assert!(reason("100.64.0.1").is_some_and(|r| r.contains("CGNAT")));
        assert!(reason("100.127.255.255").is_some_and(|r| r.contains("CGNAT")));
        assert_eq!(reason("169.254.169.254"), Some("link-local"));
        assert_eq!(reason("fe80::1"), Some("link-local"));
        assert_eq!(reason("fd00::1"), Some("unique local (fc00::/7)"));
        assert_eq!(reason("fc12:3456::1"), Some("unique local (fc00::/7)"));
    }

    #[test]
    fn documentation_benchmarking_multicast_and_reserved_are_refused() {
        for addr in [
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.200",
            "2001:db8::1",
            "3fff::1",
        ] {
            assert!(
                reason(addr).is_some_and(|r| r.starts_with("documentation")),
                "{addr}"
            );
        }
        for addr in ["198.18.0.1", "198.19.255.255", "2001:2::1"] {
            assert!(
                reason(addr).is_some_and(|r| r.starts_with("benchmarking")),
                "{addr}"
            );
        }
        for addr in ["224.0.0.1", "239.255.255.250", "ff02::1", "ff05::2"] {
            assert_eq!(reason(addr), Some("multicast"), "{addr}");
        }
        assert_eq!(reason("255.255.255.255"), Some("broadcast"));
        assert!(reason("240.0.0.1").is_some());
        assert!(reason("192.0.0.8").is_some());
        assert!(reason("100::1").is_some());
        assert!(reason("4000::1").is_some());
    }

    #[test]
    fn ipv4_inside_ipv6_is_judged_as_ipv4() {
        assert_eq!(reason("::ffff:127.0.0.1"), Some("loopback"));
        assert_eq!(reason("::ffff:10.1.2.3"), Some("private (RFC 1918)"));
        assert_eq!(reason("::ffff:169.254.169.254"), Some("link-local"));
        assert_eq!(reason("64:ff9b::7f00:1"), Some("loopback"));
        assert_eq!(reason("64:ff9b::808:808"), Some("NAT64 translation prefix"));
        assert_eq!(reason("2002:7f00:1::1"), Some("loopback"));
        assert_eq!(reason("2002:c0a8:101::1"), Some("private (RFC 1918)"));
        assert!(reason("::127.0.0.1").is_some());
    }
}
