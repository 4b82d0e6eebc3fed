//! A catalog row, and the deterministic data the database is seeded with.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// One product of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Product {
    /// Primary key, from 1.
    pub(crate) id: u64,
    /// Stock-keeping unit, `SKU-00000042`.
    pub(crate) sku: String,
    /// Display name.
    pub(crate) name: String,
    /// Department.
    pub(crate) category: String,
    /// Price in cents.
    pub(crate) price_cents: i64,
    /// Units in stock.
    pub(crate) stock: i64,
}

/// A product as the service hands it around and the cache stores it: behind
/// an `Arc`, so a cache hit clones a pointer, not three strings.
pub(crate) type Row = Arc<Product>;

const ADJECTIVES: [&str; 8] =
    ["Ergonomic", "Rustic", "Sleek", "Compact", "Durable", "Vintage", "Smart", "Handmade"];
const MATERIALS: [&str; 6] = ["Steel", "Oak", "Cotton", "Granite", "Bamboo", "Copper"];
const NOUNS: [&str; 10] =
    ["Lamp", "Chair", "Kettle", "Backpack", "Clock", "Bottle", "Desk", "Speaker", "Jacket", "Pan"];
const CATEGORIES: [&str; 8] =
    ["books", "games", "garden", "kitchen", "music", "outdoor", "tools", "toys"];

impl Product {
    /// The product the seed writes for `id`: the same on every machine.
    pub(crate) fn generate(id: u64) -> Self {
        let pick = |list: &[&str], salt: u64| -> String {
            let index = id.wrapping_mul(salt).wrapping_add(salt >> 3) % list.len() as u64;
            list[index as usize].to_owned()
        };
        Self {
            id,
            sku: format!("SKU-{id:08}"),
            name: format!(
                "{} {} {}",
                pick(&ADJECTIVES, 7_919),
                pick(&MATERIALS, 104_729),
                pick(&NOUNS, 1_299_709)
            ),
            category: pick(&CATEGORIES, 15_485_863),
            price_cents: i64::try_from(id.wrapping_mul(7_919) % 99_900 + 100).unwrap_or(100),
            stock: i64::try_from(id.wrapping_mul(31) % 500).unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        assert_eq!(Product::generate(42), Product::generate(42));
        assert_ne!(Product::generate(42).name, String::new());
        assert_eq!(Product::generate(7).sku, "SKU-00000007");
    }
}
