//! An installation that began before version 2 of the secrets (HMAC and HKDF instead of SHA-256
//! over key‖message) keeps working after the upgrade: its audit chain still verifies and goes on
//! under HMAC, and the keyed hashes it stored still match new ones. A new installation uses the
//! new constructions throughout.

use crate::helpers::*;
use crate::on_both_backends;
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, SqliteConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use tipline::db::audit::NewEntry;
use tipline::secrets::KeyedHasher;
use tipline::services::{Services, audit};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The first migration of version 2; the schema before it is what version 1 left.
const FIRST_OF_VERSION_2: &str = "audit_hash_version";

/// Written by version 1 (SHA-256 over key‖content) with identity key 01…01: the first entry of
/// a chain (see the known answer in `services::audit`'s tests).
const OLD_ENTRY: &str = "INSERT INTO audit_log (at, actor, action, case_number, prev_hash, hash) \
     VALUES ('2026-11-28 12:00:01', 'alice', 'accept', 'HL-2026-000001', \
     '0000000000000000000000000000000000000000000000000000000000000000', \
     'cd0e022d4eaabbe2d97d52aaa6776e56b8330e3b71b8d00f7a2252c1116e74d3')";
/// A staff phone as version 1 stored it: its keyed hash (`payee-phone`, 13812345678) under
/// identity key 01…01.
const OLD_PHONE_KEY: &str = "0d5f070ea87b01ffa9fbf7205fbae79b7d4cdc18b6258573c7c0f534e574f744";

fn migrate_to_version_1<C: MigrationHarness<B>, B: diesel::backend::Backend>(
    conn: &mut C,
    source: EmbeddedMigrations,
) {
    for m in conn.pending_migrations(source).unwrap() {
        if m.name().to_string().contains(FIRST_OF_VERSION_2) {
            break;
        }
        conn.run_migration(&m).unwrap();
    }
}

/// A database as version 1 left it, with one audit entry and one staff phone hash.
fn version_1_database(backend: Backend) -> TestDb {
    let db = TestDb::new(backend);
    let old_staff = format!(
        "INSERT INTO staff_users (username, display_name, role, password_hash, active, created_at, phone_key) \
         VALUES ('old.finance', 'Old', 'finance', 'x', TRUE, '2026-11-28 12:00:00', '{OLD_PHONE_KEY}')"
    );
    match backend {
        Backend::Sqlite => {
            let path = db.sqlite_path.clone().unwrap();
            let mut c = SqliteConnection::establish(&path.display().to_string()).unwrap();
            migrate_to_version_1(&mut c, SQLITE);
            c.batch_execute(&format!("{OLD_ENTRY}; {old_staff};"))
                .unwrap();
        }
        Backend::Postgres => {
            let mut c = PgConnection::establish(&db.url).unwrap();
            migrate_to_version_1(&mut c, POSTGRES);
            c.batch_execute(&format!("{OLD_ENTRY}; {old_staff};"))
                .unwrap();
        }
    }
    db
}

fn start(db: &TestDb, data_dir: &std::path::Path) -> Services {
    start_in(db, data_dir, "standard").expect("the installation starts")
}

/// Starts with the fixed keys and this `crypto_suite`; `Err` carries the start-up error.
fn start_in(db: &TestDb, data_dir: &std::path::Path, suite: &str) -> Result<Services, String> {
    let settings = settings(db, data_dir, |f| {
        f.merge(("identity_key", "01".repeat(32)))
            .merge(("receipt_key", "02".repeat(32)))
            .merge(("session_key", "03".repeat(64)))
            .merge(("crypto_suite", suite))
    });
    tipline::startup::services(
        &settings,
        &config_dir(),
        tipline::services::clock::Clock::System,
    )
    .map_err(|e| format!("{e:#}"))
}

fn append(services: &Services, actor: &str) {
    services
        .db
        .write(|c| -> anyhow::Result<()> {
            audit::append(
                services,
                c,
                &NewEntry {
                    actor,
                    action: "accept",
                    case_number: Some("HL-2026-000001"),
                    ..NewEntry::default()
                },
            )?;
            Ok(())
        })
        .unwrap();
}

fn versions(services: &Services) -> Vec<i32> {
    let mut conn = services.db.read().unwrap();
    tipline::db::audit::all(&mut conn)
        .unwrap()
        .iter()
        .map(|r| r.hash_version)
        .collect()
}

on_both_backends! {
    /// An installation of version 1 keeps its audit chain and its keyed hashes when upgraded.
    fn an_upgraded_installation_keeps_its_chain_and_its_keyed_hashes(backend: Backend) {
        let db = version_1_database(backend);
        let data_dir = tempfile::tempdir().unwrap();
        // It sealed and hashed with the standard suite before the suite was recorded: the
        // migration records `standard`, and an instance configured `sm` refuses to start.
        let err = start_in(&db, data_dir.path(), "sm").err().expect("sm must not start on it");
        assert!(err.contains("created with crypto_suite = \"standard\""), "{err}");
        assert_eq!(db.scalar("SELECT COUNT(*) AS n FROM installation WHERE name = 'crypto_suite' AND value = 'standard'"), 1);
        let services = start(&db, data_dir.path());

        let report = services.verify_audit().unwrap();
        assert_eq!((report.entries, report.broken_at), (1, None));
        assert!(matches!(services.keyed, KeyedHasher::V1(_)));
        assert_eq!(
            services.keyed_hash("payee-phone", "13812345678"),
            OLD_PHONE_KEY
        );

        append(&services, "bob");
        append(&services, "carol");
        assert_eq!(versions(&services), [audit::V1, audit::V2, audit::V2]);
        let report = services.verify_audit().unwrap();
        assert_eq!((report.entries, report.broken_at), (3, None));

        // Started again, it keeps the scheme it chose (the choice is stored, not guessed anew).
        drop(services);
        let again = start(&db, data_dir.path());
        assert!(matches!(again.keyed, KeyedHasher::V1(_)));
        assert_eq!(again.verify_audit().unwrap().broken_at, None);
    }
}

on_both_backends! {
    /// A new installation writes HMAC audit entries and HMAC keyed hashes.
    fn a_new_installation_uses_hmac_throughout(app) {
        assert!(matches!(app.services.keyed, KeyedHasher::V2(_)));
        app.staff("insp", "inspector", None);
        let v = versions(&app.services);
        assert!(!v.is_empty() && v.iter().all(|&v| v == audit::V2), "{v:?}");
        assert_eq!(app.services.verify_audit().unwrap().broken_at, None);
    }
}
