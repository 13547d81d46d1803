//! The Handlebars templates, CSS and i18n strings of the reports, embedded from `reports/`
//! and overridable from a directory (`--templates DIR`: a file there replaces the embedded
//! file of the same relative path).
//!
//! Two registries, both in strict mode so a misspelt field is an error with line and column:
//! `*.html.hbs` and `*.svg.hbs` templates escape for HTML/XML, `*.md.hbs` templates escape
//! for Markdown ([`super::escape::markdown`]). Templates never compute: the view models in
//! [`super::view`] carry every value already formatted.

use std::collections::BTreeMap;
use std::path::Path;

use handlebars::Handlebars;

use super::Error;
use crate::catalogue::Lang;

/// The embedded files of `reports/`, as (relative path, contents).
pub const EMBEDDED_REPORTS: &[(&str, &[u8])] =
    include!(concat!(env!("OUT_DIR"), "/embedded_reports.rs"));

/// Compiled templates, static assets and i18n strings.
pub struct Templates {
    html: Handlebars<'static>,
    markdown: Handlebars<'static>,
    files: BTreeMap<String, String>,
    strings: BTreeMap<Lang, BTreeMap<String, String>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("files", &self.files.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Templates {
    /// The templates embedded in the binary.
    pub fn embedded() -> Result<Self, Error> {
        Self::from_files(embedded_files())
    }

    /// The embedded templates, with every file found under `dir` replacing its namesake.
    pub fn with_overrides(dir: &Path) -> Result<Self, Error> {
        let mut files: BTreeMap<String, String> = embedded_files().collect();
        walk(dir, dir, &mut files)?;
        Self::from_files(files)
    }

    fn from_files(files: impl IntoIterator<Item = (String, String)>) -> Result<Self, Error> {
        let files: BTreeMap<String, String> = files.into_iter().collect();
        let mut html = Handlebars::new();
        html.set_strict_mode(true);
        html.register_escape_fn(handlebars::html_escape);
        let mut markdown = Handlebars::new();
        markdown.set_strict_mode(true);
        markdown.register_escape_fn(super::escape::markdown);
        for (path, text) in &files {
            let Some(name) = path.strip_suffix(".hbs") else {
                continue;
            };
            let registry = if name.ends_with(".md") {
                &mut markdown
            } else {
                &mut html
            };
            registry
                .register_template_string(name, text)
                .map_err(|e| Error::Template {
                    name: path.clone(),
                    message: e.to_string(),
                })?;
        }
        let mut strings = BTreeMap::new();
        for lang in Lang::ALL {
            let path = format!("i18n/{}.yaml", lang.code());
            let text = files.get(&path).ok_or_else(|| Error::Template {
                name: path.clone(),
                message: "missing i18n file".into(),
            })?;
            let map: BTreeMap<String, String> =
                serde_saphyr::from_str(text).map_err(|e| Error::Template {
                    name: path.clone(),
                    message: e.to_string(),
                })?;
            strings.insert(lang, map);
        }
        let templates = Self {
            html,
            markdown,
            files,
            strings,
        };
        templates.check_i18n_keys()?;
        Ok(templates)
    }

    /// Both languages must have the same keys, so a template never misses a string in one.
    fn check_i18n_keys(&self) -> Result<(), Error> {
        let keys = |lang| {
            self.strings
                .get(&lang)
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
        };
        if keys(Lang::Fr) != keys(Lang::En) {
            let fr: Vec<String> = keys(Lang::Fr).unwrap_or_default();
            let en: Vec<String> = keys(Lang::En).unwrap_or_default();
            let missing: Vec<&String> = fr
                .iter()
                .filter(|k| !en.contains(k))
                .chain(en.iter().filter(|k| !fr.contains(k)))
                .collect();
            return Err(Error::Template {
                name: "i18n".into(),
                message: format!("fr.yaml and en.yaml differ on keys {missing:?}"),
            });
        }
        Ok(())
    }

    /// The i18n strings of `lang`.
    pub fn strings(&self, lang: Lang) -> &BTreeMap<String, String> {
        static EMPTY: BTreeMap<String, String> = BTreeMap::new();
        self.strings.get(&lang).unwrap_or(&EMPTY)
    }

    /// One i18n string, or the key itself when missing.
    pub fn text(&self, lang: Lang, key: &str) -> String {
        self.strings(lang)
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }

    /// A static file (`style.css`, `site.js`) as text.
    pub fn file(&self, path: &str) -> Result<&str, Error> {
        self.files
            .get(path)
            .map(String::as_str)
            .ok_or_else(|| Error::Template {
                name: path.into(),
                message: "missing file".into(),
            })
    }

    /// Renders the template `name` (path without `.hbs`, e.g. `member.html`) with `data`;
    /// `.md` templates get the Markdown escaper, others the HTML one.
    pub fn render<T: serde::Serialize>(&self, name: &str, data: &T) -> Result<String, Error> {
        let registry = if name.ends_with(".md") {
            &self.markdown
        } else {
            &self.html
        };
        registry.render(name, data).map_err(|e| Error::Template {
            name: format!("{name}.hbs"),
            message: e.to_string(),
        })
    }
}

fn embedded_files() -> impl Iterator<Item = (String, String)> {
    EMBEDDED_REPORTS.iter().map(|(path, bytes)| {
        (
            path.to_string(),
            String::from_utf8_lossy(bytes).into_owned(),
        )
    })
}

fn walk(base: &Path, dir: &Path, files: &mut BTreeMap<String, String>) -> Result<(), Error> {
    for entry in std::fs::read_dir(dir).map_err(Error::io(dir))? {
        let path = entry.map_err(Error::io(dir))?.path();
        if path.is_dir() {
            walk(base, &path, files)?;
        } else {
            let relative = path
                .strip_prefix(base)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).map_err(Error::io(&path))?;
            files.insert(relative, text);
        }
    }
    Ok(())
}
