//! The command's own messages in French and English. Check texts come from the catalogue.

use chatons_audit::catalogue::Lang;

/// Localised command messages.
pub struct Messages {
    lang: Lang,
}

macro_rules! message {
    ($name:ident, $fr:expr, $en:expr) => {
        #[allow(dead_code)]
        pub fn $name(&self) -> &'static str {
            match self.lang {
                Lang::Fr => $fr,
                Lang::En => $en,
            }
        }
    };
}

impl Messages {
    /// Messages in `lang`.
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    message!(error, "erreur", "error");
    message!(member, "membre", "member");
    message!(score, "score", "score");
    message!(valid, "valide", "valid");
    message!(problems_found, "problème(s) trouvé(s)", "problem(s) found");
    message!(probing, "Sondage", "Probing");
    message!(
        results_written,
        "Résultats écrits dans",
        "Results written to"
    );
    message!(open_report, "Ouvrez le rapport :", "Open the report:");
    message!(
        starting_world,
        "Démarrage du monde de démonstration sur la boucle locale…",
        "Starting the demo world on loopback…"
    );
    message!(
        world_stopped,
        "Monde de démonstration arrêté.",
        "Demo world stopped."
    );
    message!(
        replaying,
        "Rejeu des observations enregistrées (aucun accès réseau)",
        "Replaying saved observations (no network access)"
    );
    message!(not_loaded, "non chargé", "not loaded");
    message!(commitment, "Engagement :", "Commitment:");
    message!(severity, "Gravité :", "Severity:");
    message!(rationale, "Pourquoi :", "Why:");
    message!(remediation, "Comment corriger :", "How to fix:");
    message!(severity_low, "faible", "low");
    message!(severity_medium, "moyenne", "medium");
    message!(severity_high, "élevée", "high");
    message!(unknown_check, "vérification inconnue", "unknown check");
    message!(did_you_mean, "vouliez-vous dire", "did you mean");
}
