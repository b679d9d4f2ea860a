//! The database: one connection type over SQLite and PostgreSQL (`DbConn`, a diesel
//! `MultiConnection`), pools, embedded migrations, and one file per table family with its rows
//! and queries. Backend differences live here and nowhere else.
//!
//! SQLite runs in WAL mode with foreign keys on and `synchronous` from the settings, and has one
//! writer connection: every write goes through [`Db::write`], which takes that connection and
//! opens `BEGIN IMMEDIATE`, so concurrent submissions queue in the pool instead of failing with
//! SQLITE_BUSY. PostgreSQL shares one pool for reads and writes.

pub mod audit;
pub mod blacklist;
pub mod cases;
pub mod challenges;
pub mod drafts;
pub mod enterprises;
pub mod evaluation;
pub mod explanations;
pub mod exposures;
pub mod hazards;
pub mod inspections;
pub mod listings;
pub mod outbox;
pub mod reports;
pub mod retention;
pub mod rewards;
pub mod schema;
pub mod staff;
pub mod submissions;
pub mod supervision;
pub mod tips;

use crate::config::Settings;
use crate::secrets::KeyedHashScheme;
use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::dsl;
use diesel::prelude::*;
use diesel::query_builder::{AsChangeset, AsQuery, IntoUpdateTarget, Query, QueryId};
use diesel::query_dsl::LoadQuery;
use diesel::query_dsl::methods::{self as q, ExecuteDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::path::PathBuf;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which backend a URL names, with what the backend needs to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres(String),
}

impl Target {
    pub fn parse(url: &str) -> anyhow::Result<Target> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                bail!("database_url `sqlite://` needs a path");
            }
            Ok(Target::Sqlite(PathBuf::from(path)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            cleartext_is_accepted(url)?;
            Ok(Target::Postgres(url.to_owned()))
        } else {
            bail!("database_url must start with sqlite:// or postgres://")
        }
    }
}

/// This build reaches PostgreSQL without TLS (libpq is built without OpenSSL). Case texts,
/// messages with reporters and session hashes must not cross a network in clear by accident, so
/// a database that is not on this host (loopback or a Unix socket) is refused unless the URL
/// says `sslmode=disable`: the operator's statement that the network between is private or
/// already encrypted (a tunnel, a VPN).
fn cleartext_is_accepted(url: &str) -> anyhow::Result<()> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let authority = before_query.split('/').next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let mut host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default().to_owned(),
        None => host_port.split(':').next().unwrap_or_default().to_owned(),
    };
    let params: Vec<(&str, &str)> = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .collect();
    if let Some((_, h)) = params.iter().find(|(k, _)| *k == "host") {
        host = (*h).to_owned();
    }
    let local = host.is_empty()
        || host == "localhost"
        || host == "::1"
        || host.starts_with("127.")
        || host.starts_with('/')
        || host.to_ascii_lowercase().starts_with("%2f");
    let disabled = params
        .iter()
        .any(|(k, v)| *k == "sslmode" && *v == "disable");
    if local || disabled {
        return Ok(());
    }
    bail!(
        "database_url names PostgreSQL at `{host}`, and this build reaches PostgreSQL without TLS: \
         run the database on this host, reach it through an encrypted tunnel on 127.0.0.1, or add \
         `sslmode=disable` to the URL to accept an unencrypted connection on a private network"
    )
}

/// Opens connections for r2d2, choosing the backend from the URL (the derived `establish` would
/// try each backend in turn and hide the real error) and setting SQLite's pragmas.
#[derive(Debug, Clone)]
pub struct Manager {
    target: Target,
    synchronous: &'static str,
    busy_timeout_ms: u32,
    /// PostgreSQL: the connections keep one generic plan per prepared statement
    /// (`plan_cache_mode = force_generic_plan`; the pool of [`Db::read_by_key`]).
    generic_plans: bool,
}

/// A pooled connection, with when it last went back to the pool whole.
pub struct Checked {
    conn: DbConn,
    returned: Option<std::time::Instant>,
}

impl std::ops::Deref for Checked {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        &self.conn
    }
}

impl std::ops::DerefMut for Checked {
    fn deref_mut(&mut self) -> &mut DbConn {
        &mut self.conn
    }
}

