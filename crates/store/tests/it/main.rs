//! The store's integration tests; every test runs on SQLite and on PostgreSQL.

mod schema;
