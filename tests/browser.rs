//! Runs the browser tests (tests/e2e: Playwright driving Debian's headless Chromium) against the
//! binary cargo just built: `reporter.test.mjs` (report → receipt → follow-up in Chinese at
//! 390×844, with JavaScript on and off, the oversight pages, and the hazard list with its import
//! at 1366 px and 390 px, with an axe-core check) and `roles.test.mjs` (the officer's, the
//! coordinator's and finance's walks on the demo data at 390×844 and 1366×900, each page
//! checked with axe-core and for its width, with a screenshot kept). It needs `chromium`, `fonts-noto-cjk`, `node` and
//! `npm`. Where they are missing it shows as ignored (never as passed), unless
//! `TIPLINE_REQUIRE_BROWSER=1` (set by `.ci/run`): then it runs and their absence fails it.
//!
//! Whether it can run is only known at run time, so this file has its own harness
//! (`harness = false`, libtest-mimic): the same output and options as any other test.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::Path;
use std::process::Command;

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

fn main() {
    let args = Arguments::from_args();
    let required = std::env::var("TIPLINE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let missing: Vec<&str> = ["chromium", "node", "npm"]
        .into_iter()
        .filter(|c| !have(c))
        .collect();
    let ignored = !missing.is_empty() && !required;
    if ignored {
        eprintln!(
            "browser test ignored: {missing:?} missing (apt-get install chromium fonts-noto-cjk nodejs npm)"
        );
    }
    let trial = |name: &'static str, file: &'static str, passes: usize| {
        let missing = missing.clone();
        Trial::test(name, move || {
            if missing.is_empty() {
                browser_test(file, passes)
            } else {
                Err(format!("the browser test needs {missing:?}").into())
            }
        })
        .with_ignored_flag(ignored)
    };
    let tests = vec![
        trial(
            "the_reporter_path_works_in_a_real_browser",
            "reporter.test.mjs",
            4,
        ),
        // Three roles at two widths.
        trial(
            "the_staff_walks_work_in_a_real_browser",
            "roles.test.mjs",
            6,
        ),
    ];
    libtest_mimic::run(&args, tests).exit();
}

/// Installs Playwright (once; `npm ci` is not safe to run twice at the same time).
fn install() -> Result<(), Failed> {
    static INSTALL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _once = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    if !dir.join("node_modules/playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .map_err(|e| format!("running npm ci: {e}"))?;
        if !status.success() {
            return Err("npm ci failed in tests/e2e".into());
        }
    }
    Ok(())
}

/// Runs one file of tests/e2e with `node --test`; it must report `passes` passing tests.
fn browser_test(file: &str, passes: usize) -> Result<(), Failed> {
    install()?;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    let out = Command::new("node")
        .args(["--test", file])
        .current_dir(&dir)
        .env("TIPLINE_BIN", env!("CARGO_BIN_EXE_tipline"))
        .output()
        .map_err(|e| format!("running node --test: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "browser test failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    if !stdout.contains(&format!("# pass {passes}\n")) {
        return Err(format!("expected {passes} passing browser tests in {file}:\n{stdout}").into());
    }
    Ok(())
}
