use clap::Parser;

use vmdeck::cli::{self, Cli};

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let _log = cli::init_logging(&cli.log_level);
    if let Err(f) = cli::run(cli).await {
        eprintln!("vmdeck: {}", f.message);
        std::process::exit(f.code);
    }
}
