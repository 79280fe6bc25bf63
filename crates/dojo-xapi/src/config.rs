//! The LRS settings: where statements go, the credentials, and how they are written. A
//! RON file readable by its owner only (it holds the LRS's secret): written atomically
//! with mode 600 from the start, and refused on read when others can read it, as ssh
//! refuses a key file.

use std::path::{Path, PathBuf};

use dojo_core::xapi::{ActorRule, Profile};
use serde::{Deserialize, Serialize};

/// The largest settings file read (it holds a few short lines).
const MAX_CONFIG_BYTES: usize = 64 * 1024;

/// The settings file's name in the app's data folder.
pub const XAPI_CONFIG_FILE: &str = "xapi.ron";

/// A settings file that cannot be read or written, with the file and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file.
    pub path: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Where statements go and how they are written.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct XapiConfig {
    /// The LRS's xAPI endpoint (statements are posted to `{endpoint}/statements`).
    pub endpoint: String,
    /// The Basic-auth key (user name).
    pub key: String,
    /// The Basic-auth secret (never printed, never logged).
    pub secret: String,
    /// Activity ids, extensions and actors.
    pub profile: Profile,
}

/// Debug output never shows the secret (a settings value may end up in a log line).
impl std::fmt::Debug for XapiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XapiConfig")
            .field("endpoint", &self.endpoint)
            .field("key", &self.key)
            .field("secret", &"<hidden>")
            .field("profile", &self.profile)
            .finish()
    }
}

/// The default base IRI of activity and extension ids.
pub const DEFAULT_BASE_IRI: &str = "https://escalation-dojo.org/xapi";
/// The default home page of people's accounts.
pub const DEFAULT_HOME_PAGE: &str = "https://escalation-dojo.org";

/// Checks an absolute http(s) IRI; returns it without trailing slashes.
fn check_iri(what: &str, value: &str) -> Result<String, String> {
    let v = value.trim().trim_end_matches('/');
    let rest = v
        .strip_prefix("https://")
        .or_else(|| v.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.contains(char::is_whitespace) => Ok(v.to_string()),
        _ => Err(format!(
            "{what} `{value}` is not an http:// or https:// address (e.g. https://lrs.example.org/xAPI)"
        )),
    }
}

impl XapiConfig {
    /// Settings from what a person typed (`dojo xapi configure`, `dojo-server admin xapi
    /// configure`), checked: http(s) addresses, a key usable in Basic auth, a secret, a
    /// mail domain. People are accounts on `home_page` (default
    /// [`DEFAULT_HOME_PAGE`]) unless an `email_domain` is given.
    pub fn new(
        endpoint: &str,
        key: &str,
        secret: &str,
        base_iri: Option<&str>,
        home_page: Option<&str>,
        email_domain: Option<&str>,
    ) -> Result<XapiConfig, String> {
        let endpoint = check_iri("the endpoint", endpoint)?;
        let base_iri = check_iri("the base IRI", base_iri.unwrap_or(DEFAULT_BASE_IRI))?;
        if key.is_empty() || key.contains(':') {
            return Err("the key must be non-empty and without `:` (Basic auth)".into());
        }
        if secret.is_empty() {
            return Err("the secret must not be empty".into());
        }
        let actor = match (email_domain, home_page) {
            (Some(_), Some(_)) => {
                return Err(
                    "people are either accounts on a home page or e-mail addresses, not both"
                        .into(),
                );
            }
            (Some(d), None) if d.contains('.') && !d.contains(['@', ' ', '/']) => {
                ActorRule::Email {
                    domain: d.to_string(),
                }
            }
            (Some(d), None) => {
                return Err(format!("`{d}` is not a mail domain (e.g. acme.example)"));
            }
            (None, home_page) => ActorRule::Account {
                home_page: check_iri("the home page", home_page.unwrap_or(DEFAULT_HOME_PAGE))?,
            },
        };
        Ok(XapiConfig {
            endpoint,
            key: key.to_string(),
            secret: secret.to_string(),
            profile: Profile { base_iri, actor },
        })
    }

    /// The settings file of a data folder.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(XAPI_CONFIG_FILE)
    }

    /// Reads a data folder's settings (None when not configured).
    pub fn load(data_dir: &Path) -> Result<Option<XapiConfig>, ConfigError> {
        Self::load_file(&Self::path(data_dir))
    }

    /// Reads a settings file (None when it does not exist). A file others can read is
    /// refused with how to fix it.
    pub fn load_file(path: &Path) -> Result<Option<XapiConfig>, ConfigError> {
        let error = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        // The project's one file reader: a regular file only, a size limit, and the text
        // another editor saved (a BOM, CRLF lines) read the same.
        let text = match dojo_core::input::read_text(path, MAX_CONFIG_BYTES) {
            Ok(t) => t,
            Err(dojo_core::input::ReadError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                return Ok(None);
            }
            Err(e) => return Err(error(e.reason())),
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| error(e.to_string()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(error(format!(
                    "holds the LRS secret but others can read it (mode {:o}); run `chmod 600 {}` or `dojo xapi configure` again",
                    mode & 0o777,
                    path.display()
                )));
            }
        }
        ron::from_str(&text).map(Some).map_err(|e| {
            error(format!(
                "is not readable xAPI settings ({e}); run `dojo xapi configure` again"
            ))
        })
    }

    /// Writes the settings into a data folder.
    pub fn save(&self, data_dir: &Path) -> Result<(), ConfigError> {
        std::fs::create_dir_all(data_dir).map_err(|e| ConfigError {
            path: data_dir.display().to_string(),
            message: e.to_string(),
        })?;
        self.save_file(&Self::path(data_dir))
    }

    /// Writes the settings atomically, readable by the owner only (the temporary file is
    /// created with mode 600, so the secret is never readable by others, even briefly).
    pub fn save_file(&self, path: &Path) -> Result<(), ConfigError> {
        let error = |message: String| ConfigError {
            path: path.display().to_string(),
            message,
        };
        let text = ron::ser::to_string_pretty(self, ron::ser::PrettyConfig::default())
            .map_err(|e| error(e.to_string()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| XAPI_CONFIG_FILE.into());
        let tmp = path.with_file_name(format!(".{name}.tmp"));
        let _ = std::fs::remove_file(&tmp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        {
            use std::io::Write;
            let mut file = options.open(&tmp).map_err(|e| error(e.to_string()))?;
            file.write_all(text.as_bytes())
                .map_err(|e| error(e.to_string()))?;
            file.sync_all().map_err(|e| error(e.to_string()))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| error(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::XapiConfig;

    /// A settings file another editor saved (Notepad: a BOM and CRLF lines) reads the same.
    #[test]
    fn a_file_saved_with_a_bom_and_crlf_reads_the_same() {
        let dir = std::env::temp_dir().join(format!("dojo-xapi-bom-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let config =
            XapiConfig::new("https://lrs.example/xAPI", "k", "s", None, None, None).unwrap();
        config.save(&dir).unwrap();
        let path = XapiConfig::path(&dir);
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace('\n', "\r\n");
        let mut bytes = b"\xef\xbb\xbf".to_vec();
        bytes.extend(text.as_bytes());
        std::fs::write(&path, bytes).unwrap();
        assert_eq!(XapiConfig::load(&dir).unwrap(), Some(config));
        assert_eq!(XapiConfig::load(&dir.join("none")).unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
