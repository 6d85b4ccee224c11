//! `schema.graphql` must be exactly what the server prints.

#[test]
fn schema_graphql_is_up_to_date() {
    let printed = rakshaayan::graphql::schema::sdl();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == printed,
        "schema.graphql is stale: regenerate it with `cargo run -- schema > schema.graphql`"
    );
}

#[test]
fn the_schema_uses_the_spec_names() {
    let sdl = rakshaayan::graphql::schema::sdl();
    assert!(sdl.contains("enum UserType"));
    for value in [
        "PATIENT",
        "HOSPITAL",
        "MANUFACTURER",
        "GOVERNMENT",
        "COORDINATOR",
        "ADMIN",
    ] {
        assert!(sdl.contains(value), "{value}");
    }
    assert!(sdl.contains("scalar DateTime"));
    assert!(
        sdl.contains("phoneNumber: String"),
        "camelCase fields, private ones nullable"
    );
}