/// How long after a connection went back to the pool whole it is handed out again without a
/// `SELECT 1` first (HikariCP's `aliveBypassWindowMs`, 500 ms by default, for the same reason).
/// Asking before every use was two of the ten statements of a case page on PostgreSQL (the
/// session's read and the page's each take a connection); a connection busy a moment ago is as
/// alive as the answer to a `SELECT 1` would have said, and one cut in between fails its query as
/// it would have failed after the question.
const ALIVE_WITHOUT_ASKING: Duration = Duration::from_millis(500);

impl r2d2::ManageConnection for Manager {
    type Connection = Checked;
    type Error = diesel::r2d2::Error;

    fn connect(&self) -> Result<Checked, Self::Error> {
        Ok(Checked {
            conn: self.open()?,
            returned: None,
        })
    }

    fn is_valid(&self, conn: &mut Checked) -> Result<(), Self::Error> {
        if conn
            .returned
            .is_some_and(|at| at.elapsed() < ALIVE_WITHOUT_ASKING)
        {
            return Ok(());
        }
        conn.batch_execute("SELECT 1")
            .map_err(diesel::r2d2::Error::QueryError)
    }

    /// A connection whose transaction could not be ended (a panic inside it, a failed rollback)
    /// must not go back to the pool: on SQLite it would keep the write lock, on PostgreSQL the
    /// next "transaction" would become a savepoint inside the stuck one. (r2d2 asks on every
    /// return: a whole one is marked as just returned.)
    fn has_broken(&self, conn: &mut Checked) -> bool {
        let broken = std::thread::panicking()
            || natively!(&mut conn.conn, |c| {
                AnsiTransactionManager::is_broken_transaction_manager(c)
            });
        if !broken {
            conn.returned = Some(std::time::Instant::now());
        }
        broken
    }
}

