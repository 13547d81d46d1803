//! Checks of the tls family, and the planning of every encryption observation.
//!
//! The encryption checks (`tls.*`, `http-headers.*`, `dns.*`, `mail.*`) read observations
//! under these keys; [`targets::plan_targets`] lists exactly them for one member:
//!
//! | map | key | recorded by |
//! |---|---|---|
//! | `observations.tls` | `host:port` of each web host (website and services, deduplicated by host; port 443 unless an `https://` URL names another) | the TLS handshake probe |
//! | `observations.legacy_tls` | the same `host:port` | `probe::legacy_tls::observe` |
//! | `observations.tls_ipv6` | the same `host:port`, a handshake made to one AAAA address of the host (only when it has AAAA records) | the TLS probe, connecting to the IPv6 address with SNI = host |
//! | `observations.http` | the first declared `https://` URL of each host (redirects followed), or `https://host/` when the host was declared in plain HTTP | the HTTP probe |
//! | `observations.http` | `http://host/`, **no redirects followed** | the HTTP probe |
//! | `observations.dns` | each web host and its parents up to the registrable domain (CAA inheritance); each mail domain; `_dmarc.<domain>`, `_dmarc.<organisational domain>` when different, `_mta-sts.<domain>`, `_smtp._tls.<domain>`; after the MX lookup, each MX host and `_25._tcp.<mx>` ([`targets::mail_followup_dns`]). Names are lower-case without trailing dot. | the DNS probe |
//! | `observations.mail` | each declared mail domain | `probe::mail::observe` |
//!
//! A missing key means the probe did not run for it and yields an `inconclusive` finding; a
//! `Failed` observation yields `inconclusive` with the failure as evidence, except where a
//! check says otherwise (a refused port 80 is a fact, not a failure to observe).

mod certificate_key_strong;
mod certificate_not_expiring;
mod certificate_signature_strong;
mod certificate_valid;
mod chain_complete;
mod legacy_protocols_refused;
mod protocol_modern;

#[cfg(test)]
pub(crate) mod test_support;

pub use certificate_key_strong::CertificateKeyStrong;
pub use certificate_not_expiring::CertificateNotExpiring;
pub use certificate_signature_strong::CertificateSignatureStrong;
pub use certificate_valid::CertificateValid;
pub use chain_complete::ChainComplete;
pub use legacy_protocols_refused::LegacyProtocolsRefused;
pub use protocol_modern::ProtocolModern;

use crate::check::Context;
use crate::finding::{Finding, Subject};
use crate::msg;
use crate::observation::Observed;
use crate::observation::tls::{Certificate, TlsHandshake};
use crate::plan::targets::{WebHost, web_hosts};

/// For each web host of the member, the handshake observed on its HTTPS endpoint, or the
/// finding that says why there is none; `judge` turns a handshake into a finding.
pub(crate) fn for_each_handshake(
    cx: &Context<'_>,
    mut judge: impl FnMut(&WebHost, Subject, &TlsHandshake) -> Finding,
) -> Vec<Finding> {
    web_hosts(cx.member)
        .into_iter()
        .map(|web| {
            let subject = Subject::Host(web.host.clone());
            let endpoint = web.endpoint();
            match cx.observations.tls.get(&endpoint) {
                None => cx.not_observed(
                    subject,
                    msg!(
                        "a TLS handshake with {endpoint}",
                        "une négociation TLS avec {endpoint}"
                    ),
                ),
                Some(Observed::Failed(failure)) => cx
                    .inconclusive(subject, failure)
                    .evidence("tls.endpoint", endpoint),
                Some(Observed::Seen(handshake)) => judge(&web, subject, handshake),
            }
        })
        .collect()
}

/// Adds the leaf's issuer and expiry, which the reports show for every TLS finding.
pub(crate) fn with_leaf_evidence(finding: Finding, leaf: Option<&Certificate>) -> Finding {
    match leaf {
        Some(leaf) => finding
            .evidence("certificate.issuer", leaf.issuer.clone())
            .evidence("certificate.not_after", leaf.not_after.clone()),
        None => finding,
    }
}
