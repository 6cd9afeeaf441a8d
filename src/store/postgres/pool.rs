//! [`PostgresStore`]: a pool of connections to one PostgreSQL database, run on
//! a small runtime of its own so the blocking [`Storage`](crate::store::storage::Storage)
//! interface can be called from anywhere (the server's blocking pool, the CLI,
//! tests); and how PostgreSQL's failures become [`StoreError`]s.

use super::schema::migrate;
use crate::store::error::StoreError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, PoolError, RecyclingMethod, Transaction};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;
use tokio_postgres::NoTls;
use tokio_postgres::config::Host;

/// Connections kept at most; a server's writes are short and few.
const MAX_CONNECTIONS: usize = 8;
/// How long opening a connection may take before the store counts as down.
pub(super) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest one operation (waiting for a connection included) may take:
/// past it the caller gets [`StoreError::Unavailable`], never a hang.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(15);

/// A failure inside an operation, before the store's location is attached.
pub(super) enum Failure {
    Pg(tokio_postgres::Error),
    Store(StoreError),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Failure {
        Failure::Pg(e)
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        Failure::Store(e)
    }
}

/// What an operation runs: given its transaction, a future of its result.
pub(super) type Operation<T> = Box<
    dyn for<'a> FnOnce(
            &'a Transaction<'a>,
        ) -> Pin<Box<dyn Future<Output = Result<T, Failure>> + Send + 'a>>
        + Send,
>;

/// The store in a PostgreSQL database, selected by a `postgres://` URL.
pub struct PostgresStore {
    pool: Pool,
    /// How to reach the database, for the connection that listens for changes
    /// (boxed: it is large, and read once per listening connection).
    config: Box<tokio_postgres::Config>,
    /// The URL without its password.
    location: String,
    /// Drives the connections; `None` only while dropping.
    runtime: Option<tokio::runtime::Runtime>,
}

impl PostgresStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db`
    /// or the `host=… dbname=…` form) and brings its schema up to date.
    /// Fails when the URL is malformed, no server answers, or the schema is newer
    /// than this build.
    pub fn connect(url: &str) -> Result<PostgresStore, StoreError> {
        let mut config =
            tokio_postgres::Config::from_str(url).map_err(|e| StoreError::Connect {
                location: "the PostgreSQL URL".into(),
                source: format!("{e} (expected postgres://user:password@host:port/database)")
                    .into(),
            })?;
        config.connect_timeout(CONNECT_TIMEOUT);
        let location = describe(&config);
        let connect_error =
            |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Connect {
                location: location.clone(),
                source,
            };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("shipwindow-postgres")
            .enable_all()
            .build()
            .map_err(|e| connect_error(e.into()))?;
        let manager = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(MAX_CONNECTIONS)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(OPERATION_TIMEOUT))
            .create_timeout(Some(CONNECT_TIMEOUT))
            .recycle_timeout(Some(CONNECT_TIMEOUT))
            .build()
            .map_err(|e| connect_error(e.into()))?;
        let store = PostgresStore {
            pool,
            config: Box::new(config),
            location: location.clone(),
            runtime: Some(runtime),
        };
        let pool = store.pool.clone();
        store
            .block_on(async move {
                let mut client = pool.get().await.map_err(|e| {
                    Failure::Store(StoreError::Connect {
                        location: String::new(),
                        source: pool_reason(&e).into(),
                    })
                })?;
                migrate(&mut client).await.map_err(|source| {
                    Failure::Store(StoreError::Connect {
                        location: String::new(),
                        source,
                    })
                })
            })
            .map_err(|e| match e {
                StoreError::Connect { source, .. } => connect_error(source),
                other => other,
            })?;
        Ok(store)
    }

    /// Where the data lives, e.g. `postgres://shipwindow@db:5432/shipwindow`.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// How to reach the database (the same as the pool's connections).
    pub(super) fn config(&self) -> &tokio_postgres::Config {
        &self.config
    }

    /// Runs `task` on the store's runtime, where it lives until it ends or the
    /// store is dropped. `None` while the store is shutting down.
    pub(super) fn spawn(
        &self,
        task: impl Future<Output = ()> + Send + 'static,
    ) -> Option<tokio::task::JoinHandle<()>> {
        self.runtime.as_ref().map(|runtime| runtime.spawn(task))
    }

    /// Runs `op` in one transaction, committed only if it succeeds.
    pub(super) fn transaction<T: Send + 'static>(&self, op: Operation<T>) -> Result<T, StoreError> {
        let pool = self.pool.clone();
        self.block_on(async move {
            let mut client = pool
                .get()
                .await
                .map_err(|e| Failure::Store(unavailable(String::new(), pool_reason(&e))))?;
            let tx = client.transaction().await?;
            let value = op(&tx).await?;
            tx.commit().await?;
            Ok(value)
        })
    }

    /// Runs `work` on the store's runtime and waits for it, at most
    /// [`OPERATION_TIMEOUT`]. Safe from any thread, inside a runtime or not.
    fn block_on<T: Send + 'static>(
        &self,
        work: impl Future<Output = Result<T, Failure>> + Send + 'static,
    ) -> Result<T, StoreError> {
        let location = self.location.clone();
        let Some(runtime) = &self.runtime else {
            return Err(unavailable(location, "the store is shutting down".into()));
        };
        let (send, receive) = std::sync::mpsc::sync_channel(1);
        runtime.spawn(async move {
            let outcome = tokio::time::timeout(OPERATION_TIMEOUT, work).await;
            // The caller gave up waiting only if it timed out itself.
            let _ = send.send(outcome);
        });
        let late = || {
            unavailable(
                location.clone(),
                format!("no answer within {OPERATION_TIMEOUT:?}"),
            )
        };
        match receive.recv_timeout(OPERATION_TIMEOUT + Duration::from_secs(1)) {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(failure))) => Err(located(&location, failure)),
            Ok(Err(_)) | Err(_) => Err(late()),
        }
    }
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        // Without waiting: a store may be dropped on an async thread, where
        // blocking on the runtime's shutdown would panic.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// `failure` as the caller sees it, naming the store.