impl Manager {
    fn open(&self) -> Result<DbConn, diesel::r2d2::Error> {
        match &self.target {
            Target::Postgres(url) => {
                let mut c = diesel::PgConnection::establish(url)
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                // Every query here reads an index for one page or one period; parallel workers
                // only add their start (a case page's duplicate candidates: 35–64 ms with two
                // workers, 2–8 ms without, at a million tips), and the pool's connections
                // already keep the cores busy.
                c.batch_execute("SET max_parallel_workers_per_gather = 0")
                    .map_err(diesel::r2d2::Error::QueryError)?;
                if self.generic_plans {
                    c.batch_execute("SET plan_cache_mode = force_generic_plan")
                        .map_err(diesel::r2d2::Error::QueryError)?;
                }
                Ok(DbConn::Pg(c))
            }
            Target::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(diesel::r2d2::Error::ConnectionError)?;
                c.batch_execute(&format!(
                    "PRAGMA auto_vacuum = INCREMENTAL; PRAGMA busy_timeout = {}; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = {}; PRAGMA foreign_keys = ON; \
                     PRAGMA secure_delete = ON;",
                    self.busy_timeout_ms, self.synchronous
                ))
                .map_err(diesel::r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(c))
            }
        }
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// The pools: `read` for queries, `write` for changes (the same pool on PostgreSQL; a pool of
/// exactly one connection on SQLite), `by_key` for reads planned once (PostgreSQL).
#[derive(Clone)]
pub struct Db {
    read: Pool,
    write: Pool,
    /// [`Db::read_by_key`]'s: on PostgreSQL a pool of its own, else `read`.
    by_key: Pool,
    backend: Backend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A query that takes this many milliseconds is logged (its SQL, never its values: they may
/// hold what a reporter wrote); `slow_query_ms` in the settings, one value per process.
static SLOW_QUERY_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(100);

/// Each connection's watch on its own queries: a slow one goes to the log at `warn` with its
/// SQL and how long it took, the first sign of a missing index as the tables grow.
fn slow_query_log() -> Option<Box<dyn diesel::connection::Instrumentation>> {
    use diesel::connection::InstrumentationEvent;
    let mut started: Option<std::time::Instant> = None;
    Some(Box::new(
        move |event: InstrumentationEvent<'_>| match event {
            InstrumentationEvent::StartQuery { .. } => started = Some(std::time::Instant::now()),
            InstrumentationEvent::FinishQuery { query, .. } => {
                let took = started.take().map(|t| t.elapsed()).unwrap_or_default();
                let slow = SLOW_QUERY_MS.load(std::sync::atomic::Ordering::Relaxed);
                if took.as_millis() >= u128::from(slow) {
                    let text = query.to_string();
                    let sql = text.split(" -- binds:").next().unwrap_or_default();
                    let sql: String = sql.chars().take(400).collect();
                    tracing::warn!(ms = took.as_millis() as u64, sql, "slow query");
                }
            }
            _ => {}
        },
    ))
}

/// Sets SQLite up for this process before any connection opens (`main` calls it first): no
/// global tally of SQLite's memory (each of its allocations otherwise takes a lock shared by
/// every connection), and no lock around each connection's calls (a pooled connection is used by
/// one thread at a time: diesel's connection is not `Sync`). Both cut what a query costs when
/// many requests read at once. Called later (SQLite already started), it changes nothing.
pub fn configure_sqlite() {
    use libsqlite3_sys as ffi;
    // SAFETY: sqlite3_config may be called before SQLite is initialised; after, it answers
    // SQLITE_MISUSE and changes nothing. MULTITHREAD takes no argument, MEMSTATUS one int.
    unsafe {
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MULTITHREAD);
        ffi::sqlite3_config(ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
    }
}

/// Every SQLite connection of this process plans a statement once, not again for each new set
/// of values (`SQLITE_DBCONFIG_ENABLE_QPSG`). Without it, a statement whose plan might depend on
/// a bound value (any `LIMIT ?`, which diesel always binds, and so every `.first()`) is marked
/// expired at each bind and prepared again at its next step: the statement cache kept the
/// statement but not the work, and a case page spent a fifth of its time in SQLite's parser.
/// What the guarantee gives up (a plan tailored to a bound `LIMIT` or a bound `LIKE` prefix,
/// or STAT4 samples, which this schema does not collect) no query here relies on.
fn plan_sqlite_statements_once() {
    use libsqlite3_sys as ffi;
    use std::ffi::{c_char, c_int};
    unsafe extern "C" fn on_open(
        db: *mut ffi::sqlite3,
        _: *mut *mut c_char,
        _: *const ffi::sqlite3_api_routines,
    ) -> c_int {
        // SAFETY: `db` is the connection SQLite is opening; the option takes an int and an
        // out-pointer that may be null.
        unsafe {
            ffi::sqlite3_db_config(
                db,
                ffi::SQLITE_DBCONFIG_ENABLE_QPSG,
                1 as c_int,
                std::ptr::null_mut::<c_int>(),
            );
        }
        ffi::SQLITE_OK
    }
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: registers a function SQLite calls with each connection it opens; the
        // function lives as long as the process.
        let rc = unsafe { ffi::sqlite3_auto_extension(Some(on_open)) };
        if rc != ffi::SQLITE_OK {
            tracing::warn!(rc, "SQLite did not take the per-connection settings");
        }
    });
}

