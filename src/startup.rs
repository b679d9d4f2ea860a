//! Building the application: settings → database (migrated) → keys → services → HTTP server.
//! `main` and the tests both go through [`Application::build`]; the caller gives the clock
//! (`main` the system's, the tests one they move).

use crate::config::{self, Settings};
use crate::db::{self, Db};
use crate::secrets::Keys;
use crate::services::{Clock, Services};
use crate::web::{self, AppState, security::Limiters};
use actix_web::dev::Server;
use actix_web::{App, HttpServer, web as aw};
use anyhow::Context;
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// Sets up the allocators before any thread starts (`main` calls it first).
///
/// Rust's allocations go to mimalloc (the default Cargo feature `mimalloc`), told to hand freed
/// memory back to the system at once and to commit its arenas as they are used rather than
/// whole: on a million-tip database, a minute of mixed load (bench/mixed.sh) ended at 104 MB
/// resident (146 MB with glibc, 188–288 MB with mimalloc's defaults), and the case page served
/// 2,343 requests a second against glibc's 1,706 (BENCHMARKS.md, "The allocator"). An
/// operator who sets either option in the environment (`MIMALLOC_ARENA_EAGER_COMMIT`,
/// `MIMALLOC_PURGE_DELAY`) keeps that value.
///
/// The C libraries (SQLite, libpq) allocate through glibc, which gives each thread that
/// allocates while another holds an arena an arena of its own, up to eight a core, and keeps
/// what each arena once held: under ten minutes of mixed load twelve arenas held 10–22 MB each.
/// One arena a core, at least two, keeps the threads from queueing on one lock.
pub fn tune_allocators() {
    // On Linux `main.rs` has done this already, before the first allocation (see there); once
    // more changes nothing.
    #[cfg(feature = "mimalloc")]
    tune_mimalloc();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = i32::try_from(cores.clamp(2, 64)).unwrap_or(2);
        // SAFETY: mallopt only sets a parameter of the allocator; it is called before any other
        // thread exists.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Sets mimalloc's options (`tune_allocators` says which and why). To count, they must be set
/// before the first allocation reserves mimalloc's first arena.
#[cfg(feature = "mimalloc")]
pub fn tune_mimalloc() {
    mimalloc_options::set();
}

/// mimalloc's options, by their numbers in `mi_option_e` of mimalloc 3 (`include/mimalloc.h`
/// of the version libmimalloc-sys 0.1.49 builds, pinned in Cargo.toml; the crate names only
/// mimalloc 2's options). The test below reads each one's default first, which tells a
/// renumbered option apart.
#[cfg(feature = "mimalloc")]
mod mimalloc_options {
    use libmimalloc_sys::{mi_option_set, mi_option_t};

    /// Commit a whole arena when it is reserved (2: on systems that overcommit, as Linux).
    pub const ARENA_EAGER_COMMIT: mi_option_t = 4;
    /// How long freed memory stays before it is purged, in milliseconds (1,000).
    pub const PURGE_DELAY: mi_option_t = 15;

    /// Each option, the value set here, and the environment variables (current and older
    /// name) by which mimalloc lets an operator choose it instead.
    const OURS: [(mi_option_t, std::ffi::c_long, [&std::ffi::CStr; 2]); 2] = [
        (
            ARENA_EAGER_COMMIT,
            0,
            [
                c"MIMALLOC_ARENA_EAGER_COMMIT",
                c"MIMALLOC_EAGER_REGION_COMMIT",
            ],
        ),
        (
            PURGE_DELAY,
            0,
            [c"MIMALLOC_PURGE_DELAY", c"MIMALLOC_RESET_DELAY"],
        ),
    ];

    /// Whether the environment chooses an option under either of its names. Allocates
    /// nothing: it runs before the first allocation.
    fn chosen(names: &[&std::ffi::CStr; 2]) -> bool {
        // SAFETY: getenv reads the environment with a NUL-terminated name; nothing changes the
        // environment while constructors or `main`'s first line run.
        names
            .iter()
            .any(|n| !unsafe { libc::getenv(n.as_ptr()) }.is_null())
    }

    /// Sets each option unless the environment chose it (mimalloc has read the environment by
    /// now, and a value set here would win over it).
    pub fn set() {
        for (option, value, names) in OURS {
            if !chosen(&names) {
                // SAFETY: only writes mimalloc's option table, which takes a value at any time.
                unsafe { mi_option_set(option, value) };
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use libmimalloc_sys::mi_option_get;

        /// An option's value now.
        fn get(option: mi_option_t) -> std::ffi::c_long {
            // SAFETY: reads mimalloc's option table.
            unsafe { mi_option_get(option) }
        }

        #[test]
        fn the_numbers_name_the_options_meant_and_the_values_take() {
            // mimalloc 3's defaults: arena_eager_commit 2, purge_delay 1,000 ms. Another
            // option under either number would show another default. (Run with neither
            // option in the environment, as the test suite is.)
            for (_, _, names) in OURS {
                assert!(!chosen(&names), "{names:?} set in the environment");
            }
            assert_eq!([get(ARENA_EAGER_COMMIT), get(PURGE_DELAY)], [2, 1000]);
            set();
            assert_eq!([get(ARENA_EAGER_COMMIT), get(PURGE_DELAY)], [0, 0]);
        }
    }
}

/// Hands memory glibc holds free back to the system (every minute, from the server's
/// housekeeping tick): what a burst of the C libraries' allocations (or of every allocation, in
/// a build with the system allocator) left behind does not stay resident for the life of the
/// process. mimalloc hands its own back as it frees (`tune_allocators`).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's heaps to the system.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The services of an installation, without the HTTP server (the CLI uses these).
pub fn services(settings: &Settings, config_dir: &Path, clock: Clock) -> anyhow::Result<Services> {
    let catalog = config::load_catalog(config_dir)?;
    let calendar = config::load_calendar(config_dir)?;
    let rewards = config::load_rewards(config_dir)?;
    let sqlite = match db::Target::parse(&settings.database_url)? {
        db::Target::Sqlite(path) => Some(path),
        db::Target::Postgres(_) => None,
    };
    crate::secrets::make_files_private(&settings.data_dir, sqlite.as_deref())?;
    let db = Db::connect(settings)?;
    db.migrate()?;
    let keys = Keys::load_or_generate(settings)?;
    db::check_keys(&db, keys.suite(), &keys.fingerprints()?)?;
    let keyed_hash_scheme = db::keyed_hash_scheme(&db)?;
    Services::new(
        settings,
        db,
        catalog,
        calendar,
        rewards,
        (&keys, keyed_hash_scheme),
        clock,
    )
}

pub struct Application {
    port: u16,
    server: Server,
    pub services: Services,
}

impl Application {
    /// Connects, migrates and binds; the server runs once [`Application::run`] is awaited.
    /// Every use case and the background jobs read the time from `clock`.
    pub fn build(
        settings: &Settings,
        config_dir: &Path,
        clock: Clock,
    ) -> anyhow::Result<Application> {
        let services = services(settings, config_dir, clock)?;
        let listener = TcpListener::bind(&settings.bind)
            .with_context(|| format!("binding {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        let limiters = Arc::new(Limiters::new(settings)?);
        let state = aw::Data::new(AppState {
            services: services.clone(),
            pages: web::render::Pages::new(settings.secure_cookies)?,
            limiters: limiters.clone(),
            trusted_proxies: settings.trusted_proxies.clone(),
            multipart_limit: settings.limits.multipart_bytes,
            json_limit: settings.limits.json_bytes,
            uploads: web::form::Slots::new(settings.limits.concurrent_uploads),
            upload_pace: web::form::Pace::new(
                settings.limits.upload_stall_seconds,
                settings.limits.upload_total_seconds,
            ),
            secure_cookies: settings.secure_cookies,
            open311_keys: settings.open311_api_keys.clone(),
            metrics_token: settings.metrics_token.clone(),
            stats: settings.stats.clone(),
        });
        let settings_for_app = settings.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(web::security::reject_nul))
                .wrap(actix_web::middleware::from_fn(web::form::pace_bodies))
                .wrap_fn(web::pages::error_pages)
                // gzip or brotli for text a client accepts compressed (kept public pages come
                // compressed already, and are passed through).
                .wrap(actix_web::middleware::Compress::default())
                .wrap_fn(web::access_log)
                .app_data(state.clone())
                .configure(|cfg| web::extractors(cfg, &settings_for_app))
                .configure(web::routes)
                .default_service(aw::to(web::not_found))
        })
        .listen(listener)?;
        if settings.workers > 0 {
            server = server.workers(settings.workers);
        }
        let server = server.shutdown_timeout(10).run();
        // Forget rate-limit counters of addresses that have gone quiet.
        actix_web::rt::spawn(async move {
            let mut tick = actix_web::rt::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiters.prune();
                release_free_memory();
            }
        });
        // Deadlines, mail, clean-up: safe to run on every instance at once. The first run is one
        // interval after start, so a test (with a long interval) runs them only when it chooses;
        // the dashboard's figures (reading only) are worked out at once.
        let jobs = services.clone();
        let every = Duration::from_secs(settings.staff.jobs_interval_seconds.max(1));
        actix_web::rt::spawn(async move {
            // The dashboard's figures at once after a start. Not after every round of jobs:
            // while tips keep coming in that would read the twelve weeks again every minute,
            // whether anyone looks or not (bench/mixed.sh: up to 275 MB resident instead of 125–175).
            if let Err(e) = jobs.blocking(|s| s.warm_figures()).await {
                tracing::warn!(error = ?e, "working out the dashboard's figures failed");
            }
            // What reading the twelve weeks left free goes back now, not at the next minute.
            release_free_memory();
            let first = actix_web::rt::time::Instant::now() + every;
            let mut tick = actix_web::rt::time::interval_at(first, every);
            loop {
                tick.tick().await;
                match jobs.blocking(|s| s.run_jobs()).await {
                    Ok(r) if r == Default::default() => {}
                    Ok(r) => tracing::info!(
                        warned = r.warned,
                        escalated = r.escalated,
                        mailed = r.mailed,
                        "background jobs ran"
                    ),
                    Err(e) => tracing::warn!(error = ?e, "background jobs failed"),
                }
            }
        });
        tracing::info!(port, "listening");
        Ok(Application {
            port,
            server,
            services,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run(self) -> std::io::Result<()> {
        self.server.await
    }
}
