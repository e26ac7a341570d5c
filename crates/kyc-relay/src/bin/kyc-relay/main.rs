//! `kyc-relay`: runs the reference host backend.
//!
//! `kyc-relay --sandbox` alone starts a relay for the local sandbox, with its built-in
//! credentials; without `--sandbox` every credential must be given (see `kyc_relay::secrets`).

mod args;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kyc_core::Provider;
use kyc_relay::provider::{ProviderA, ProviderAdapter, ProviderB, ProviderC, ProviderD};
use kyc_relay::store::Store;
use kyc_relay::{app, AppState};

use args::{parse_args, USAGE};

/// Waits for SIGTERM (what a service manager or an orchestrator sends) or Ctrl-C.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
                return;
            }
            Err(err) => tracing::warn!(%err, "cannot listen for SIGTERM; Ctrl-C only"),
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn main() {
    // The child that parses one PDF (`kyc_relay::pdf`): before the runtime and the logs.
    if std::env::args().nth(1).as_deref() == Some(kyc_relay::pdf::CHILD_ARGUMENT) {
        kyc_relay::pdf::run_child();
    }
    relay();
}

#[tokio::main]
async fn relay() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,kyc_relay=info".into()),
        )
        .init();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        // Asked for: on stdout, and a success.
        Ok(None) => {
            println!("{USAGE}");
            return;
        }
        Err(message) => {
            eprintln!("kyc-relay: {message}\n");
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    let mut args = args;
    // Each PDF is parsed in a child of this binary, limited in memory and time.
    match std::env::current_exe() {
        Ok(program) => args.config.pdf_parser = kyc_relay::pdf::PdfParser::Child { program },
        Err(err) => {
            tracing::warn!(%err, "cannot name this binary: PDFs are parsed in this process, without a memory limit")
        }
    }
    let store = Store::open_any(&args.database, args.database_pool)
        .await
        .unwrap_or_else(|err| {
            eprintln!(
                "kyc-relay: cannot open the database {}: {err}",
                kyc_relay::store::redacted(&args.database)
            );
            std::process::exit(1);
        });
    tracing::info!(
        database = store.kind(),
        instance = store.instance(),
        "database open"
    );
    let timeout = Duration::from_secs(30);
    let mut providers: HashMap<Provider, Arc<dyn ProviderAdapter>> = HashMap::new();
    let mut technest = None;
    if let Some((url, key)) = &args.providers.d {
        let provider_d = ProviderD::new(url, key, timeout).with_storage_hosts(&args.storage_hosts);
        technest = Some(provider_d.clone());
        providers.insert(Provider::D, Arc::new(provider_d));
    }
    // C's checks run at Technest (D), which takes the documents (see `provider::c`).
    if let (Some((url, key)), Some(technest)) = (&args.providers.c, technest) {
        providers.insert(
            Provider::C,
            Arc::new(ProviderC::new(url, key, technest, timeout)),
        );
    }
    if let Some((url, key)) = &args.providers.b {
        providers.insert(Provider::B, Arc::new(ProviderB::new(url, key, timeout)));
    }
    if let Some((url, id, secret)) = &args.providers.a {
        providers.insert(
            Provider::A,
            Arc::new(
                ProviderA::new(url, id, secret, timeout).with_storage_hosts(&args.storage_hosts),
            ),
        );
    }
    let state = AppState::new(args.config, store, providers).unwrap_or_else(|err| {
        eprintln!("kyc-relay: {err}");
        std::process::exit(1);
    });
    // The retention purge (now, then hourly) and the host notifications.
    let _background = kyc_relay::background::start(&state);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .unwrap_or_else(|err| {
            eprintln!("kyc-relay: cannot listen on {}: {err}", args.listen);
            std::process::exit(1);
        });
    println!(
        "kyc-relay listening on http://{}",
        listener.local_addr().expect("bound")
    );
    kyc_relay::spawn_reconciler(state.clone()).await;
    let stopping = state.clone();
    let timeouts = kyc_relay::ConnectionTimeouts::of(state.config());
    let served = kyc_relay::serve(listener, app(state.clone()), timeouts, async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing the requests and work in flight");
        stopping.begin_shutdown();
    });
    // Requests in flight end, then detached work (an attach, an upload whose client left);
    // past the grace period whatever is left is dropped (the reconciler reopens a submit).
    let finished = async {
        served.await;
        state.drain().await;
    };
    let grace = state.config().shutdown_grace;
    tokio::select! {
        () = finished => {
            state.step_down().await;
            tracing::info!("shut down");
        }
        () = async {
            state.stopping().await;
            tokio::time::sleep(grace).await;
        } => tracing::warn!("shutdown grace period over; work still in flight is dropped"),
    }
}
