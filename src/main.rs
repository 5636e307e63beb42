use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = meldpunt::cli::Cli::parse();
    match meldpunt::cli::run(cli).await {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("meldpunt: {e}");
            std::process::exit(1);
        }
    }
}
