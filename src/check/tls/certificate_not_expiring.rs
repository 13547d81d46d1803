//! `tls.certificate-not-expiring`: the certificate does not expire soon.

use super::{for_each_handshake, with_leaf_evidence};
use crate::check::{Check, Context, ProbeKind};
use crate::finding::Finding;
use crate::msg;
use crate::observation::tls::VerificationKind;

/// The leaf certificate of each web host has more than `certificate_expiry_warn_days` left
/// (counted from the run's start, never the wall clock) and is already valid.
pub struct CertificateNotExpiring;

const DAY: i64 = 86_400;

impl Check for CertificateNotExpiring {
    fn id(&self) -> &'static str {
        "tls.certificate-not-expiring"
    }

    fn needs(&self) -> &'static [ProbeKind] {
        &[ProbeKind::Tls]
    }

    fn judge(&self, cx: &Context<'_>) -> Vec<Finding> {
        let now = cx.now().unix_timestamp();
        let warn_days = i64::from(cx.config.certificate_expiry_warn_days);
        for_each_handshake(cx, |web, subject, handshake| {
            let Some(leaf) = handshake.leaf() else {
                let endpoint = web.endpoint();
                return cx.not_observed(
                    subject,
                    msg!(
                        "a certificate from {endpoint}",
                        "un certificat de {endpoint}"
                    ),
                );
            };
            let seconds_left = leaf.not_after_unix.saturating_sub(now);
            // Whole days, rounded down: "0 days left" already means less than 24 hours.
            let days_left = seconds_left.div_euclid(DAY);
            // A certificate whose validity starts after the run began, but which the verifier
            // (at handshake time) did not call premature, was renewed during the run.
            let premature = leaf.not_before_unix > now
                && !(handshake.verification_error.is_none()
                    || matches!(
                        handshake.verification_kind,
                        Some(VerificationKind::WrongHost)
                    ));
            let endpoint = web.endpoint();
            // French writes "1 jour" and "0 jour" in the singular.
            let jours = if days_left.abs() <= 1 {
                "jour"
            } else {
                "jours"
            };
            let days = if days_left == 1 { "day" } else { "days" };
            let finding = if premature {
                cx.fail(
                    subject,
                    msg!(
                        "the certificate of {endpoint} is not valid before {}",
                        "le certificat de {endpoint} n'est pas valide avant le {}",
                        leaf.not_before
                    ),
                )
                .evidence("certificate.not_before", leaf.not_before.clone())
            } else if seconds_left < 0 {
                cx.fail(
                    subject,
                    msg!(
                        "the certificate of {endpoint} expired on {}",
                        "le certificat de {endpoint} a expiré le {}",
                        leaf.not_after
                    ),
                )
            } else if days_left < warn_days {
                cx.warn(
                    subject,
                    msg!(
                        "the certificate of {endpoint} expires in {days_left} {days}",
                        "le certificat de {endpoint} expire dans {days_left} {jours}"
                    ),
                )
            } else {
                cx.pass(
                    subject,
                    msg!(
                        "the certificate of {endpoint} is valid for {days_left} more {days}",
                        "le certificat de {endpoint} est encore valide pendant {days_left} {jours}"
                    ),
                )
            };
            with_leaf_evidence(
                finding.evidence("certificate.days_left", days_left.to_string()),
                Some(leaf),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::tls::test_support::*;
    use crate::finding::Verdict;
    use crate::observation::Observed;

    fn verdict_for(days_left: i64) -> Verdict {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain[0] = certificate("chaton.test", "Test Intermediate", days_left);
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        verdict(&CertificateNotExpiring, &m, &obs)
    }

    #[test]
    fn ninety_days_left_passes() {
        assert_eq!(verdict_for(90), Verdict::Pass);
    }

    #[test]
    fn exactly_the_threshold_passes_and_one_day_less_warns() {
        assert_eq!(verdict_for(21), Verdict::Pass);
        assert_eq!(verdict_for(20), Verdict::Warn);
    }

    #[test]
    fn expiring_tomorrow_warns() {
        assert_eq!(verdict_for(1), Verdict::Warn);
    }

    #[test]
    fn the_warning_reads_in_french_with_the_days_left() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain[0] = certificate("chaton.test", "Test Intermediate", 10);
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        let findings = judge(&CertificateNotExpiring, &m, &obs);
        let fr = findings[0].message_fr.as_deref().unwrap_or_default();
        assert!(
            fr.contains("le certificat de chaton.test:443 expire dans"),
            "{fr}"
        );
        assert!(fr.ends_with(" jours"), "{fr}");
    }

    #[test]
    fn expired_certificate_fails() {
        assert_eq!(verdict_for(-3), Verdict::Fail);
    }

    #[test]
    fn expired_one_second_before_the_run_fails() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain[0].not_after_unix = NOW.unix_timestamp() - 1;
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        assert_eq!(verdict(&CertificateNotExpiring, &m, &obs), Verdict::Fail);
    }

    #[test]
    fn the_run_start_is_the_clock_not_the_wall_clock() {
        // Valid for 30 days after the run's start, whenever the test runs.
        assert_eq!(verdict_for(30), Verdict::Pass);
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.started_at = NOW - time::Duration::days(365);
        let mut hs = handshake("chaton.test");
        hs.chain[0] = certificate("chaton.test", "Test Intermediate", -200);
        hs.chain[0].not_before_unix = (NOW - time::Duration::days(400)).unix_timestamp();
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        assert_eq!(verdict(&CertificateNotExpiring, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn not_yet_valid_certificate_fails() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = failing_handshake("chaton.test", VerificationKind::NotYetValid);
        hs.chain[0].not_before_unix = (NOW + time::Duration::days(10)).unix_timestamp();
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        let findings = judge(&CertificateNotExpiring, &m, &obs);
        assert_eq!(findings[0].verdict, Verdict::Fail);
        assert!(findings[0].message.contains("not valid before"));
    }

    #[test]
    fn certificate_renewed_during_the_run_and_accepted_is_judged_on_its_expiry() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain[0].not_before_unix = (NOW + time::Duration::minutes(5)).unix_timestamp();
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        assert_eq!(verdict(&CertificateNotExpiring, &m, &obs), Verdict::Pass);
    }

    #[test]
    fn empty_chain_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        let mut hs = handshake("chaton.test");
        hs.chain.clear();
        obs.tls.insert("chaton.test:443".into(), Observed::Seen(hs));
        assert_eq!(
            verdict(&CertificateNotExpiring, &m, &obs),
            Verdict::Inconclusive
        );
    }

    #[test]
    fn probe_failure_is_inconclusive() {
        let m = member("https://chaton.test/", &[]);
        let mut obs = observations();
        obs.tls.insert("chaton.test:443".into(), timeout());
        assert_eq!(
            verdict(&CertificateNotExpiring, &m, &obs),
            Verdict::Inconclusive
        );
    }
}
