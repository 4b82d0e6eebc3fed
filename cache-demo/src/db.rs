//! The catalog service's data access: the queries a real service would send
//! to its database, counted, and run asynchronously over a [`Pool`].

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cache_facade::{BatchLoader, BoxError, async_trait};
use rusqlite::{Connection, Row as SqlRow, params_from_iter};

use crate::error::DbError;
use crate::pool::Pool;
use crate::product::{Product, Row};

const COLUMNS: &str = "id, sku, name, category, price_cents, stock";

/// The product catalog: every query goes through the pool and is counted.
#[derive(Debug)]
pub(crate) struct Catalog {
    pool: Pool,
    queries: AtomicU64,
}

impl Catalog {
    /// A catalog over the seeded SQLite file at `path`.
    pub(crate) fn new(path: &Path, pool_size: usize, latency: Duration) -> Self {
        Self { pool: Pool::new(path, pool_size, latency), queries: AtomicU64::new(0) }
    }

    /// Queries sent so far.
    pub(crate) fn queries(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// `SELECT .. WHERE id = ?`: one query.
    pub(crate) async fn product(&self, id: u64) -> Result<Row, DbError> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        self.pool.run(move |connection| select_one(connection, id)).await
    }

    /// `SELECT .. WHERE id IN (..)`: one query for many products; unknown
    /// ids are absent from the map.
    pub(crate) async fn products(&self, ids: &[u64]) -> Result<HashMap<u64, Row>, DbError> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        let ids = ids.to_vec();
        self.pool.run(move |connection| select_many(connection, &ids)).await
    }
}

fn select_one(connection: &Connection, id: u64) -> Result<Row, DbError> {
    let key = i64::try_from(id).map_err(|_| DbError::NotFound(id))?;
    let mut statement =
        connection.prepare(&format!("SELECT {COLUMNS} FROM products WHERE id = ?1"))?;
    let mut rows = statement.query([key])?;
    match rows.next()? {
        Some(row) => Ok(Arc::new(product(row)?)),
        None => Err(DbError::NotFound(id)),
    }
}

fn select_many(connection: &Connection, ids: &[u64]) -> Result<HashMap<u64, Row>, DbError> {
    let keys: Vec<i64> = ids.iter().filter_map(|id| i64::try_from(*id).ok()).collect();
    let mut found = HashMap::with_capacity(keys.len());
    // SQLite binds at most 32,766 parameters per statement.
    for chunk in keys.chunks(30_000) {
        let marks = vec!["?"; chunk.len()].join(",");
        let sql = format!("SELECT {COLUMNS} FROM products WHERE id IN ({marks})");
        let mut statement = connection.prepare(&sql)?;
        let mut rows = statement.query(params_from_iter(chunk))?;
        while let Some(row) = rows.next()? {
            let product = product(row)?;
            found.insert(product.id, Arc::new(product));
        }
    }
    Ok(found)
}

fn product(row: &SqlRow<'_>) -> rusqlite::Result<Product> {
    let id: i64 = row.get(0)?;
    Ok(Product {
        id: id.unsigned_abs(),
        sku: row.get(1)?,
        name: row.get(2)?,
        category: row.get(3)?,
        price_cents: row.get(4)?,
        stock: row.get(5)?,
    })
}

/// The DataLoader of the catalog: the misses of one batch window become one
/// `WHERE id IN (..)` query.
#[derive(Debug)]
pub(crate) struct ProductsById(pub(crate) Arc<Catalog>);

#[async_trait]
impl BatchLoader<u64, Row> for ProductsById {
    async fn load_batch(&self, ids: &[u64]) -> Result<HashMap<u64, Row>, BoxError> {
        Ok(self.0.products(ids).await?)
    }
}
