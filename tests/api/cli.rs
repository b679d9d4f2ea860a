//! The command line: exit codes, the password on standard input, demo data, bad config.

use crate::helpers::*;
use crate::on_both_backends;
use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    db: TestDb,
    data_dir: tempfile::TempDir,
}

impl Cli {
    fn new(backend: Backend) -> Cli {
        Cli {
            db: TestDb::new(backend),
            data_dir: tempfile::tempdir().unwrap(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = tipline(&self.db, self.data_dir.path());
        c.args(args);
        c
    }

    fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command refused by its arguments exits before reading its input: a broken pipe here
        // is that refusal, which the caller checks in the output.
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

on_both_backends! {
    fn accounts_are_created_and_listed(backend: Backend) {
        let cli = Cli::new(backend);
        let unit = |u| ["--department", u];
        for (username, role, more, password, why) in [
            ("fire.officer", "officer", [&unit("fire")[..], &["--display-name", "消防 张三"]].concat(), "a long enough password\n", "an officer of a department"),
            ("coord", "coordinator", vec![], "another long password\n", "the coordinator"),
            ("jt.officer", "officer", unit("jiangtou").to_vec(), "a street officer pw\n", "streets are units too"),
        ] {
            let args = [&["user", "add", "--username", username, "--role", role][..], &more].concat();
            let out = cli.run(&args, password);
            assert!(out.status.success(), "{why}: {}", text(&out.stderr));
        }

        let list = cli.run(&["user", "list"], "");
        assert!(list.status.success());
        let lines: Vec<String> = text(&list.stdout).lines().map(str::to_owned).collect();
        assert_eq!(
            lines,
            [
                "coord\tcoordinator\t-\tactive",
                "fire.officer\tofficer\tfire\tactive",
                "jt.officer\tofficer\tjiangtou\tactive"
            ]
        );
        assert!(!text(&list.stdout).contains("password"));

        // Bad input: exit 2 with one line on stderr.
        for (args, stdin, why) in [
            (
                vec!["user", "add", "--username", "x1x", "--role", "admin"],
                "a long enough password\n",
                "unknown role",
            ),
            (
                vec!["user", "add", "--username", "short", "--role", "inspector"],
                "short\n",
                "short password",
            ),
            (
                vec!["user", "add", "--username", "nodept", "--role", "officer"],
                "a long enough password\n",
                "officer without a unit",
            ),
            (
                vec![
                    "user",
                    "add",
                    "--username",
                    "baddept",
                    "--role",
                    "head",
                    "--department",
                    "nasa",
                ],
                "a long enough password\n",
                "unknown unit",
            ),
            (
                vec![
                    "user",
                    "add",
                    "--username",
                    "fin",
                    "--role",
                    "finance",
                    "--department",
                    "fire",
                ],
                "a long enough password\n",
                "finance with a unit",
            ),
            (
                vec!["user", "add", "--username", "coord", "--role", "inspector"],
                "a long enough password\n",
                "taken username",
            ),
            (
                vec!["user", "add", "--username", "nopw", "--role", "inspector"],
                "",
                "no password",
            ),
            (vec!["frobnicate"], "", "unknown command"),
        ] {
            let out = cli.run(&args, stdin);
            assert_eq!(out.status.code(), Some(2), "{why}: {}", text(&out.stderr));
            assert!(!text(&out.stderr).trim().is_empty(), "{why}");
        }
        let list = cli.run(&["user", "list"], "");
        assert_eq!(
            text(&list.stdout).lines().count(),
            3,
            "nothing was created by the failures"
        );
    }
}

on_both_backends! {
    fn demo_loads_into_an_empty_database_only(backend: Backend) {
        let cli = Cli::new(backend);
        let out = cli.run(&["demo"], "");
        assert!(out.status.success(), "{}", text(&out.stderr));
        let stdout = text(&out.stdout);
        assert!(stdout.contains("Loaded 32 demo tips"), "{stdout}");
        // Every step of the demo's cases (transfers, co-handlers, closures) kept the queue's
        // per-unit counts exact.
        assert_eq!(cli.db.queue_count_mismatches(), 0);
        assert_eq!(cli.db.unit_copy_mismatches(), 0);
        assert!(cli.db.scalar("SELECT COALESCE(MAX(n), 0) AS n FROM queue_counts WHERE unit = '*'") > 0);
        for user in [
            "coordinator",
            "fire.officer",
            "fire.head",
            "inspector",
            "finance1",
            "finance2",
        ] {
            assert!(stdout.contains(user), "{user} missing from {stdout}");
        }
        // The demo's figures make a report (the last twelve weeks hold all 32 tips).
        let report = cli.run(&["report", "--csv", "--lang", "en"], "");
        assert!(report.status.success(), "{}", text(&report.stderr));
        assert!(
            text(&report.stdout).contains("\"Received\",\"32\""),
            "{}",
            text(&report.stdout)
        );
        let again = cli.run(&["demo"], "");
        assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
        let list = cli.run(&["user", "list"], "");
        assert_eq!(text(&list.stdout).lines().count(), 8);
    }
}

#[test]
fn migrate_runs_and_is_idempotent() {
    let cli = Cli::new(Backend::Sqlite);
    for _ in 0..2 {
        let out = cli.run(&["migrate"], "");
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

/// An index a migration adds to a table SQLite has statistics for is analyzed when the
/// migrations run: without its own, the planner took it for a very selective one (an officer's
/// queue read along another index of the unit rows and sorted). A database never analyzed is
/// left so.
#[test]
fn migrating_analyzes_an_index_missing_from_the_statistics() {
    let cli = Cli::new(Backend::Sqlite);
    let out = cli.run(&["demo"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stat_tables = "SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'";
    assert_eq!(
        cli.db.scalar(stat_tables),
        0,
        "the demo leaves the database unanalyzed"
    );
    assert!(cli.run(&["migrate"], "").status.success());
    assert_eq!(cli.db.scalar(stat_tables), 0, "and migrating does too");
    cli.db.exec("ANALYZE");
    let street = "SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE idx = 'tip_units_street'";
    assert_eq!(cli.db.scalar(street), 1);
    // As after a migration that added the index to an analyzed database.
    cli.db
        .exec("DELETE FROM sqlite_stat1 WHERE idx = 'tip_units_street'");
    let out = cli.run(&["migrate"], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(cli.db.scalar(street), 1);
}

/// `tipline jobs` runs the server's background round once: the demo's limits ending soon are
/// warned of and its late hazards marked the first time, not again the second.
#[test]
fn jobs_run_once_from_the_command_line() {
    let cli = Cli::new(Backend::Sqlite);
    assert!(cli.run(&["demo"], "").status.success());
    let first = cli.run(&["jobs"], "");
    assert!(first.status.success(), "{}", text(&first.stderr));
    let first = text(&first.stdout);
    assert!(
        !first.contains("ran: 0 limits warned of") && !first.ends_with(" 0 hazards overdue\n"),
        "{first}"
    );
    let again = text(&cli.run(&["jobs"], "").stdout);
    assert!(
        again.starts_with("jobs ran: 0 limits warned of, 0 escalated,")
            && again.ends_with(" 0 hazards overdue\n"),
        "{again}"
    );
}

#[test]
fn an_unknown_configuration_key_stops_the_start_and_is_named() {
    let cli = Cli::new(Backend::Sqlite);
    let file = cli.data_dir.path().join("extra.toml");
    std::fs::write(&file, "bind = \"127.0.0.1:0\"\nratelimits = \"off\"\n").unwrap();
    let out = cli
        .command(&["migrate"])
        .env("TIPLINE_CONFIG", &file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("ratelimits"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    let out = cli
        .command(&["migrate"])
        .env("TIPLINE_BOGUS_SETTING", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("bogus_setting"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bad_reference_data_stops_the_start_with_the_file_and_reason() {
    let cli = Cli::new(Backend::Sqlite);
    let dir = cli.data_dir.path().join("config");
    std::fs::create_dir_all(&dir).unwrap();
    let sectors = std::fs::read_to_string(config_dir().join("sectors.toml")).unwrap();
    std::fs::write(
        dir.join("sectors.toml"),
        sectors.replacen("lead = \"emergency\"", "lead = \"ministry_of_magic\"", 1),
    )
    .unwrap();
    let out = cli
        .command(&["demo"])
        .env("TIPLINE_CONFIG_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains("sectors.toml") && err.contains("ministry_of_magic"),
        "{err}"
    );

    std::fs::write(
        dir.join("sectors.toml"),
        "[[sector]]\ncode = \"x\"\nname = 1\n",
    )
    .unwrap();
    let out = cli
        .command(&["demo"])
        .env("TIPLINE_CONFIG_DIR", &dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("line"), "{}", text(&out.stderr));
}

#[test]
fn the_binary_runs_from_any_directory_with_its_built_in_configuration() {
    let cli = Cli::new(Backend::Sqlite);
    let empty = tempfile::tempdir().unwrap();
    let out = cli
        .command(&["demo"])
        .env("TIPLINE_CONFIG_DIR", empty.path().join("nothing-here"))
        .current_dir(empty.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

on_both_backends! {
    fn audit_verify_detects_tampering(backend: Backend) {
        let cli = Cli::new(backend);
        assert!(cli.run(&["demo"], "").status.success());
        let ok = cli.run(&["audit", "verify"], "");
        assert!(ok.status.success(), "{}", text(&ok.stderr));
        assert!(text(&ok.stdout).contains("the chain verifies"));
        let sql =
            "UPDATE audit_log SET detail = 'forged' WHERE seq = (SELECT MIN(seq) + 3 FROM audit_log)";
        // Someone with the database in hand gets past the append-only trigger first.
        let drop_triggers = match backend {
            Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
            Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
        };
        match backend {
            Backend::Sqlite => {
                use diesel::{Connection, RunQueryDsl};
                let path = cli.db.sqlite_path.clone().unwrap();
                let mut c = diesel::SqliteConnection::establish(&path.to_string_lossy()).unwrap();
                diesel::sql_query(drop_triggers).execute(&mut c).unwrap();
                diesel::sql_query(sql).execute(&mut c).unwrap();
            }
            Backend::Postgres => {
                use diesel::{Connection, RunQueryDsl};
                let mut c = diesel::PgConnection::establish(&cli.db.url).unwrap();
                diesel::sql_query(drop_triggers).execute(&mut c).unwrap();
                diesel::sql_query(sql).execute(&mut c).unwrap();
            }
        }
        let bad = cli.run(&["audit", "verify"], "");
        assert_eq!(bad.status.code(), Some(1));
        assert!(
            text(&bad.stderr).contains("does not verify"),
            "{}",
            text(&bad.stderr)
        );
    }
}
