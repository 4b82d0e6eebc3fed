//! Misuse of `#[async_lru]` / `#[async_ttl]`, and of `get_with` (a future
//! passed instead of a closure), is a compile error that points
//! at the offending token: the cases under `tests/ui/`, checked with
//! `trybuild` (regenerate the `.stderr` files with `TRYBUILD=overwrite`).

#[test]
fn misuse_is_a_clear_compile_error() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
