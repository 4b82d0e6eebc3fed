use cache_facade::{async_lru, async_ttl};

#[async_lru(max_size = 16)]
async fn misspelled(id: u64) -> u64 {
    id
}

#[async_ttl(maxsize = 16)]
async fn no_ttl(id: u64) -> u64 {
    id
}

#[async_ttl(ttl_secs = 60, skip_args = 2)]
async fn too_many_skipped(id: u64) -> u64 {
    id
}

#[async_lru(key = id % 10)]
async fn key_without_type(id: u64) -> u64 {
    id
}

fn main() {}
