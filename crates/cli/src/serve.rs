//! `serve`: binds the listener, starts the background jobs (index rebuild,
//! escalation, re-evaluation, audit checkpoints) and serves the pages over
//! plain HTTP, over HTTPS (`--tls-cert`/`--tls-key`, rustls), or plain
//! behind a TLS-terminating proxy (`--behind-https`).

use crate::ServeArgs;
use crate::commands::service_message;
use anyhow::{Context, Result};
use dangjian_service::Services;
use dangjian_service::audit::{SYSTEM, checkpoint, with_source};
use dangjian_web::transport::Transport;
use std::net::SocketAddr;
use std::process::ExitCode;

/// How often `serve` announces newly escalated overdue work items.
const ESCALATION_TICK: std::time::Duration = std::time::Duration::from_mins(10);
/// How often `serve` checks whether an audit checkpoint is due.
const CHECKPOINT_TICK: std::time::Duration = std::time::Duration::from_mins(1);

/// Serves the application; `index_fresh` when the full-text index was just
/// built (else it is checked and rebuilt in the background when stale).
pub async fn serve(svc: Services, args: &ServeArgs, index_fresh: bool) -> Result<ExitCode> {
    // Install the built-in policy profile on a database that has none yet,
    // before the first request needs it.
    with_source(SYSTEM, dangjian_service::policy::active(&svc))
        .await
        .map_err(|e| anyhow::anyhow!(service_message(&e)))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            // ring is the only provider compiled in; installing it is
            // idempotent for our purposes (a second install just fails).
            let _ = rustls::crypto::ring::default_provider().install_default();
            Some(
                axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                    .await
                    .with_context(|| {
                        format!(
                            "无法读取 TLS 证书 {} 或私钥 {}",
                            cert.display(),
                            key.display()
                        )
                    })?,
            )
        }
        _ => None,
    };
    let transport = Transport {
        https: tls.is_some() || args.behind_https,
        trust_forwarded: args.behind_https,
    };
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("无法监听 {}", args.listen))?;
    let addr = listener.local_addr()?;
    if !transport.https {
        tracing::warn!(
            %addr,
            "serving plain HTTP: listen only on loopback (127.0.0.1) or behind a TLS-terminating \
             reverse proxy (--behind-https); use --tls-cert/--tls-key to serve HTTPS directly"
        );
    } else if args.behind_https && !addr.ip().is_loopback() {
        tracing::warn!(
            %addr,
            "--behind-https trusts X-Forwarded-For: listen on loopback or a network only the proxy reaches"
        );
    }
    if !index_fresh {
        rebuild_index_if_stale(&svc);
    }
    escalate_in_background(&svc);
    checkpoint_in_background(&svc);
    // Changes to what the warnings read re-evaluate the county in the
    // background, a few seconds after a burst of changes settles.
    dangjian_service::reeval::start(&svc, dangjian_service::reeval::DEFAULT_DEBOUNCE);
    let scheme = if tls.is_some() { "https" } else { "http" };
    println!("党建工作平台已启动：{scheme}://{addr}/");
    let app = dangjian_web::app(dangjian_web::AppState::new(svc.clone()).with_transport(transport))
        .into_make_service_with_connect_info::<SocketAddr>();
    if let Some(config) = tls {
        let handle = axum_server::Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stopper.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        axum_server::from_tcp_rustls(listener.into_std()?, config)?
            .handle(handle)
            .serve(app)
            .await?;
    } else {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
    }
    if let Err(e) = checkpoint::write(&svc, "stop").await {
        tracing::error!(error = %e, "audit checkpoint at stop failed");
    }
    svc.store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Rebuilds the full-text index in the background when it is new or does
/// not match the records table; pages are served meanwhile (searches see
/// the old index until the rebuild commits).
fn rebuild_index_if_stale(svc: &Services) {
    let svc = svc.clone();
    tokio::spawn(async move {
        match dangjian_service::records::index_is_stale(&svc).await {
            Ok(false) => {}
            Ok(true) => {
                let started = std::time::Instant::now();
                match dangjian_service::records::rebuild_index(&svc).await {
                    Ok(n) => tracing::info!(
                        records = n,
                        seconds = started.elapsed().as_secs_f64(),
                        "full-text index rebuilt"
                    ),
                    Err(e) => tracing::error!(error = %e, "full-text index rebuild failed"),
                }
            }
            Err(e) => tracing::error!(error = %e, "cannot check the full-text index"),
        }
    });
}

/// Announces escalations of overdue work items (督办升级) at start and then
/// every ten minutes, in the background: one notice per item and step,
/// however often it runs. The same tick brings the records index up to the
/// record-type labels in force.
fn escalate_in_background(svc: &Services) {
    let svc = svc.clone();
    tokio::spawn(with_source(SYSTEM, async move {
        let mut tick = tokio::time::interval(ESCALATION_TICK);
        loop {
            tick.tick().await;
            match dangjian_service::work::escalate::sweep(&svc).await {
                Ok(r) if r.escalated > 0 => {
                    tracing::info!(
                        escalated = r.escalated,
                        overdue = r.overdue,
                        "work items escalated"
                    );
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "work item escalation failed"),
            }
            // A profile version that takes effect today may rename record
            // types: the index holds the labels in force (a no-op when they
            // are the index's already).
            dangjian_service::records::relabel_in_background(&svc);
        }
    }));
}

/// Anchors the audit chain's head in the checkpoint file at start, then
/// whenever one is due (every 1,000 rows, at least daily).
fn checkpoint_in_background(svc: &Services) {
    let svc = svc.clone();
    tokio::spawn(async move {
        match checkpoint::write(&svc, "start").await {
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "audit checkpoint at start failed"),
        }
        let mut tick = tokio::time::interval(CHECKPOINT_TICK);
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = checkpoint::write_if_due(&svc).await {
                tracing::error!(error = %e, "audit checkpoint failed");
            }
        }
    });
}