impl Db {
    pub fn connect(settings: &Settings) -> anyhow::Result<Db> {
        // Every connection established from here on watches its queries' time.
        SLOW_QUERY_MS.store(settings.slow_query_ms, std::sync::atomic::Ordering::Relaxed);
        diesel::connection::set_default_instrumentation(slow_query_log)?;
        let target = Target::parse(&settings.database_url)?;
        let backend = match target {
            Target::Sqlite(ref path) => {
                plan_sqlite_statements_once();
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .with_context(|| format!("creating {}", parent.display()))?;
                }
                Backend::Sqlite
            }
            Target::Postgres(_) => Backend::Postgres,
        };
        let manager = Manager {
            target,
            synchronous: if settings.database.sqlite_synchronous == "normal" {
                "NORMAL"
            } else {
                "FULL"
            },
            busy_timeout_ms: settings.database.busy_timeout_ms,
            generic_plans: false,
        };
        let timeout = Duration::from_millis(settings.database.connection_timeout_ms);
        let build = |size: u32, manager: Manager| {
            r2d2::Pool::builder()
                .max_size(size)
                // No background top-up: a connect still in flight when a CLI command exits
                // can crash in libpq's TLS clean-up.
                .min_idle(Some(0))
                // A SQLite connection is a file handle that cannot drop: no `SELECT 1` before
                // each use. A PostgreSQL one may have been cut (a restart), so it is asked.
                .test_on_check_out(backend == Backend::Postgres)
                .connection_timeout(timeout)
                .build(manager)
                .context("connecting to the database")
        };
        let size = settings.database.pool_size;
        let read = build(size, manager.clone())?;
        let (write, by_key) = match backend {
            Backend::Sqlite => (build(1, manager)?, read.clone()),
            Backend::Postgres => {
                let generic = Manager {
                    generic_plans: true,
                    ..manager
                };
                (read.clone(), build(size, generic)?)
            }
        };
        Ok(Db {
            read,
            write,
            by_key,
            backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for reading.
    pub fn read(&self) -> anyhow::Result<PooledConn> {
        reading(&self.read)
    }

    /// A connection for reads whose plan does not depend on their values: a session by its
    /// token; a case page's reads of one case, and its duplicate candidates along their index
    /// from the case's own place and time. On PostgreSQL it comes from a pool of its own whose
    /// connections keep one generic plan per prepared statement: PostgreSQL otherwise planned
    /// a case page's duplicate candidates for their values on every run (0.5–0.6 ms of
    /// planning against 0.3 ms of reading at a million tips; the generic plan, the same one,
    /// never looked cheaper to it). Not for reads of a range given by the caller (a period, a
    /// deadline): a generic plan guesses a third of the table for `closed_at < $1`, and the
    /// retention job's read took 111 ms along it instead of 2. On SQLite, a reading connection.
    /// The database turns (`Services::blocking`) still bound how many work at once, so the
    /// instance holds up to twice `pool_size` PostgreSQL connections, half of them idle.
    pub fn read_by_key(&self) -> anyhow::Result<PooledConn> {
        reading(&self.by_key)
    }

    /// Runs `f` in one write transaction: on SQLite on the single writer with `BEGIN IMMEDIATE`
    /// (the lock is taken up front, so the transaction never fails half-way on a busy database).
    /// Commits when `f` returns `Ok`, rolls back otherwise.
    pub fn write<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error> + From<anyhow::Error>,
    {
        let mut conn = timed(&crate::metrics::METRICS.pool_wait_write, || {
            self.write.get()
        })
        .context("waiting for the database writer")?;
        immediate_transaction(&mut conn, f)
    }

    /// Runs the pending migrations of the connection's backend.
    pub fn migrate(&self) -> anyhow::Result<()> {
        let mut conn = self.write.get().context("connecting to migrate")?;
        run_migrations(&mut conn)
    }
}

/// A connection for reading from `pool` (counted as a read's wait).
fn reading(pool: &Pool) -> anyhow::Result<PooledConn> {
    timed(&crate::metrics::METRICS.pool_wait_read, || pool.get())
        .context("waiting for a database connection")
}

/// Takes a pooled connection, counting the wait (and a timeout) for `/metrics`.
fn timed(
    wait: &crate::metrics::Histogram,
    get: impl FnOnce() -> Result<PooledConn, r2d2::Error>,
) -> Result<PooledConn, r2d2::Error> {
    let started = std::time::Instant::now();
    let got = get();
    wait.observe(started.elapsed());
    if got.is_err() {
        crate::metrics::METRICS
            .pool_timeouts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    got
}

/// `BEGIN IMMEDIATE` on SQLite, a plain `BEGIN` on PostgreSQL, through the inner connections'
/// own transaction managers (the derived multi-connection manager dispatches to them, so commit
/// and rollback stay consistent).
pub fn immediate_transaction<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConn as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // A failed rollback leaves the connection marked broken (see `has_broken`); the
            // caller learns of the original error, which is what went wrong.
            if let Err(rb) = <DbConn as Connection>::TransactionManager::rollback_transaction(conn)
            {
                tracing::error!(error = %rb, "rolling back failed");
            }
            Err(e)
        }
    }
}

pub fn run_migrations(conn: &mut DbConn) -> anyhow::Result<()> {
    let applied = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map(|v| v.len()),
    }
    .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?;
    if applied > 0 {
        tracing::info!(applied, "database migrations applied");
    }
    analyze_new_indexes(conn)?;
    incremental_vacuum_on(conn)
}

