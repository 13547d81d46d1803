//! EasyList/EasyPrivacy-syntax filter lists, matched with Brave's `adblock` engine.
//!
//! The lists are an input of the run (`--filter-list FILE`), never vendored: they are large,
//! change weekly and carry their own licence. A match is recorded in the observation (list
//! name and rule text), so a replay judges the same without the lists.
//!
//! `adblock::Engine` is built for a single thread (the crate's default `single-thread`
//! feature), so the engines live on one worker thread and [`FilterLists`] talks to it over a
//! channel: it is `Send + Sync` and can be shared by every probe of the run.

use std::path::{Path, PathBuf};
use std::sync::mpsc;

use adblock::Engine;
use adblock::lists::{FilterSet, ParseOptions};
use adblock::request::Request;

use crate::observation::page::{FilterMatch, PageResources};

/// A filter list could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum FilterListError {
    /// The file could not be read.
    #[error("filter list {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a filter list.
    #[error("filter list {path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The matching thread could not be started.
    #[error("filter lists: could not start the matching thread: {0}")]
    Thread(std::io::Error),
}

/// One URL to match: the resource, the page that loads it, the adblock request type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The resource URL.
    pub url: String,
    /// The page that references it.
    pub source_url: String,
    /// An adblock request type: `script`, `stylesheet`, `image`, `font`, `media`, `object`,
    /// `subdocument`, `document`, `other`…
    pub request_type: &'static str,
}

struct Job {
    queries: Vec<Query>,
    reply: mpsc::Sender<Vec<Option<FilterMatch>>>,
}

/// Loaded filter lists, shareable across threads and tasks.
pub struct FilterLists {
    names: Vec<String>,
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for FilterLists {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilterLists")
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl FilterLists {
    /// Loads each file as one list, named by its file name. Errors name the file.
    pub fn load(paths: &[PathBuf]) -> Result<Self, FilterListError> {
        let mut lists = Vec::new();
        for path in paths {
            let bytes = std::fs::read(path).map_err(|source| FilterListError::Io {
                path: path.clone(),
                source,
            })?;
            let text = String::from_utf8(bytes).map_err(|e| FilterListError::Invalid {
                path: path.clone(),
                message: format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to()),
            })?;
            lists.push((list_name(path), path.clone(), text));
        }
        Self::start(lists)
    }

    /// Lists given as (name, text), e.g. in tests.
    pub fn from_texts(lists: Vec<(String, String)>) -> Result<Self, FilterListError> {
        Self::start(
            lists
                .into_iter()
                .map(|(name, text)| (name.clone(), PathBuf::from(name), text))
                .collect(),
        )
    }

    fn start(lists: Vec<(String, PathBuf, String)>) -> Result<Self, FilterListError> {
        for (_, path, text) in &lists {
            let rules = text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('!') && !l.starts_with('['))
                .count();
            if rules == 0 {
                return Err(FilterListError::Invalid {
                    path: path.clone(),
                    message: "no filter rules found".into(),
                });
            }
        }
        let names: Vec<String> = lists.iter().map(|(name, _, _)| name.clone()).collect();
        let (jobs, inbox) = mpsc::channel::<Job>();
        let texts: Vec<(String, String)> = lists
            .into_iter()
            .map(|(name, _, text)| (name, text))
            .collect();
        std::thread::Builder::new()
            .name("filter-lists".into())
            .spawn(move || worker(texts, inbox))
            .map_err(FilterListError::Thread)?;
        Ok(Self { names, jobs })
    }

    /// The lists' names, in load order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The first list (in load order) with a blocking rule for each query, and that rule.
    /// An exception rule in the same list cancels the match, as in a browser.
    pub fn check_many(&self, queries: Vec<Query>) -> Vec<Option<FilterMatch>> {
        let count = queries.len();
        let (reply, answer) = mpsc::channel();
        if self.jobs.send(Job { queries, reply }).is_err() {
            return vec![None; count];
        }
        answer.recv().unwrap_or_else(|_| vec![None; count])
    }

    /// [`check_many`](Self::check_many) for one URL.
    pub fn check(
        &self,
        url: &str,
        source_url: &str,
        request_type: &'static str,
    ) -> Option<FilterMatch> {
        let query = Query {
            url: url.to_owned(),
            source_url: source_url.to_owned(),
            request_type,
        };
        self.check_many(vec![query]).into_iter().next().flatten()
    }

    /// Records on each resource of `page` the rule that matches it, and the lists consulted.
    pub fn annotate(&self, page: &mut PageResources) {
        let queries = page
            .resources
            .iter()
            .map(|r| Query {
                url: r.url.clone(),
                source_url: page.url.clone(),
                request_type: request_type(&r.element, &r.url),
            })
            .collect();
        for (resource, found) in page.resources.iter_mut().zip(self.check_many(queries)) {
            resource.filter_match = found;
        }
        page.filter_lists = self.names.clone();
    }
}

fn list_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn worker(lists: Vec<(String, String)>, inbox: mpsc::Receiver<Job>) {
    let engines: Vec<(String, Engine)> = lists
        .into_iter()
        .map(|(name, text)| {
            let mut set = FilterSet::new(true);
            set.add_filter_list(text, ParseOptions::default());
            (name, Engine::new_with_filter_set(set))
        })
        .collect();
    for job in inbox {
        let answers = job.queries.iter().map(|q| match_one(&engines, q)).collect();
        // The asker may have gone away; nothing to do then.
        let _ = job.reply.send(answers);
    }
}

fn match_one(engines: &[(String, Engine)], query: &Query) -> Option<FilterMatch> {
    let request = Request::new(&query.url, &query.source_url, query.request_type, "GET").ok()?;
    engines.iter().find_map(|(name, engine)| {
        let result = engine.check_network_request(&request);
        if !result.should_block() {
            return None;
        }
        let rule = result
            .filter
            .and_then(|f| f.raw_line)
            .unwrap_or_else(|| "(rule text not kept)".to_owned());
        Some(FilterMatch {
            list: name.clone(),
            rule,
        })
    })
}

/// The adblock request type for a resource, from the element that references it.
pub fn request_type(element: &str, url: &str) -> &'static str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_font = [".woff2", ".woff", ".ttf", ".otf", ".eot"]
        .iter()
        .any(|ext| path.ends_with(ext));
    match element.split(['[', '@', ' ']).next().unwrap_or_default() {
        "script" => "script",
        "link" if element.contains("stylesheet") => "stylesheet",
        "link" if element.contains("icon") => "image",
        "link" if element.contains("preload") && is_font => "font",
        "style" | "stylesheet" if element.contains("@import") => "stylesheet",
        "img" | "input" | "body" | "table" | "td" | "th" => "image",
        "style" | "stylesheet" | "" if is_font => "font",
        "style" | "stylesheet" | "" => "image",
        "iframe" | "frame" => "subdocument",
        "video" if element.contains("poster") => "image",
        "video" | "audio" | "track" => "media",
        "source" if element.contains("srcset") => "image",
        "source" => "media",
        "object" | "embed" => "object",
        "meta" | "form" => "document",
        _ => "other",
    }
}
