//! Creating and seeding the catalog on first run: one transaction, one
//! prepared statement, written beside the target and renamed into place, so
//! an interrupted seed never leaves a half-filled catalog behind.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::DbError;
use crate::product::Product;

/// Bumped whenever the schema or the generated data change.
const SCHEMA_VERSION: i64 = 1;

/// What [`ensure_seeded`] found or did.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SeedOutcome {
    /// Whether the file was (re)created in this run.
    pub(crate) created: bool,
    /// How long creating it took (zero when it already existed).
    pub(crate) took: Duration,
}

/// Makes sure `path` holds a catalog of exactly `products` products,
/// creating or re-creating it when it does not.
pub(crate) fn ensure_seeded(path: &Path, products: u64) -> Result<SeedOutcome, DbError> {
    if path.exists() && holds(path, products).unwrap_or(false) {
        return Ok(SeedOutcome { created: false, took: Duration::ZERO });
    }
    let started = Instant::now();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    let mut scratch = path.as_os_str().to_owned();
    scratch.push(format!(".{}.tmp", std::process::id()));
    let scratch = Path::new(&scratch);
    if scratch.exists() {
        fs::remove_file(scratch)?;
    }
    let result = write_catalog(scratch, products).and_then(|()| Ok(fs::rename(scratch, path)?));
    if result.is_err() {
        let _ = fs::remove_file(scratch);
    }
    result.map(|()| SeedOutcome { created: true, took: started.elapsed() })
}

/// Whether the file at `path` is a catalog of this version with `products` rows.
fn holds(path: &Path, products: u64) -> Result<bool, DbError> {
    let connection = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let meta = |key: &str| -> Result<Option<i64>, DbError> {
        Ok(connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
            .optional()?)
    };
    Ok(meta("version")? == Some(SCHEMA_VERSION)
        && meta("products")?.and_then(|n| u64::try_from(n).ok()) == Some(products))
}

/// Creates the schema and inserts every product in one transaction.
fn write_catalog(path: &Path, products: u64) -> Result<(), DbError> {
    let mut connection = Connection::open(path)?;
    connection.execute_batch(
        "PRAGMA journal_mode = OFF;
         PRAGMA synchronous = OFF;
         CREATE TABLE products (
             id          INTEGER PRIMARY KEY,
             sku         TEXT    NOT NULL,
             name        TEXT    NOT NULL,
             category    TEXT    NOT NULL,
             price_cents INTEGER NOT NULL,
             stock       INTEGER NOT NULL
         );
         CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    )?;
    let transaction = connection.transaction()?;
    {
        let mut insert = transaction.prepare(
            "INSERT INTO products (id, sku, name, category, price_cents, stock)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for id in 1..=products {
            let p = Product::generate(id);
            let id = i64::try_from(id).map_err(|e| DbError::Sqlite(e.to_string().into()))?;
            insert.execute(params![id, p.sku, p.name, p.category, p.price_cents, p.stock])?;
        }
        let count = i64::try_from(products).map_err(|e| DbError::Sqlite(e.to_string().into()))?;
        let mut meta = transaction.prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")?;
        meta.execute(params!["version", SCHEMA_VERSION])?;
        meta.execute(params!["products", count])?;
    }
    transaction.commit()?;
    connection.close().map_err(|(_, e)| DbError::from(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_once_and_reseeds_on_a_new_size() {
        let dir = std::env::temp_dir().join(format!("cache-demo-seed-{}", std::process::id()));
        let path = dir.join("catalog.sqlite3");
        let _ = fs::remove_dir_all(&dir);

        assert!(ensure_seeded(&path, 50).unwrap().created);
        assert!(!ensure_seeded(&path, 50).unwrap().created, "already there");
        assert!(ensure_seeded(&path, 60).unwrap().created, "another size: seeded again");

        let connection = Connection::open(&path).unwrap();
        let rows: i64 =
            connection.query_row("SELECT COUNT(*) FROM products", [], |r| r.get(0)).unwrap();
        assert_eq!(rows, 60);
        let _ = fs::remove_dir_all(&dir);
    }
}