/// SQLite: where a table has statistics (someone ran `ANALYZE`, as `bench/seed.py` does) and a
/// migration added an index to it, that index is analyzed too. SQLite's planner takes an index
/// without statistics beside ones with them for a very selective one: after the unit rows'
/// place indexes came, an officer's queue was read along `tip_units_enterprise` and sorted
/// (seconds at a million tips) instead of along `tip_units_queue`. A database never analyzed
/// stays so (the planner's own estimates then hold for every index alike).
fn analyze_new_indexes(conn: &mut DbConn) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }
    let DbConn::Sqlite(c) = conn else {
        return Ok(());
    };
    let analyzed: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1')",
    ))
    .get_result(c)?;
    if analyzed == 0 {
        return Ok(());
    }
    let missing: Vec<Index> = diesel::sql_query(
        "SELECT name FROM sqlite_master WHERE type = 'index' \
           AND tbl_name IN (SELECT tbl FROM sqlite_stat1) \
           AND name NOT IN (SELECT idx FROM sqlite_stat1 WHERE idx IS NOT NULL) ORDER BY name",
    )
    .load(c)?;
    for Index { name } in missing {
        tracing::info!(index = %name, "analyzing a new index");
        diesel::sql_query(format!("ANALYZE \"{}\"", name.replace('"', "\"\""))).execute(c)?;
    }
    Ok(())
}

/// SQLite: a database made before retention (auto_vacuum NONE; a new one is made INCREMENTAL
/// by the connection's pragma) is switched to incremental vacuum once, by a full VACUUM, so the
/// space of erased content can be given back.
fn incremental_vacuum_on(conn: &mut DbConn) -> anyhow::Result<()> {
    #[derive(QueryableByName)]
    struct Mode {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        auto_vacuum: i32,
    }
    let DbConn::Sqlite(c) = conn else {
        return Ok(());
    };
    let mode: Mode = diesel::sql_query("PRAGMA auto_vacuum")
        .get_result(c)
        .context("reading SQLite's auto_vacuum")?;
    if mode.auto_vacuum != 2 {
        tracing::info!("switching the SQLite database to incremental vacuum (once)");
        c.batch_execute("PRAGMA auto_vacuum = INCREMENTAL; VACUUM;")
            .context("switching SQLite to incremental vacuum")?;
    }
    Ok(())
}

/// Gives erased content's space back and leaves none of it in the files: SQLite's free pages
/// are released (incremental vacuum; `secure_delete` already zeroed what was deleted) and the
/// write-ahead log is checkpointed and truncated; PostgreSQL's tables are vacuumed, so the dead
/// row versions are removed. Run outside any transaction.
pub fn reclaim_space(conn: &mut DbConn, pg_tables: &[&str]) -> anyhow::Result<()> {
    match conn {
        DbConn::Sqlite(c) => c
            .batch_execute("PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE);")
            .context("SQLite incremental vacuum"),
        DbConn::Pg(c) => {
            for table in pg_tables {
                c.batch_execute(&format!("VACUUM {table}"))
                    .with_context(|| format!("VACUUM {table}"))?;
            }
            Ok(())
        }
    }
}

/// An instant as stored: UTC, truncated to microseconds (PostgreSQL's precision), so a value
/// reads back equal on both backends. The instant comes from the caller (the services' clock).
pub fn timestamp(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc().trunc_subsecs(6)
}

pub fn to_utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// Inserts a row into a table whose key is an id the database gives, and answers that id.
pub fn insert_row<'q, T, V>(conn: &mut DbConn, table: T, row: V) -> QueryResult<i64>
where
    T: Table,
    V: Insertable<T>,
    dsl::Returning<dsl::Values<dsl::insert_into<T>, V>, T::PrimaryKey>:
        Query + LoadQuery<'q, DbConn, i64>,
{
    let key = table.primary_key();
    diesel::insert_into(table)
        .values(row)
        .returning(key)
        .get_result(conn)
}

/// Writes every column of a row (`AsChangeset`) over the stored one: `target` is
/// `t::table.find(id)`.
pub fn update_row<T, V>(conn: &mut DbConn, target: T, row: V) -> QueryResult<()>
where
    T: IntoUpdateTarget,
    V: AsChangeset<Target = T::Table>,
    dsl::Update<T, V>: AsQuery + ExecuteDsl<DbConn>,
{
    diesel::update(target).set(row).execute(conn)?;
    Ok(())
}

