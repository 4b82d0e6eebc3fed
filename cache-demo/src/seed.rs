//! Creating and seeding the catalog on first run: one transaction, one
//! prepared statement, written beside the target and renamed into place, so
//! an interrupted seed never leaves a half-filled catalog behind.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

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
///
/// Only ever writes a file that is absent or is the demo's own catalog
/// (recognised by its `meta` table): anything else at `path` (a text file,
/// someone's own SQLite database, a device, a directory) is refused with an
/// error naming the path. Scratch files left by an earlier run that was
/// killed are removed first.
pub(crate) fn ensure_seeded(path: &Path, products: u64) -> Result<SeedOutcome, DbError> {
    remove_leftovers(path);
    match inspect(path, products)? {
        Found::Current => return Ok(SeedOutcome { created: false, took: Duration::ZERO }),
        Found::Absent | Found::Stale => {}
    }
    let started = Instant::now();
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| {
            DbError::file(path, format!("cannot create its directory {}: {e}", parent.display()))
        })?;
    }
    let scratch = scratch_path(path);
    if scratch.exists() {
        fs::remove_file(&scratch).map_err(|e| DbError::file(path, e))?;
    }
    let result = write_catalog(&scratch, products)
        .map_err(|e| {
            DbError::file(path, format!("cannot create the catalog: {}", scratch_free(&e)))
        })
        .and_then(|()| {
            fs::rename(&scratch, path)
                .map_err(|e| DbError::file(path, format!("cannot put the catalog in place: {e}")))
        });
    if result.is_err() {
        let _ = fs::remove_file(&scratch);
    }
    result.map(|()| SeedOutcome { created: true, took: started.elapsed() })
}

/// The scratch file a seed of `path` by this process writes before renaming
/// it into place: `<path>.<pid>.tmp`.
pub(crate) fn scratch_path(path: &Path) -> PathBuf {
    let mut scratch = path.as_os_str().to_owned();
    scratch.push(format!(".{}.tmp", std::process::id()));
    PathBuf::from(scratch)
}

/// The message of a seeding error, without the scratch file's name.
fn scratch_free(error: &DbError) -> String {
    match error {
        DbError::Sqlite(message) => message.to_string(),
        other => other.to_string(),
    }
}

/// Removes the `<path>.<pid>.tmp` scratch files of earlier runs that did not
/// finish (killed while seeding), except those of processes still running.
fn remove_leftovers(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else { return };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let Ok(entries) = fs::read_dir(dir) else { return };
    let prefix = format!("{}.", name.to_string_lossy());
    for entry in entries.flatten() {
        let file = entry.file_name();
        let file = file.to_string_lossy();
        let Some(pid) = file.strip_prefix(&prefix).and_then(|rest| rest.strip_suffix(".tmp"))
        else {
            continue;
        };
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) || is_running(pid) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` is running (this one included). Where `/proc` is
/// missing, no scratch file is taken for another process's.
fn is_running(pid: &str) -> bool {
    pid == std::process::id().to_string()
        || (Path::new("/proc/self").exists() && Path::new("/proc").join(pid).exists())
}

/// What is at the catalog's path.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// Nothing: the demo creates its catalog there.
    Absent,
    /// The demo's catalog, of this version and size.
    Current,
    /// The demo's catalog, of another version or size: re-created.
    Stale,
}

/// Looks at `path` without writing: absent, the demo's catalog (current or
/// stale), or an error naming the path for anything the demo must not
/// overwrite or cannot read.
fn inspect(path: &Path, products: u64) -> Result<Found, DbError> {
    let metadata = match fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Absent),
        Err(e) => return Err(DbError::file(path, format!("cannot read it: {e}"))),
    };
    let kind = metadata.file_type();
    if kind.is_dir() {
        return Err(DbError::file(
            path,
            "is a directory; --db takes the catalog's file path (e.g. <dir>/catalog.sqlite3)",
        ));
    }
    if kind.is_symlink() {
        return Err(DbError::not_a_catalog(path, "it is a symbolic link; pass the file itself"));
    }
    if !kind.is_file() {
        return Err(DbError::not_a_catalog(path, "it is not a regular file"));
    }
    let mut header = [0_u8; 16];
    let read = fs::File::open(path).and_then(|mut file| file.read(&mut header));
    match read {
        Ok(16) if &header == b"SQLite format 3\0" => {}
        Ok(_) => return Err(DbError::not_a_catalog(path, "it is not a SQLite database")),
        Err(e) => return Err(DbError::file(path, format!("cannot read it: {e}"))),
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags)
        .map_err(|e| DbError::not_a_catalog(path, format!("SQLite cannot open it: {e}")))?;
    let has_meta = connection
        .query_row("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'", [], |_| {
            Ok(())
        })
        .optional()
        .map_err(|e| DbError::not_a_catalog(path, format!("SQLite cannot read it: {e}")))?
        .is_some();
    if !has_meta {
        return Err(DbError::not_a_catalog(path, "it has no `meta` table"));
    }
    let meta = |key: &str| -> Result<Option<i64>, DbError> {
        connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
            .optional()
            .map_err(|e| DbError::malformed(path, e))
    };
    let Some(version) = meta("version")? else {
        return Err(DbError::not_a_catalog(path, "its `meta` table has no `version`"));
    };
    if version != SCHEMA_VERSION
        || meta("products")?.and_then(|n| u64::try_from(n).ok()) != Some(products)
    {
        return Ok(Found::Stale);
    }
    let rows: i64 = connection
        .query_row("SELECT COUNT(*) FROM products", [], |row| row.get(0))
        .map_err(|e| DbError::malformed(path, e))?;
    if u64::try_from(rows).ok() != Some(products) {
        return Err(DbError::malformed(
            path,
            format!("its `meta` table says {products} products, its `products` table holds {rows}"),
        ));
    }
    Ok(Found::Current)
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
