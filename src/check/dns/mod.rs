//! Checks of the dns family: CAA, DNSSEC and IPv6 reachability of the member's names (see the
//! `tls` module documentation for the observation keys).

mod caa_present;
mod dnssec_valid;
mod ipv6_reachable;

pub use caa_present::CaaPresent;
pub use dnssec_valid::DnssecValid;
pub use ipv6_reachable::Ipv6Reachable;

use crate::check::Context;
use crate::finding::Finding;
use crate::msg;
use crate::observation::{DnsRecords, Observed};

/// The DNS records observed for `name`, or the finding (built by `missing`) that says why
/// there are none.
// The error is the finding that explains why there is nothing to judge; it is built once per
// subject and returned at once, so boxing it would buy nothing.
#[allow(clippy::result_large_err)]
pub(crate) fn records<'a>(
    cx: &'a Context<'_>,
    name: &str,
    subject: crate::finding::Subject,
) -> Result<&'a DnsRecords, Finding> {
    match cx.observations.dns.get(name) {
        None => Err(cx.not_observed(
            subject,
            msg!("DNS records of {name}", "enregistrements DNS de {name}"),
        )),
        Some(Observed::Failed(failure)) => {
            Err(cx.inconclusive(subject, failure).evidence("dns.name", name))
        }
        Some(Observed::Seen(records)) => Ok(records),
    }
}

/// Whether the lookup of `record_type` (e.g. `CAA`) failed for a reason other than "no such
/// record", with the message.
pub(crate) fn lookup_error<'a>(records: &'a DnsRecords, record_type: &str) -> Option<&'a str> {
    records
        .errors
        .iter()
        .find(|(kind, _)| kind.eq_ignore_ascii_case(record_type))
        .map(|(_, message)| message.as_str())
}
