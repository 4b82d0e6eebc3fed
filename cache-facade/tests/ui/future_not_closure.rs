use cache_facade::AsyncCache;

async fn load(id: u64) -> Result<String, std::io::Error> {
    Ok(id.to_string())
}

async fn serve(cache: AsyncCache<u64, String>) {
    // moka's habit: the future itself instead of a closure returning it.
    let _ = cache.get_with(7, load(7)).await;
}

fn main() {
    let _ = serve;
}
