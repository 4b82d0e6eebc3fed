use cache_facade::async_ttl;

#[derive(Debug)]
struct DbError;

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("db down")
    }
}

impl std::error::Error for DbError {}

#[async_ttl(ttl_secs = 60)]
async fn load(id: u64) -> Result<u64, DbError> {
    Ok(id)
}

fn main() {}
