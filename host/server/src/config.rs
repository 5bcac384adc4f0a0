//! Configuration: command-line flags, then `EOEX_*` environment variables, then an
//! optional TOML file, then defaults — parsed once into a typed [`Config`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use serde::Deserialize;

#[derive(Debug, Parser)]
#[command(
    name = "eoex",
    version,
    about = "EOEX: a multi-tenant business platform whose modules are WebAssembly components"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Options of `serve`, which is what `eoex` with no subcommand does.
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
#[expect(clippy::large_enum_variant, reason = "one value, parsed once at start")]
pub enum Command {
    /// Run the server (the default when no subcommand is given).
    Serve(ServeArgs),
    /// Write, build, sign and publish plugins.
    #[command(subcommand)]
    Plugin(PluginCommand),
}

/// `eoex plugin …`, carried out by the binary (`src/cli.rs`).
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Create a signing key and print its public key, for the hosts' EOEX_TRUSTED_KEYS.
    Keygen {
        /// Where to write the key [default: ~/.config/eoex/signing-key].
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Create a plugin crate on the SDK, ready to build: DIR/NAME.
    New {
        /// Module name: a lower-case letter, then lower-case letters, digits, `_` or `-`
        /// (the crate keeps `-`, the module name has `_`).
        name: String,
        /// Directory to create the crate in.
        #[arg(long, value_name = "DIR", default_value = ".")]
        path: PathBuf,
        /// The SDK, the `sdk/` directory of an EOEX checkout [default: the one this
        /// binary was built from].
        #[arg(long)]
        sdk: Option<PathBuf>,
    },
    /// Build the plugin crate in PATH for wasm32-wasip2, validate the component as the
    /// registry would and sign it (`<file>.wasm.sig`) if there is a signing key.
    Build {
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Signing key [default: ~/.config/eoex/signing-key, if it exists].
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Publish a component to a server's registry, with FILE.sig as its signature.
    Publish {
        file: PathBuf,
        /// The server's base URL, e.g. https://eoex.example.com.
        #[arg(long)]
        server: String,
        /// The server's operator token.
        #[arg(long, env = "EOEX_OPERATOR_TOKEN", hide_env_values = true)]
        token: String,
        /// Signing key, used when there is no FILE.sig [default:
        /// ~/.config/eoex/signing-key, if it exists].
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// List the packages in a server's registry.
    List {
        /// The server's base URL, e.g. https://eoex.example.com.
        #[arg(long)]
        server: String,
        /// A user's access token.
        #[arg(long, env = "EOEX_TOKEN", hide_env_values = true)]
        token: String,
    },
}

/// Server options. Each may also come from the environment or the config file.
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServeArgs {
    /// TOML file with any of these options (snake_case keys); flags and environment win.
    #[arg(long, env = "EOEX_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "EOEX_BIND")]
    pub bind: Option<SocketAddr>,
    /// Directory for the embedded database, the generated JWT secret and plugins [default: ./data].
    #[arg(long, env = "EOEX_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// `postgres://…` for PostgreSQL, or `sqlite:PATH` [default: SQLite in the data dir].
    #[arg(long, env = "EOEX_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// HS256 secret for access tokens [default: generated on first start, kept in the data dir].
    #[arg(long, env = "EOEX_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Browser origins allowed by CORS, comma-separated (e.g. https://app.example.com).
    #[arg(long, env = "EOEX_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Option<Vec<String>>,
    /// Lifetime of access tokens in seconds [default: 900].
    #[arg(long, env = "EOEX_ACCESS_TOKEN_TTL_SECS")]
    pub access_token_ttl_secs: Option<u64>,
    /// Lifetime of refresh tokens in seconds [default: 2592000, 30 days].
    #[arg(long, env = "EOEX_REFRESH_TOKEN_TTL_SECS")]
    pub refresh_token_ttl_secs: Option<u64>,
    /// Largest accepted request body in bytes [default: 1048576].
    #[arg(long, env = "EOEX_BODY_LIMIT_BYTES")]
    pub body_limit_bytes: Option<usize>,
    /// Failed logins per account within the window before 429 [default: 5].
    #[arg(long, env = "EOEX_LOGIN_MAX_FAILURES_PER_ACCOUNT")]
    pub login_max_failures_per_account: Option<u32>,
    /// Failed logins per client address within the window before 429 [default: 20].
    #[arg(long, env = "EOEX_LOGIN_MAX_FAILURES_PER_ADDRESS")]
    pub login_max_failures_per_address: Option<u32>,
    /// Length of the login rate-limit window in seconds [default: 900].
    #[arg(long, env = "EOEX_LOGIN_WINDOW_SECS")]
    pub login_window_secs: Option<u64>,
    /// Seconds to let in-flight requests finish after SIGTERM/Ctrl-C [default: 30].
    #[arg(long, env = "EOEX_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Directory of plugin components (`*.wasm`) loaded at start [default: DATA_DIR/plugins].
    #[arg(long, env = "EOEX_PLUGINS_DIR")]
    pub plugins_dir: Option<PathBuf>,
    /// Directory of compiled plugins, reused across restarts and shareable between
    /// hosts of the same build [default: DATA_DIR/cache].
    #[arg(long, env = "EOEX_CACHE_DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Wall-clock limit of one plugin call in milliseconds [default: 5000].
    #[arg(long, env = "EOEX_PLUGIN_TIMEOUT_MS")]
    pub plugin_timeout_ms: Option<u64>,
    /// Linear memory one plugin instance may use, in MiB [default: 64].
    #[arg(long, env = "EOEX_PLUGIN_MEMORY_MIB")]
    pub plugin_memory_mib: Option<usize>,
    /// Modules whose instances are reused across requests of one tenant, comma-separated
    /// [default: none, a fresh instance per request].
    #[arg(long, env = "EOEX_PLUGIN_REUSE", value_delimiter = ',')]
    pub plugin_reuse: Option<Vec<String>>,
    /// Requests one reused instance serves before it is replaced [default: 1000].
    #[arg(long, env = "EOEX_PLUGIN_REUSE_MAX_REQUESTS")]
    pub plugin_reuse_max_requests: Option<u32>,
    /// Bearer token for operator endpoints (registry publishing, system logs) [default: none, closed].
    #[arg(long, env = "EOEX_OPERATOR_TOKEN", hide_env_values = true)]
    pub operator_token: Option<String>,
    /// Publisher keys whose signed packages this host loads, comma-separated `ed25519:<hex>`.
    #[arg(long, env = "EOEX_TRUSTED_KEYS", value_delimiter = ',')]
    pub trusted_keys: Option<Vec<String>>,
    /// Development mode: also load unsigned packages, and ones signed by any key [default: false].
    #[arg(long, env = "EOEX_DEV_MODE")]
    pub dev_mode: Option<bool>,
    /// Watch the plugins directory and hot-reload components dropped there [default: true].
    #[arg(long, env = "EOEX_WATCH_PLUGINS")]
    pub watch_plugins: Option<bool>,
}

impl ServeArgs {
    /// Fills every option this one leaves unset from `fallback`.
    fn or(self, fallback: ServeArgs) -> ServeArgs {
        ServeArgs {
            config: self.config,
            bind: self.bind.or(fallback.bind),
            data_dir: self.data_dir.or(fallback.data_dir),
            database_url: self.database_url.or(fallback.database_url),
            jwt_secret: self.jwt_secret.or(fallback.jwt_secret),
            cors_origins: self.cors_origins.or(fallback.cors_origins),
            access_token_ttl_secs: self
                .access_token_ttl_secs
                .or(fallback.access_token_ttl_secs),
            refresh_token_ttl_secs: self
                .refresh_token_ttl_secs
                .or(fallback.refresh_token_ttl_secs),
            body_limit_bytes: self.body_limit_bytes.or(fallback.body_limit_bytes),
            login_max_failures_per_account: self
                .login_max_failures_per_account
                .or(fallback.login_max_failures_per_account),
            login_max_failures_per_address: self
                .login_max_failures_per_address
                .or(fallback.login_max_failures_per_address),
            login_window_secs: self.login_window_secs.or(fallback.login_window_secs),
            shutdown_grace_secs: self.shutdown_grace_secs.or(fallback.shutdown_grace_secs),
            plugins_dir: self.plugins_dir.or(fallback.plugins_dir),
            cache_dir: self.cache_dir.or(fallback.cache_dir),
            plugin_timeout_ms: self.plugin_timeout_ms.or(fallback.plugin_timeout_ms),
            plugin_memory_mib: self.plugin_memory_mib.or(fallback.plugin_memory_mib),
            plugin_reuse: self.plugin_reuse.or(fallback.plugin_reuse),
            plugin_reuse_max_requests: self
                .plugin_reuse_max_requests
                .or(fallback.plugin_reuse_max_requests),
            watch_plugins: self.watch_plugins.or(fallback.watch_plugins),
            operator_token: self.operator_token.or(fallback.operator_token),
            trusted_keys: self.trusted_keys.or(fallback.trusted_keys),
            dev_mode: self.dev_mode.or(fallback.dev_mode),
        }
    }
}

/// The resolved configuration of a running server.
#[derive(Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub jwt_secret: Vec<u8>,
    pub cors_origins: Vec<String>,
    pub access_token_ttl: Duration,
    pub refresh_token_ttl: Duration,
    pub body_limit_bytes: usize,
    pub login: LoginLimits,
    pub shutdown_grace: Duration,
    pub plugins: PluginLimits,
    pub operator_token: Option<String>,
}

#[derive(Clone, Debug)]
pub struct PluginLimits {
    pub dir: PathBuf,
    /// Compiled components, keyed by digest and engine.
    pub cache_dir: PathBuf,
    pub timeout: Duration,
    pub memory_bytes: usize,
    /// Modules run with instance reuse, and how many requests one instance serves.
    pub reuse: Vec<String>,
    pub reuse_max_requests: u32,
    pub watch: bool,
    /// Publisher keys (`ed25519:<hex>`) whose packages load.
    pub trusted_keys: Vec<String>,
    /// Unsigned packages load too.
    pub development: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct LoginLimits {
    pub max_failures_per_account: u32,
    pub max_failures_per_address: u32,
    pub window: Duration,
}

impl std::fmt::Debug for Config {
    // Hand-written so that the secret and database credentials never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("database", &redact_url(&self.database_url))
            .field("cors_origins", &self.cors_origins)
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("login", &self.login)
            .field("plugins", &self.plugins)
            .finish_non_exhaustive()
    }
}

/// The URL with any password replaced, for logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***{}", &url[..scheme_end], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

const JWT_SECRET_FILE: &str = "jwt-secret";

impl Config {
    /// Resolves flags/environment over the config file over defaults, creating the data
    /// dir and the generated JWT secret if needed.
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Config> {
        let file = match &args.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading config file {}", path.display()))?;
                toml::from_str::<ServeArgs>(&text)
                    .with_context(|| format!("parsing config file {}", path.display()))?
            }
            None => ServeArgs::default(),
        };
        let args = args.or(file);
        let data_dir = args.data_dir.unwrap_or_else(|| PathBuf::from("data"));
        std::fs::create_dir_all(&data_dir)
            .with_context(|| format!("creating data directory {}", data_dir.display()))?;
        let database_url = args
            .database_url
            .unwrap_or_else(|| eoex_store::Db::sqlite_url_in(&data_dir));
        let jwt_secret = match args.jwt_secret {
            Some(secret) if secret.len() < 32 => {
                anyhow::bail!("EOEX_JWT_SECRET must be at least 32 characters long")
            }
            Some(secret) => secret.into_bytes(),
            None => load_or_create_secret(&data_dir.join(JWT_SECRET_FILE))?,
        };
        Ok(Config {
            bind: args
                .bind
                .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080))),
            database_url,
            jwt_secret,
            cors_origins: args.cors_origins.unwrap_or_default(),
            access_token_ttl: Duration::from_secs(args.access_token_ttl_secs.unwrap_or(900)),
            refresh_token_ttl: Duration::from_secs(
                args.refresh_token_ttl_secs.unwrap_or(30 * 24 * 3600),
            ),
            body_limit_bytes: args.body_limit_bytes.unwrap_or(1024 * 1024),
            login: LoginLimits {
                max_failures_per_account: args.login_max_failures_per_account.unwrap_or(5),
                max_failures_per_address: args.login_max_failures_per_address.unwrap_or(20),
                window: Duration::from_secs(args.login_window_secs.unwrap_or(900)),
            },
            shutdown_grace: Duration::from_secs(args.shutdown_grace_secs.unwrap_or(30)),
            plugins: PluginLimits {
                dir: args.plugins_dir.unwrap_or_else(|| data_dir.join("plugins")),
                cache_dir: args.cache_dir.unwrap_or_else(|| data_dir.join("cache")),
                timeout: Duration::from_millis(args.plugin_timeout_ms.unwrap_or(5000)),
                memory_bytes: args.plugin_memory_mib.unwrap_or(64) << 20,
                reuse: args.plugin_reuse.unwrap_or_default(),
                reuse_max_requests: args.plugin_reuse_max_requests.unwrap_or(1000),
                watch: args.watch_plugins.unwrap_or(true),
                trusted_keys: args.trusted_keys.unwrap_or_default(),
                development: args.dev_mode.unwrap_or(false),
            },
            operator_token: match args.operator_token {
                Some(token) if token.trim().len() < 24 => {
                    anyhow::bail!("EOEX_OPERATOR_TOKEN must be at least 24 characters long")
                }
                token => token.map(|t| t.trim().to_owned()),
            },
            data_dir,
        })
    }
}

