//! The basic HTTP probe: one URL, its redirects, the final response.

use url::Url;

use crate::observation::{HttpExchange, Observed};
use crate::probe::{Fetch, FetchOptions};

/// Fetches `url`, following redirects up to the run's cap, and records every hop.
pub async fn observe(net: &dyn Fetch, url: &Url) -> Observed<HttpExchange> {
    fetch(net, url, FetchOptions::default()).await
}

/// Fetches `url` and records only the first response (e.g. to see whether plain `http://`
/// redirects to `https://`).
pub async fn observe_no_redirect(net: &dyn Fetch, url: &Url) -> Observed<HttpExchange> {
    fetch(
        net,
        url,
        FetchOptions {
            no_redirects: true,
            ..FetchOptions::default()
        },
    )
    .await
}

async fn fetch(net: &dyn Fetch, url: &Url, options: FetchOptions) -> Observed<HttpExchange> {
    match net.fetch(url, options).await {
        Ok(fetched) => Observed::Seen(fetched.exchange),
        Err(failure) => Observed::Failed(failure),
    }
}
