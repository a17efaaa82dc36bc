//! `outpost witness`: a C2SP `tlog-witness` on loopback that cosigns the checkpoints of the
//! ledgers it follows, and only ones that extend what it cosigned before (docs/adr/0013). The
//! witness itself is `outpost_ledger::witness`; this is its command line.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use outpost_ledger::witness::{self, Witness};

use crate::error::Error;
use crate::ledger::{init_logging, make_private_dir, shutdown_signal};

#[derive(Debug, Args)]
pub struct WitnessArgs {
    /// Directory of the witness's key and state (made if missing, readable by its owner only)
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// Address to listen on; port 0 picks a free port
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7400")]
    listen: SocketAddr,
    /// The checkpoint verifier key of a ledger to follow, as `outpost ledger serve` prints it
    /// (repeatable)
    #[arg(long = "log", value_name = "VKEY", required = true)]
    logs: Vec<String>,
    /// The key name of the witness's cosignatures [default: outpost-witness/<its key in hex>]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
}

pub fn run(args: WitnessArgs) -> Result<(), Error> {
    make_private_dir(&args.dir)?;
    init_logging()?;
    let witness = Witness::open(&args.dir, args.name.as_deref(), &args.logs)
        .map_err(|e| Error::Refused(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Refused(format!("cannot start the witness's runtime: {e}")))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| Error::Refused(format!("cannot listen on {}: {e}", args.listen)))?;
        let address = listener
            .local_addr()
            .map_err(|e| Error::Refused(format!("cannot read the listening address: {e}")))?;
        let shutdown = shutdown_signal()?;
        println!("Witness in {} following {} log(s)", args.dir.display(), args.logs.len());
        println!("witness key: {}", witness.verifier_key());
        println!("listening on http://{address}");
        let _ = std::io::stdout().flush();
        witness::serve(listener, Arc::new(witness), shutdown)
            .await
            .map_err(|e| Error::Refused(format!("the witness stopped: {e}")))?;
        println!("Witness stopped.");
        Ok(())
    })
}
