//! Runs the browser test (tests/e2e: Playwright driving Debian's headless Chromium through
//! report → receipt → follow-up in Chinese at 390×844, with JavaScript on and off, and an axe-core
//! check) against the binary cargo just built. It needs `chromium`, `fonts-noto-cjk`, `node` and
//! `npm`; where they are missing it says so and stops, unless `TIPLINE_REQUIRE_BROWSER=1` (set by
//! `.ci/run`), which makes their absence a failure.

use std::path::Path;
use std::process::Command;

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {cmd}"))
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_reporter_path_works_in_a_real_browser() {
    let required = std::env::var("TIPLINE_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let missing: Vec<&str> = ["chromium", "node", "npm"]
        .into_iter()
        .filter(|c| !have(c))
        .collect();
    if !missing.is_empty() {
        assert!(!required, "the browser test needs {missing:?}");
        eprintln!(
            "browser test not run: {missing:?} missing (apt-get install chromium fonts-noto-cjk nodejs npm)"
        );
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    if !dir.join("node_modules/playwright-core").exists() {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .status()
            .expect("running npm ci");
        assert!(status.success(), "npm ci failed in tests/e2e");
    }
    let out = Command::new("node")
        .arg("--test")
        .current_dir(&dir)
        .env("TIPLINE_BIN", env!("CARGO_BIN_EXE_tipline"))
        .output()
        .expect("running node --test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("# pass 3"), "{stdout}");
}