/// Reads the secret kept in `path`, or writes a new random one there (mode 0600).
fn load_or_create_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().len() >= 64 => Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => anyhow::bail!(
            "{} is too short to be a JWT secret; delete it to generate a new one",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = hex::encode(rand::random::<[u8; 32]>());
            write_private(path, &secret).with_context(|| format!("writing {}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new JWT secret");
            Ok(secret.into_bytes())
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_and_file_over_defaults() {
        let dir = std::env::temp_dir().join(format!("eoex-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("eoex.toml");
        std::fs::write(
            &file,
            "bind = \"127.0.0.1:9999\"\nbody_limit_bytes = 10\naccess_token_ttl_secs = 60\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(file),
            data_dir: Some(dir.clone()),
            body_limit_bytes: Some(20),
            ..ServeArgs::default()
        };
        let config = Config::resolve(args).unwrap();
        assert_eq!(config.bind.port(), 9999);
        assert_eq!(config.body_limit_bytes, 20);
        assert_eq!(config.access_token_ttl, Duration::from_secs(60));
        assert_eq!(
            config.refresh_token_ttl,
            Duration::from_secs(30 * 24 * 3600)
        );
        // The generated secret is kept and reused.
        let again = Config::resolve(ServeArgs {
            data_dir: Some(dir.clone()),
            ..ServeArgs::default()
        })
        .unwrap();
        assert_eq!(config.jwt_secret, again.jwt_secret);
        assert!(config.jwt_secret.len() >= 64);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        assert!(toml::from_str::<ServeArgs>("bnd = \"x\"").is_err());
    }

    #[test]
    fn redacts_database_passwords() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/eoex"),
            "postgres://app:***@db:5432/eoex"
        );
        assert_eq!(redact_url("sqlite://data/eoex.db"), "sqlite://data/eoex.db");
    }
}
