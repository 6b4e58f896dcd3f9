//! Everything the process takes from its environment, read once at start-up into one typed
//! `Config` (`load`) and passed down: the libraries read no variables. A malformed value stops
//! the start with an error naming the variable.

use rectify_io::plan::SheetLimits;
use rectify_web::WebConfig;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Spreadsheets parsed at once by the server unless `RECTIFY_SHEET_PARALLEL` says otherwise.
const DEFAULT_SHEET_PARALLEL: usize = 2;

#[derive(Debug, Clone)]
pub struct Config {
    /// `RECTIFY_SHEET_*`: what a spreadsheet may hold, for every importer.
    pub sheets: SheetLimits,
    /// `RECTIFY_SHEET_PARALLEL`: uploads the server parses at once.
    pub sheet_parallel: usize,
    /// `RECTIFY_SECURE_COOKIES=1`: the server is behind TLS.
    pub secure_cookies: bool,
    /// `RECTIFY_CJK_FONT`: the font for the bulletin's chart.
    pub cjk_font: Option<PathBuf>,
    /// `RECTIFY_METRICS_TOKEN`: the bearer token `/metrics` asks of scrapers that are not on
    /// this machine (without one, only loopback may scrape).
    pub metrics_token: Option<String>,
    /// `AWS_*`: the S3 client's settings (endpoint, region, keys, `AWS_ALLOW_HTTP` …), for
    /// attachments in a bucket (`--storage s3://…`).
    pub aws: Vec<(String, String)>,
}

impl Config {
    /// The configuration from `var(name)` (the environment, or a test's map).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let defaults = Config::defaults();
        let sheet_parallel = match var("RECTIFY_SHEET_PARALLEL") {
            None => defaults.sheet_parallel,
            Some(text) => text
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| format!("RECTIFY_SHEET_PARALLEL=“{text}”应为正整数"))?,
        };
        let secure_cookies = match var("RECTIFY_SECURE_COOKIES").as_deref().map(str::trim) {
            None | Some("" | "0") => false,
            Some("1") => true,
            Some(other) => return Err(format!("RECTIFY_SECURE_COOKIES=“{other}”应为 1 或 0")),
        };
        Ok(Config {
            sheets: SheetLimits::with_settings(&var)?,
            sheet_parallel,
            secure_cookies,
            cjk_font: var("RECTIFY_CJK_FONT")
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
            metrics_token: var("RECTIFY_METRICS_TOKEN")
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
            aws: AWS_VARS
                .iter()
                .filter_map(|&name| var(name).map(|value| (name.to_string(), value)))
                .collect(),
        })
    }

    /// Every setting at its default.
    fn defaults() -> Config {
        Config {
            sheets: SheetLimits::default(),
            sheet_parallel: DEFAULT_SHEET_PARALLEL,
            secure_cookies: false,
            cjk_font: None,
            metrics_token: None,
            aws: Vec::new(),
        }
    }

    /// Attachments in `url`'s bucket, reached with the `AWS_*` settings.
    pub fn object_storage(
        &self,
        url: &str,
    ) -> Result<rectify_store::attachments::AttachmentStore, rectify_store::StoreError> {
        let location = rectify_store::attachments::S3Location::parse(url)?;
        rectify_store::attachments::AttachmentStore::s3(location, &self.aws)
    }

    /// What the server needs of it.
    pub fn web(&self) -> WebConfig {
        WebConfig {
            secure_cookies: self.secure_cookies,
            sheet_parallel: self.sheet_parallel,
            sheets: self.sheets,
            cjk_font: self.cjk_font.clone(),
            metrics_token: self.metrics_token.clone(),
        }
    }
}

/// The S3 client's settings taken from the environment: the standard names, as
/// `AmazonS3Builder::from_env` reads them.
const AWS_VARS: &[&str] = &[
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ALLOW_HTTP",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
    "AWS_SKIP_SIGNATURE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
];

static CONFIG: OnceLock<Config> = OnceLock::new();

/// Reads the environment once; called first thing by `cli::run`.
pub fn load() -> Result<&'static Config, String> {
    if let Some(config) = CONFIG.get() {
        return Ok(config);
    }
    let config = Config::from_vars(|name| std::env::var(name).ok())?;
    Ok(CONFIG.get_or_init(|| config))
}

/// The configuration `load` read (the defaults before it, as in a unit test).
pub fn get() -> &'static Config {
    CONFIG.get_or_init(Config::defaults)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Config, String> {
        let map: HashMap<&str, &str> = pairs.iter().copied().collect();
        Config::from_vars(|name| map.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn a_malformed_value_is_an_error_naming_the_variable() {
        let bad = from(&[("RECTIFY_SHEET_MAX_ROWS", "many")]).unwrap_err();
        assert!(bad.contains("RECTIFY_SHEET_MAX_ROWS"), "{bad}");
        let bad = from(&[("RECTIFY_SHEET_PARALLEL", "0")]).unwrap_err();
        assert!(bad.contains("RECTIFY_SHEET_PARALLEL"), "{bad}");
        let bad = from(&[("RECTIFY_SECURE_COOKIES", "yes")]).unwrap_err();
        assert!(bad.contains("RECTIFY_SECURE_COOKIES"), "{bad}");
    }

    #[test]
    fn values_replace_the_defaults() {
        let config = from(&[
            ("RECTIFY_SHEET_MAX_ROWS", "10"),
            ("RECTIFY_SECURE_COOKIES", "1"),
            ("RECTIFY_CJK_FONT", "/fonts/x.ttc"),
        ])
        .unwrap();
        assert_eq!(config.sheets.max_rows, 10);
        assert_eq!(config.sheets.max_parts, SheetLimits::default().max_parts);
        assert!(config.secure_cookies);
        assert_eq!(config.sheet_parallel, DEFAULT_SHEET_PARALLEL);
        assert_eq!(config.cjk_font, Some(PathBuf::from("/fonts/x.ttc")));
    }
}
