use cache_facade::{async_lru, async_ttl};

#[async_lru]
async fn generic<T: Clone>(value: T) -> T {
    value
}

#[async_ttl(ttl_secs = 60)]
async fn impl_trait(value: impl std::fmt::Display) -> String {
    value.to_string()
}

fn main() {}
