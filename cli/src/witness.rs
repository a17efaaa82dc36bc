//! `outpost witness`: a C2SP `tlog-witness` (HTTP, or HTTPS with `--tls-cert`/`--tls-key`) that cosigns the checkpoints of the
//! ledgers it follows, and only ones that extend what it cosigned before (docs/adr/0013). The
//! witness itself is `outpost_ledger::witness`; this is its command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use outpost_ledger::witness::{self, Witness};

use crate::error::Error;
use crate::ledger::{init_logging, make_private_dir};
use crate::listening::{self, TlsArgs};

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
    #[command(flatten)]
    tls: TlsArgs,
}

pub fn run(args: WitnessArgs) -> Result<(), Error> {
    make_private_dir(&args.dir)?;
    init_logging()?;
    let witness = Witness::open(&args.dir, args.name.as_deref(), &args.logs)?;
    let witness = Arc::new(witness);
    let announce = || {
        println!(
            "Witness in {} following {}",
            args.dir.display(),
            crate::words::count(args.logs.len(), "log", "logs")
        );
        println!("witness key: {}", witness.verifier_key());
    };
    listening::serve("the witness", args.listen, &args.tls, announce, |listener, network, shutdown| {
        witness::serve_on(listener, Arc::clone(&witness), network, shutdown)
    })?;
    println!("Witness stopped.");
    Ok(())
}
