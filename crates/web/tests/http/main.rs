//! HTTP tests against the real application served on 127.0.0.1:0 with a
//! real SQLite file and, for the tests named `…_on_postgres`, a fresh
//! PostgreSQL database when `DANGJIAN_TEST_PG` is set: one binary, modules
//! by capability.

mod accounts;
mod authz;
mod compliance;
mod concurrency;
mod data;
mod identity;
mod login_security;
mod matrix;
mod pages;
mod records;
mod rectify;
mod support;
mod warnings;
mod work;
