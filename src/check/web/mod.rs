//! Web checks that are about reaching the services at all.

mod https_reachable;

pub use https_reachable::HttpsReachable;
