use cache_facade::async_lru;

#[derive(Debug, Clone, PartialEq)]
struct Point {
    x: f64,
    y: f64,
}

#[async_lru(maxsize = 16)]
async fn distance(label: String, point: Point) -> f64 {
    let _ = label;
    point.x.hypot(point.y)
}

fn main() {}
