use clap::Parser;

use vmdeck::cli::{self, Cli};

fn main() {
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
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("vmdeck: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(cli::run(cli));
    // Tasks still following operations are dropped here and journal what they last knew;
    // those lines must reach the disk before the process ends.
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    vmdeck::state::flush_journal();
    if let Err(f) = result {
        eprintln!("vmdeck: {}", f.message);
        std::process::exit(f.code);
    }
}
