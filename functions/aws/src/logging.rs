//! The functions' log set-up: what `lambda_runtime`'s default subscriber does (Lambda's advanced
//! logging controls: `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO; JSON lines when
//! `AWS_LAMBDA_LOG_FORMAT` is JSON), with one level for every target instead of an `EnvFilter`:
//! the filter's directive syntax brings regular expressions (regex-automata), ~0.5 MiB of every
//! bootstrap, for per-module levels no function configures.

use std::str::FromStr;
use tracing_subscriber::filter::LevelFilter;

/// Installs the subscriber; call once, first thing in `main`.
pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_default();
    let level = LevelFilter::from_str(&level).unwrap_or(LevelFilter::INFO);
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let collector = tracing_subscriber::fmt().with_target(false).without_time().with_max_level(level);
    if json {
        collector.json().init();
    } else {
        collector.init();
    }
}
