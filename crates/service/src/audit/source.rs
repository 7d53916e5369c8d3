//! The source address of the request being served, recorded in every audit
//! row it writes. The web layer runs each request inside [`with_source`]
//! with the client's IP address; outside any such scope (the command line)
//! the source is [`CONSOLE`], and background jobs of the server run as
//! [`SYSTEM`]. A task-local keeps the use cases' signatures unchanged.

use std::future::Future;

/// The source of actions taken on the command line.
pub const CONSOLE: &str = "console";
/// The source of the server's own background jobs (escalation, re-evaluation).
pub const SYSTEM: &str = "system";

tokio::task_local! {
    static SOURCE: String;
}

/// Runs `f` with `source` as the source address of every row it audits.
pub async fn with_source<F: Future>(source: impl Into<String>, f: F) -> F::Output {
    SOURCE.scope(source.into(), f).await
}

/// The current source address: the request's, else [`CONSOLE`].
pub fn current_source() -> String {
    SOURCE
        .try_with(Clone::clone)
        .unwrap_or_else(|_| CONSOLE.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_scope_sets_the_source() {
        assert_eq!(current_source(), CONSOLE);
        let inner = with_source("192.0.2.7", async { current_source() }).await;
        assert_eq!(inner, "192.0.2.7");
        assert_eq!(current_source(), CONSOLE);
    }
}
