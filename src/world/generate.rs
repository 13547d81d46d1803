//! Generated worlds for benchmarks: `n` members with `k` HTTPS services each, all behind the
//! shared SNI listener (one file descriptor for the lot).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::desc::{HostDesc, HttpDesc, HttpsDesc, Route, WorldDescription, ZoneDesc};

/// Describes `n_members` members (`m<i>.test`) with `services_per_member` services each
/// (`s<j>.m<i>.test`) and their website (`www.m<i>.test`), and returns the world description
/// and the members file (schema version 1) that declares them.
pub fn generate(n_members: usize, services_per_member: usize) -> (WorldDescription, String) {
    let mut world = WorldDescription {
        root: PathBuf::from("."),
        ..Default::default()
    };
    let mut members = String::from("schema_version: 1\nmembers:\n");
    let page = "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\"><title>Service</title></head><body><h1>Service libre</h1><a href=\"/mentions-legales\">Mentions légales</a></body></html>";
    let headers = BTreeMap::from([(
        "strict-transport-security".to_owned(),
        "max-age=31536000".to_owned(),
    )]);
    for i in 0..n_members {
        let zone = format!("m{i}.test");
        world.zones.push(ZoneDesc {
            name: zone.clone(),
            records: vec![
                "@ IN MX 10 mail".to_owned(),
                "@ IN TXT \"v=spf1 mx -all\"".to_owned(),
            ],
            ..Default::default()
        });
        let mut hosts = vec![format!("www.{zone}")];
        hosts.extend((0..services_per_member).map(|j| format!("s{j}.{zone}")));
        for name in &hosts {
            world.hosts.push(HostDesc {
                name: name.clone(),
                https: Some(HttpsDesc {
                    headers: headers.clone(),
                    routes: vec![Route {
                        path: "/".to_owned(),
                        body: Some(page.to_owned()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                http: Some(HttpDesc::default()),
                ..Default::default()
            });
        }
        let _ = writeln!(
            members,
            "  - id: m{i}\n    name: Chaton {i}\n    website: https://www.{zone}/\n    contact: contact@{zone}\n    services:"
        );
        for j in 0..services_per_member {
            let _ = writeln!(
                members,
                "      - id: s{j}\n        kind: pad\n        url: https://s{j}.{zone}/\n        software:\n          name: Etherpad\n          version: \"2.2.6\"\n          license: Apache-2.0\n          source: https://github.com/ether/etherpad-lite"
            );
        }
    }
    (world, members)
}

#[cfg(test)]
mod tests {
    use super::generate;

    #[test]
    fn generated_world_has_one_host_per_service_plus_websites() {
        let (world, members) = generate(3, 4);
        assert_eq!(world.hosts.len(), 3 * 5);
        assert_eq!(world.zones.len(), 3);
        assert!(world.validate().is_ok());
        assert_eq!(members.matches("kind: pad").count(), 12);
        assert!(members.contains("url: https://s3.m2.test/"));
    }
}
