//! `localnet`: a local Solana node for CyxWiz. A real bank with JobEscrow
//! (native) and the SPL Token/ATA programs, served over the standard JSON-RPC
//! (HTTP, default 127.0.0.1:8899) and PubSub (WebSocket, default port + 1), so
//! that unmodified @solana/web3.js and @coral-xyz/anchor clients work.

mod chain;
mod encoding;
mod error;
mod http;
mod pubsub;
mod rpc;

use std::{net::SocketAddr, process::ExitCode, time::Duration};

use tokio::net::TcpListener;

const USAGE: &str =
    "usage: localnet [--bind ADDR] [--rpc-port PORT] [--ws-port PORT] [--slot-ms MS]\n\
  defaults: --bind 127.0.0.1 --rpc-port 8899 --ws-port RPC_PORT+1 --slot-ms 400\n\
  --slot-ms: slot length; a blockhash is valid for 150 slots (shorter slots for expiry tests)";

struct Options {
    bind: String,
    rpc_port: u16,
    ws_port: Option<u16>,
    slot_duration: Duration,
}

fn parse_args() -> Result<Options, String> {
    let mut options = Options {
        bind: "127.0.0.1".into(),
        rpc_port: 8899,
        ws_port: None,
        slot_duration: cyxwiz_bank::DEFAULT_SLOT_DURATION,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--bind" => options.bind = value("--bind")?,
            "--rpc-port" => {
                options.rpc_port = value("--rpc-port")?
                    .parse()
                    .map_err(|_| "--rpc-port must be a port number")?
            }
            "--ws-port" => {
                options.ws_port = Some(
                    value("--ws-port")?
                        .parse()
                        .map_err(|_| "--ws-port must be a port number")?,
                )
            }
            "--slot-ms" => {
                let ms: u64 = value("--slot-ms")?
                    .parse()
                    .map_err(|_| "--slot-ms must be a number of milliseconds")?;
                if ms == 0 {
                    return Err("--slot-ms must be at least 1".into());
                }
                options.slot_duration = Duration::from_millis(ms);
            }
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(options)
}

async fn listen(bind: &str, port: u16, what: &str) -> Result<TcpListener, String> {
    let addr: SocketAddr = format!("{bind}:{port}")
        .parse()
        .map_err(|_| format!("--bind {bind:?} is not an IP address"))?;
    TcpListener::bind(addr).await.map_err(|e| {
        format!("cannot listen for {what} on {addr}: {e}. Is another localnet running? Stop it or pick another port with --rpc-port.")
    })
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    if std::env::var_os("RUST_LOG").is_none() {
        std::env::set_var("RUST_LOG", "error");
    }
    let ws_port = options
        .ws_port
        .unwrap_or(options.rpc_port.saturating_add(1));
    let (rpc_listener, ws_listener) = match tokio::try_join!(
        listen(&options.bind, options.rpc_port, "JSON-RPC"),
        listen(&options.bind, ws_port, "PubSub")
    ) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let chain = chain::Chain::start(options.slot_duration).await;
    let rpc = axum::serve(rpc_listener, http::router(chain.clone()))
        .with_graceful_shutdown(shutdown_signal());
    let ws = axum::serve(ws_listener, pubsub::router(chain.clone()))
        .with_graceful_shutdown(shutdown_signal());
    println!(
        "localnet ready rpc=http://{bind}:{rpc_port} ws=ws://{bind}:{ws_port} program={program} faucet={faucet} methods={methods}",
        bind = options.bind,
        rpc_port = options.rpc_port,
        program = cyxwiz_bank::JOB_ESCROW_ID,
        faucet = chain.faucet(),
        methods = rpc::methods().count(),
    );
    let result = tokio::try_join!(async { rpc.await }, async { ws.await });
    match result {
        Ok(_) => {
            println!("localnet stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: server failed: {e}");
            ExitCode::FAILURE
        }
    }
}
