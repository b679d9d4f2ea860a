//! Tells the tests whether a PostgreSQL database was given (`TIPLINE_TEST_DATABASE_URL`): with
//! one, `cfg(tipline_pg)` is set and every PostgreSQL test runs; without, they are marked
//! `#[ignore]` and counted as ignored, never as passed. Changing the variable rebuilds.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tipline_pg)");
    println!("cargo::rerun-if-env-changed=TIPLINE_TEST_DATABASE_URL");
    if std::env::var_os("TIPLINE_TEST_DATABASE_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=tipline_pg");
    }
}