/// The row a query finds, if any (`t::table.find(id)`, `t::table.filter(…)`), selected as `R`.
pub fn first_row<'q, R, Q, S>(conn: &mut DbConn, query: Q) -> QueryResult<Option<R>>
where
    R: Selectable<MultiBackend>,
    R::SelectExpression: QueryId,
    Q: q::SelectDsl<dsl::AsSelect<R, MultiBackend>, Output = S>,
    S: q::LimitDsl,
    dsl::Limit<S>: LoadQuery<'q, DbConn, R> + RunQueryDsl<DbConn>,
{
    q::LimitDsl::limit(q::SelectDsl::select(query, R::as_select()), 1)
        .get_result(conn)
        .optional()
}

/// Runs the same code on the backend's own connection: `natively!(conn, |c| query.first(c))`,
/// the body compiled once for each backend (for what the multi-connection cannot do, such as
/// upserts, and for hot reads). Through the derived multi-connection, diesel writes a
/// query's whole SQL text on every pass over it (whether the statement may be cached, then its
/// binds: twice an execution, cached or not); for the reads every staff page makes (the session,
/// a case page's first read) that writing was a tenth of a case page's time. The native
/// connection finds a statement whose type it has seen without writing any SQL.
macro_rules! natively {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite($c) => $body,
            $crate::db::DbConn::Pg($c) => $body,
        }
    };
}
pub(crate) use natively;

/// Runs an insert statement with `ON CONFLICT DO NOTHING` and answers whether it inserted its
/// row (`false`: a row with the same key was there). Upserts do not compile through the
/// multi-connection, so the same statement runs on the inner connection of either backend.
macro_rules! insert_new {
    ($conn:expr, $insert:expr) => {{
        let insert = $insert;
        let inserted =
            $crate::db::natively!($conn, |c| insert.on_conflict_do_nothing().execute(c))?;
        inserted == 1
    }};
}
pub(crate) use insert_new;

