use clap::Parser;

use vmdeck::cli::{self, Cli};

#[tokio::main]
async fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            eprintln!("vmdeck: {}", cli::usage_error_line(&e));
            std::process::exit(2);
        }
        // --help and --version.
        Err(e) => e.exit(),
    };
    let _log = cli::init_logging(&cli.log_level);
    if let Err(f) = cli::run(cli).await {
        eprintln!("vmdeck: {}", f.message);
        std::process::exit(f.code);
    }
}