fn located(location: &str, failure: Failure) -> StoreError {
    match failure {
        Failure::Pg(e) => classify(location, &e),
        Failure::Store(StoreError::Unavailable { reason, .. }) => {
            unavailable(location.to_string(), reason)
        }
        Failure::Store(StoreError::Connect { source, .. }) => StoreError::Connect {
            location: location.to_string(),
            source,
        },
        Failure::Store(StoreError::Postgres { reason, .. }) => StoreError::Postgres {
            location: location.to_string(),
            reason,
        },
        Failure::Store(other) => other,
    }
}

fn unavailable(location: String, reason: String) -> StoreError {
    StoreError::Unavailable { location, reason }
}

/// A lost or refused connection, or a server shutting down or overloaded, is
/// the store being unavailable (503, retry); anything else is a failed statement.
fn classify(location: &str, e: &tokio_postgres::Error) -> StoreError {
    let reason = reason(e);
    let down = match e.code() {
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || code.starts_with("57P") || code == "53300"
        }
        None => e.is_closed() || io_source(e),
    };
    if down {
        unavailable(location.to_string(), reason)
    } else {
        StoreError::Postgres {
            location: location.to_string(),
            reason,
        }
    }
}

fn io_source(e: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if inner.is::<std::io::Error>() {
            return true;
        }
        source = inner.source();
    }
    false
}

/// PostgreSQL's own message when there is one (tokio-postgres's `Display`
/// says only "db error"), else the error with its causes.
pub(super) fn reason(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn pool_reason(e: &PoolError) -> String {
    match e {
        PoolError::Backend(pg) => reason(pg),
        PoolError::Timeout(_) => "no database connection within the timeout".to_string(),
        other => other.to_string(),
    }
}

/// The URL without its password: `postgres://user@host:port/dbname`.
fn describe(config: &tokio_postgres::Config) -> String {
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(host, port)| match host {
            Host::Tcp(name) => format!("{name}:{port}"),
            #[cfg(unix)]
            Host::Unix(path) => format!("{}:{port}", path.display()),
        })
        .collect();
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let db = config.get_dbname().unwrap_or_default();
    format!("postgres://{user}{}/{db}", hosts.join(","))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn the_location_never_shows_the_password() {
        let config =
            tokio_postgres::Config::from_str("postgres://ship:s3cret@db.example:6543/prod")
                .unwrap();
        assert_eq!(describe(&config), "postgres://ship@db.example:6543/prod");
    }

    #[test]
    fn a_malformed_url_says_what_would_be_right() {
        let err = PostgresStore::connect("postgres://h:notaport/db")
            .err()
            .unwrap();
        assert!(matches!(err, StoreError::Connect { .. }), "{err:?}");
        assert!(
            err.to_string().contains("postgres://user:password@host"),
            "{err}"
        );
    }

    #[test]
    fn nothing_listening_fails_to_connect_and_names_the_place() {
        // Port 1 on loopback: refused at once.
        let err = PostgresStore::connect("postgres://u@127.0.0.1:1/db")
            .err()
            .unwrap();
        assert!(matches!(err, StoreError::Connect { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("127.0.0.1:1/db"), "{text}");
    }
}