/// Checks the installation's cryptographic suite and key fingerprints against the ones stored
/// at first start (and stores them then, in one transaction), so a start with the other suite
/// or another key stops instead of sealing identities that the rest of the data cannot be read
/// with. A database started before the suite was recorded was given `standard` by its
/// migration.
pub fn check_keys(
    db: &Db,
    suite: crate::secrets::CryptoSuite,
    fingerprints: &[(&'static str, String)],
) -> anyhow::Result<()> {
    db.write(|conn| -> anyhow::Result<()> {
        let suite_name = suite.to_string();
        if let Some(s) = differing(conn, "crypto_suite", &suite_name)? {
            bail!(
                "this database was created with crypto_suite = \"{s}\" and the settings say \
                 crypto_suite = \"{suite}\"; the suite of a database cannot change: set \
                 crypto_suite = \"{s}\" (see README, Configuration)"
            );
        }
        for (name, fp) in fingerprints {
            if differing(conn, &format!("fingerprint:{name}"), fp)?.is_some() {
                bail!(
                    "{name} differs from the one this database was created with; \
                     give every instance the same key (see README, Configuration)"
                );
            }
        }
        Ok(())
    })
}

/// The value `installation` holds under `name` when it differs from `value`; when it holds
/// none, `value` is stored (the first start) and nothing differs.
fn differing(conn: &mut DbConn, name: &str, value: &str) -> QueryResult<Option<String>> {
    use schema::installation::dsl as i;
    let stored: Option<String> = i::installation
        .filter(i::name.eq(name))
        .select(i::value)
        .first(conn)
        .optional()?;
    match stored {
        None => {
            diesel::insert_into(i::installation)
                .values((i::name.eq(name), i::value.eq(value)))
                .execute(conn)?;
            Ok(None)
        }
        Some(s) => Ok((s != value).then_some(s)),
    }
}

/// Which keyed hash this database's phone and payee hashes are made with (see `secrets`),
/// decided at the first start that asks and kept in `installation`. A database that already
/// holds hashes keeps version 1, since a stored hash only matches one made the same way (and
/// the values behind them are sealed); one that holds none takes version 2 (HMAC).
pub fn keyed_hash_scheme(db: &Db) -> anyhow::Result<KeyedHashScheme> {
    use schema::installation::dsl as i;
    use schema::{rewards as r, staff_users as s, tips as t};
    const NAME: &str = "keyed_hash_scheme";
    db.write(|conn| -> anyhow::Result<KeyedHashScheme> {
        let stored: Option<String> = i::installation
            .filter(i::name.eq(NAME))
            .select(i::value)
            .first(conn)
            .optional()?;
        if let Some(v) = stored {
            return v
                .parse()
                .ok()
                .and_then(KeyedHashScheme::from_number)
                .with_context(|| {
                    format!("the database's {NAME} `{v}` is unknown to this version")
                });
        }
        let tips: i64 = t::table
            .filter(t::reporter_key.is_not_null())
            .count()
            .get_result(conn)?;
        let staff: i64 = s::table
            .filter(s::phone_key.is_not_null())
            .count()
            .get_result(conn)?;
        let rewards: i64 = r::table
            .filter(
                r::payee_account_key
                    .is_not_null()
                    .or(r::payee_phone_key.is_not_null())
                    .or(r::reporter_key.is_not_null()),
            )
            .count()
            .get_result(conn)?;
        let scheme = if tips + staff + rewards > 0 {
            KeyedHashScheme::V1
        } else {
            KeyedHashScheme::V2
        };
        diesel::insert_into(i::installation)
            .values((i::name.eq(NAME), i::value.eq(scheme.number().to_string())))
            .execute(conn)?;
        Ok(scheme)
    })
}

/// A UTC instant as stored (microsecond precision).
pub fn to_naive(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc().trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgresql_off_this_host_needs_an_explicit_cleartext_statement() {
        for local in [
            "postgres://postgres@127.0.0.1:5432/test",
            "postgres://u:p@localhost/db",
            "postgresql:///db?host=/var/run/postgresql",
            "postgres://u@[::1]:5432/db",
        ] {
            assert!(Target::parse(local).is_ok(), "{local}");
        }
        let err = Target::parse("postgres://tipline@db.internal:5432/tipline")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("db.internal") && err.contains("sslmode=disable"),
            "{err}"
        );
        assert!(Target::parse("postgres://u@10.0.0.5/db?sslmode=require").is_err());
        assert!(Target::parse("postgres://u@db.internal/db?sslmode=disable").is_ok());
        assert!(Target::parse("postgres://u@127.0.0.1/db?host=db.internal").is_err());
    }
}

/// `column IN (ids)` as a statement both backends keep prepared: one bound text whatever the
/// number of ids (an array literal cast on PostgreSQL, a JSON array read with `json_each` on
/// SQLite). Diesel's `eq_any` binds one parameter an id on SQLite, so the statement's text
/// changes with the count and is parsed and planned again at every use.
#[derive(Debug, Clone, diesel::query_builder::QueryId)]
pub struct AnyId<C> {
    column: C,
    json: String,
    pg: String,
}

pub fn any_id<C>(column: C, ids: &[i64]) -> AnyId<C> {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    AnyId {
        column,
        json: format!("[{list}]"),
        pg: format!("{{{list}}}"),
    }
}

impl<C> Expression for AnyId<C> {
    type SqlType = diesel::sql_types::Bool;
}

impl<C, GB> diesel::expression::ValidGrouping<GB> for AnyId<C> {
    type IsAggregate = diesel::expression::is_aggregate::No;
}

impl<C: AppearsOnTable<QS>, QS> AppearsOnTable<QS> for AnyId<C> {}

impl<C: SelectableExpression<QS>, QS> SelectableExpression<QS> for AnyId<C> {}

impl<C> diesel::query_builder::QueryFragment<MultiBackend> for AnyId<C>
where
    C: diesel::query_builder::QueryFragment<MultiBackend>,
{
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, MultiBackend>,
    ) -> QueryResult<()> {
        let postgres = matches!(out.backend(), MultiBackend::Pg(_));
        out.push_sql("(");
        self.column.walk_ast(out.reborrow())?;
        if postgres {
            out.push_sql(" = ANY(CAST(");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.pg)?;
            out.push_sql(" AS BIGINT[])))");
        } else {
            out.push_sql(" IN (SELECT value FROM json_each(");
            out.push_bind_param::<diesel::sql_types::Text, _>(&self.json)?;
            out.push_sql(")))");
        }
        Ok(())
    }
}
