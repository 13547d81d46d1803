//! The DNS probe: the records a check may need for one name, and their DNSSEC status.
//!
//! Records come from a non-validating lookup, so a broken signature does not hide them; the
//! DNSSEC status comes from a second, validating lookup of one record set that exists.
//! "No such name" and "no such record" are empty lists, not failures.

use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::dnssec::Proof;
use hickory_resolver::proto::rr::{RData, RecordType};

use crate::net::Network;
use crate::observation::{DnsRecords, Observed, ProbeFailure};

/// Looks up `name`: A, AAAA, MX, CAA, TXT and CNAME, or TXT and TLSA for a name starting with `_`
/// (`_443._tcp.…`, `_dmarc.…`).
pub async fn observe(net: &Network, name: &str) -> Observed<DnsRecords> {
    // An address literal has no records to ask for, and asking a resolver about it would
    // only leak the audit to whoever runs that resolver.
    if crate::plan::targets::is_ip_literal(name) {
        return Observed::Failed(ProbeFailure::Other {
            message: format!("{name} is an IP address, not a DNS name"),
        });
    }
    let types: &[RecordType] = if name.starts_with('_') {
        &[RecordType::TLSA, RecordType::TXT]
    } else {
        &[
            RecordType::A,
            RecordType::AAAA,
            RecordType::MX,
            RecordType::CAA,
            RecordType::TXT,
            // Asked for itself: an alias met while chasing another type may be served from
            // the resolver's cache without it.
            RecordType::CNAME,
        ]
    };
    lookup_all(net, name, types).await
}

/// The TLSA records of a service: `_<port>._tcp.<name>`.
pub async fn observe_tlsa(net: &Network, name: &str, port: u16) -> Observed<DnsRecords> {
    let service = format!("_{port}._tcp.{}", name.trim_end_matches('.'));
    lookup_all(net, &service, &[RecordType::TLSA]).await
}

async fn lookup_all(net: &Network, name: &str, types: &[RecordType]) -> Observed<DnsRecords> {
    let fqdn = format!("{}.", name.trim_end_matches('.'));
    let lookups = futures_util::future::join_all(
        types
            .iter()
            .map(|&record_type| net.resolver().lookup(fqdn.clone(), record_type)),
    )
    .await;
    let mut records = DnsRecords::default();
    let mut failures = Vec::new();
    let mut present = None;
    for (&record_type, outcome) in types.iter().zip(lookups) {
        match outcome {
            Ok(lookup) => {
                let before = count(&records);
                for record in lookup.answers() {
                    add(&mut records, &record.data);
                }
                if present.is_none() && count(&records) > before {
                    present = Some(record_type);
                }
            }
            Err(err) if is_absent(&err) => {}
            Err(err) => failures.push((record_type.to_string(), err.to_string())),
        }
    }
    if failures.len() == types.len() {
        let message = failures
            .first()
            .map(|(_, message)| message.clone())
            .unwrap_or_default();
        return Observed::Failed(ProbeFailure::Dns {
            message: format!("{name}: {message}"),
        });
    }
    records.a.sort();
    records.aaaa.sort();
    records.mx.sort();
    records.caa.sort();
    records.txt.sort();
    records.tlsa.sort();
    records.errors = failures;
    if let Some(record_type) = present {
        records.dnssec = Some(dnssec_status(net, &fqdn, record_type).await.to_owned());
    }
    Observed::Seen(records)
}

/// "No such name" or "no such record": an answer, not a failure.
fn is_absent(err: &NetError) -> bool {
    err.is_nx_domain()
        || err.is_no_records_found()
        || matches!(err, NetError::Dns(DnsError::Nsec { .. }))
}

fn count(records: &DnsRecords) -> usize {
    records.a.len()
        + records.aaaa.len()
        + records.mx.len()
        + records.caa.len()
        + records.txt.len()
        + records.tlsa.len()
}

fn add(records: &mut DnsRecords, data: &RData) {
    match data {
        RData::A(a) => records.a.push(a.to_string()),
        RData::AAAA(aaaa) => records.aaaa.push(aaaa.to_string()),
        // Every query of an alias answers with the same CNAME first: record it once.
        RData::CNAME(alias) if !records.cname.contains(&alias.0.to_string()) => {
            records.cname.push(alias.0.to_string());
        }
        RData::MX(mx) => records.mx.push((mx.preference, mx.exchange.to_string())),
        RData::CAA(caa) => records.caa.push(caa.to_string()),
        RData::TXT(txt) => {
            let joined: Vec<u8> = txt
                .txt_data
                .iter()
                .flat_map(|part| part.iter().copied())
                .collect();
            records
                .txt
                .push(String::from_utf8_lossy(&joined).into_owned());
        }
        RData::TLSA(tlsa) => records.tlsa.push(tlsa.to_string()),
        // CNAMEs and other records met on the way are not what was asked.
        _ => {}
    }
}

/// Validates one existing record set: `secure`, `insecure`, `bogus` or `indeterminate`.
async fn dnssec_status(net: &Network, fqdn: &str, record_type: RecordType) -> &'static str {
    // A DS/DNSKEY fetch that times out is reported as bogus (hickory-dns#3932): ask twice
    // before saying so in public.
    let mut bogus = false;
    for _ in 0..2 {
        match net
            .validating_resolver()
            .lookup(fqdn.to_owned(), record_type)
            .await
        {
            Ok(lookup) => {
                let wanted = lookup
                    .answers()
                    .iter()
                    .filter(|r| r.record_type() == record_type);
                let proofs: Vec<Proof> = wanted.map(|r| r.proof).collect();
                return if proofs.is_empty() {
                    "indeterminate"
                } else if proofs.iter().all(|p| *p == Proof::Secure) {
                    "secure"
                } else if proofs.contains(&Proof::Bogus) {
                    "bogus"
                } else if proofs.iter().all(|p| *p == Proof::Insecure) {
                    "insecure"
                } else {
                    "indeterminate"
                };
            }
            Err(NetError::Dns(DnsError::DnssecBogus)) => bogus = true,
            Err(_) => return "indeterminate",
        }
    }
    if !bogus {
        return "indeterminate";
    }
    // hickory also calls "bogus" a name it cannot chain to any trust anchor, e.g. an
    // unsigned zone under a private parent. A zone that publishes no DNSKEY and whose parent
    // publishes no DS for it is simply unsigned: insecure, not under attack.
    if zone_is_unsigned(net, fqdn).await {
        "insecure"
    } else {
        "bogus"
    }
}

/// Whether no DNSKEY and no DS record exists for `fqdn` or any parent up to (and including)
/// its registrable domain, asked without validation.
async fn zone_is_unsigned(net: &Network, fqdn: &str) -> bool {
    let name = fqdn.trim_end_matches('.');
    let registrable = psl::domain_str(name).unwrap_or(name).to_owned();
    let mut current = name;
    loop {
        for record_type in [RecordType::DNSKEY, RecordType::DS] {
            if let Ok(lookup) = net
                .resolver()
                .lookup(format!("{current}."), record_type)
                .await
                && lookup
                    .answers()
                    .iter()
                    .any(|r| r.record_type() == record_type)
            {
                return false;
            }
        }
        if current == registrable {
            return true;
        }
        match current.split_once('.') {
            Some((_, parent)) if parent.len() >= registrable.len() => current = parent,
            _ => return true,
        }
    }
}
