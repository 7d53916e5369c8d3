//! Background re-evaluation of the early warnings (软弱涣散预警): after a
//! change to data the indicators read (members, organizations and their
//! terms, organizational-life records, imports, the manual facts), the
//! county is evaluated again by a worker task, never by the request that
//! made the change.
//!
//! [`start`] subscribes the worker to the change events
//! (`events::ChangeKind`) that the capability registry lists as the
//! warnings' triggers (`capability::triggers_of`): the use cases that change
//! that data publish them after commit, and nothing here names them. The
//! worker (started by `serve` with [`start`]) waits for a change, lets a
//! burst settle for the debounce delay, then evaluates every root
//! organization as the system (audit action `warning.run.auto`). Changes
//! during a run mark the data dirty again, so at most one more run follows
//! however many changes came in. Until [`start`] is called (tests, the CLI
//! commands) nothing happens.

use crate::Services;
use crate::actor::Actor;
use crate::error::ServiceResult;
use crate::warnings;
use dangjian_domain::ids::{OrgId, UserId};
use dangjian_domain::org::OrgPath;
use dangjian_domain::role::Role;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

/// The audit action of a background run.
pub const ACTION: &str = "warning.run.auto";
/// The username background runs are recorded under.
pub const SYSTEM_USER: &str = "system";
/// The default delay between a change and the run it triggers.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_secs(30);

/// The handle `Services` holds: cheap to clone, shared by the worker.
#[derive(Clone, Default)]
pub struct Reevaluator {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    enabled: AtomicBool,
    dirty: AtomicBool,
    notify: Notify,
    runs: AtomicU64,
}

impl Reevaluator {
    /// Data the warnings read has changed: wake the worker, if one runs.
    pub fn changed(&self) {
        if self.inner.enabled.load(Ordering::Acquire) {
            self.inner.dirty.store(true, Ordering::Release);
            self.inner.notify.notify_one();
        }
    }

    /// Whether a worker was started for these services.
    pub fn is_enabled(&self) -> bool {
        self.inner.enabled.load(Ordering::Acquire)
    }

    /// Background runs finished so far (successful or not).
    pub fn runs(&self) -> u64 {
        self.inner.runs.load(Ordering::Acquire)
    }
}

/// The acting user of a background run: a county administrator bound to
/// the root organization, recorded as `system`.
fn system_actor(root: &dangjian_store::warnings::RootRow) -> Option<Actor> {
    Some(Actor {
        user_id: UserId(0),
        username: SYSTEM_USER.to_owned(),
        display_name: "系统自动研判".to_owned(),
        role: Role::CountyAdmin,
        org_id: OrgId(root.id),
        org_path: OrgPath::from_stored(&root.path)?,
        org_name: root.name.clone(),
    })
}

/// Evaluates every root organization's subtree as the system; returns the
/// run ids.
pub async fn run_all(svc: &Services) -> ServiceResult<Vec<i64>> {
    let roots = {
        let mut conn = svc.store.read().await?;
        dangjian_store::warnings::roots(&mut conn).await?
    };
    let mut runs = Vec::with_capacity(roots.len());
    for root in &roots {
        let Some(actor) = system_actor(root) else {
            continue;
        };
        let run = warnings::evaluate_as(svc, &actor, root.id, ACTION).await?;
        runs.push(run.run_id);
    }
    Ok(runs)
}

/// Starts the worker on the current runtime. Changes before this call are
/// not seen; call it once, when serving.
pub fn start(svc: &Services, debounce: Duration) -> tokio::task::JoinHandle<()> {
    let inner = svc.reeval.inner.clone();
    inner.enabled.store(true, Ordering::Release);
    let reeval = svc.reeval.clone();
    svc.events.subscribe(
        &crate::capability::triggers_of(crate::capability::WARNINGS),
        move |_| reeval.changed(),
    );
    let svc = svc.clone();
    // Audited as the server's own job, not a request or the console.
    tokio::spawn(crate::audit::with_source(
        crate::audit::SYSTEM,
        async move {
            loop {
                inner.notify.notified().await;
                tokio::time::sleep(debounce).await;
                while inner.dirty.swap(false, Ordering::AcqRel) {
                    let started = std::time::Instant::now();
                    match run_all(&svc).await {
                        Ok(runs) => tracing::info!(
                            ?runs,
                            seconds = started.elapsed().as_secs_f64(),
                            "warnings re-evaluated"
                        ),
                        Err(e) => tracing::error!(error = %e, "warning re-evaluation failed"),
                    }
                    inner.runs.fetch_add(1, Ordering::AcqRel);
                }
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_signalled_without_a_worker() {
        let r = Reevaluator::default();
        r.changed();
        assert!(!r.is_enabled());
        assert!(!r.inner.dirty.load(Ordering::Acquire));
    }
}
