use cache_facade::async_lru;

#[async_lru(maxsize = 16)]
fn not_async(id: u64) -> u64 {
    id
}

fn main() {
    not_async(1);
}
