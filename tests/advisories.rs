//! Known-vulnerable dependencies: the workspace's Cargo.lock against the RustSec advisory snapshot
//! beside the project (`../shared/advisory-db`), offline, as `cargo audit --no-fetch --stale
//! --deny warnings` would judge it: a vulnerability or an unmaintained, unsound or notice
//! advisory on any locked crate fails. cargo-audit's own library does the matching; installing
//! the command itself took CI minutes of compiling.

use std::path::Path;

use rustsec::advisory::Informational;
use rustsec::report::{Report, Settings};
use rustsec::{Database, Lockfile};

/// Advisories accepted, each with its reason.
const ACCEPTED: &[&str] = &[
    // paste 1.0.15 is unmaintained (no vulnerability): a compile-time macro crate that Leptos
    // pulls in through either_of; none of its code runs in the app. Drop when Leptos moves off it.
    "RUSTSEC-2024-0436",
    // rsa's Marvin attack (timing of RSA decryption with a private key; unpatched): jsonwebtoken's
    // pure-Rust backend links rsa, but our tokens are HS256 only (the validation admits no other
    // algorithm) and no RSA key exists anywhere. The other backend, aws-lc-rs, costs ~150 s of C
    // per build and megabytes per bootstrap (Cargo.toml).
    "RUSTSEC-2023-0071",
];

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate sits in the workspace")
}

fn report_for(lockfile: &Lockfile) -> Report {
    let snapshot = workspace().join("../shared/advisory-db");
    let database = Database::open(&snapshot).unwrap_or_else(|e| panic!("no advisory snapshot at {}: {e}", snapshot.display()));
    assert!(database.iter().count() > 100, "the snapshot holds advisories");
    let settings = Settings {
        informational_warnings: vec![Informational::Notice, Informational::Unmaintained, Informational::Unsound],
        ignore: ACCEPTED.iter().map(|id| id.parse().expect("an advisory id")).collect(),
        ..Settings::default()
    };
    Report::generate(&database, lockfile, &settings)
}

#[test]
fn no_locked_crate_has_a_known_vulnerability_or_warning() {
    let lockfile = Lockfile::load(workspace().join("Cargo.lock")).expect("Cargo.lock parses");
    let report = report_for(&lockfile);
    let vulnerable: Vec<String> =
        report.vulnerabilities.list.iter().map(|v| format!("{} {} ({})", v.package.name, v.package.version, v.advisory.id)).collect();
    assert!(vulnerable.is_empty(), "vulnerable: {vulnerable:?}");
    let warned: Vec<String> = report
        .warnings
        .values()
        .flatten()
        .map(|w| {
            format!("{} {} ({:?}, {})", w.package.name, w.package.version, w.kind, w.advisory.as_ref().map(|a| a.id.as_str()).unwrap_or(""))
        })
        .collect();
    assert!(warned.is_empty(), "warnings: {warned:?}");
}

/// The check finds what it is there to find: a lock file with a crate the snapshot knows to be
/// vulnerable (smallvec 1.6.0, a buffer overflow in insert_many) fails it.
#[test]
fn a_known_vulnerable_crate_is_reported() {
    let lockfile: Lockfile = "version = 4\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        .parse()
        .expect("a lock file");
    let report = report_for(&lockfile);
    let ids: Vec<&str> = report.vulnerabilities.list.iter().map(|v| v.advisory.id.as_str()).collect();
    assert!(ids.contains(&"RUSTSEC-2021-0003"), "{ids:?}");
}
