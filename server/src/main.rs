//! `cipherflow`: the command line (see `cli.rs`).

use cipherflow_server::cli::{self, Command};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match cli::parse(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cipherflow: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let serve = match command {
        Command::Help => {
            print!("{}", cli::HELP);
            return std::process::ExitCode::SUCCESS;
        }
        Command::Version => {
            println!("cipherflow {}", env!("CARGO_PKG_VERSION"));
            return std::process::ExitCode::SUCCESS;
        }
        Command::Serve(a) => a,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cipherflow: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::serve(serve)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cipherflow: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
