//! HTTP tests against the real application served on 127.0.0.1:0 with a
//! real SQLite file: one binary, modules by capability.

mod authz;
mod pages;
mod support;
