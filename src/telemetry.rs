//! Logging: `tracing` to standard error, filtered by the `log` setting. Personal data never
//! reaches a log line: identity types redact themselves, handlers and services skip their
//! inputs, and the access log drops query strings.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(filter: &str) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
