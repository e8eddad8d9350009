//! The store tests run once per backend: SQLite in a temporary file, and PostgreSQL in a fresh
//! database on the test binary's one private server (duet_testkit::TempPostgres).

use duet_server::store::{self, Store};
use duet_testkit::TempPostgres;
use std::sync::Arc;
use std::time::Duration;

/// How long the tests' statements wait for a lock; nothing in them holds one for long.
const WAIT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store on a fresh database, with what keeps the database alive.
pub struct Db {
    pub store: Arc<dyn Store>,
    /// The `database` setting that opens it again.
    pub database: String,
    backend: Backend,
    _dir: Option<tempfile::TempDir>,
}

impl Db {
    pub async fn fresh(backend: Backend) -> Db {
        let (database, dir) = match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("store.sqlite");
                (path.to_str().unwrap().to_owned(), Some(dir))
            }
            Backend::Postgres => (fresh_postgres_database().await, None),
        };
        let store = store::open(&database, WAIT).await.unwrap();
        Db {
            store,
            database,
            backend,
            _dir: dir,
        }
    }

    /// Runs `sqlite` or `postgres`, whichever is this database's dialect, outside the store:
    /// for what only a test does, like a trigger that makes a write fail.
    pub async fn execute_raw(&self, sqlite: &'static str, postgres: &'static str) {
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}", self.database))
                    .await
                    .unwrap();
                sqlx::raw_sql(sqlite).execute(&pool).await.unwrap();
                pool.close().await;
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.database).await.unwrap();
                sqlx::raw_sql(postgres).execute(&pool).await.unwrap();
                pool.close().await;
            }
        }
    }
}

/// A fresh database on the shared server (started by the first test that asks). Starting it
/// and `createdb` block, so they run off the test's runtime.
pub async fn fresh_postgres_database() -> String {
    tokio::task::spawn_blocking(|| TempPostgres::shared().new_database())
        .await
        .unwrap()
}

/// Writes each listed `async fn name(backend: Backend)` test twice, as `sqlite::name` and
/// `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::backends::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::backends::Backend::Postgres).await;
                }
            )*
        }
    };
}
