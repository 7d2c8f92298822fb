//! `rvf`: make, sign, verify and inspect RVF packages. The work is in the library (`src/lib.rs`);
//! this file is the command line.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ruvix_rvf_tool::{Failure, inspect, keygen, pack, verify, witness};

#[derive(Parser)]
#[command(
    name = "rvf",
    version,
    about = "Make, sign, verify and inspect RVF packages (signed bundles of WebAssembly \
             components for ruvix-pi)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate an ML-DSA-65 key pair: DIR/NAME.sk (secret) and DIR/NAME.pk (public).
    Keygen {
        /// Directory to write the key files to (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Base name of the key files.
        #[arg(long, default_value = "signing")]
        name: String,
        /// Overwrite existing key files.
        #[arg(long)]
        force: bool,
    },
    /// Check a TOML manifest and its wasm files, and write a signed package.
    Pack {
        /// The system manifest (TOML).
        manifest: PathBuf,
        /// The secret key to sign with (a .sk file from `rvf keygen`).
        #[arg(long, value_name = "SK")]
        key: PathBuf,
        /// Where the wasm files named in the manifest are [default: the manifest's directory].
        #[arg(long, value_name = "DIR")]
        wasm_dir: Option<PathBuf>,
        /// The package to write.
        #[arg(short, long, value_name = "OUT.rvf")]
        out: PathBuf,
    },
    /// Check a package as the firmware's stage 1 does: structure, key, hashes, signature,
    /// manifest, entry points.
    Verify {
        /// The package.
        package: PathBuf,
        /// The public key the firmware trusts (a .pk file).
        #[arg(long, value_name = "PK")]
        pubkey: PathBuf,
    },
    /// Show what a package holds, as a tree (or JSON).
    Inspect {
        /// The package.
        package: PathBuf,
        /// Also check the signature with this public key.
        #[arg(long, value_name = "PK")]
        pubkey: Option<PathBuf>,
        /// Print JSON instead of a tree.
        #[arg(long)]
        json: bool,
    },
    /// Witness-log tools.
    Witness {
        #[command(subcommand)]
        command: WitnessCommand,
    },
}

#[derive(Subcommand)]
enum WitnessCommand {
    /// Check a witness-log dump in a decoded boot log: recompute the hash chain from its
    /// anchor and report the first bad entry.
    Verify {
        /// The decoded log (`-` for standard input), e.g. saved from `just run | tee boot.log`.
        log: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let (name, result) = match cli.command {
        Command::Keygen { out, name, force } => (
            "keygen",
            keygen::keygen(&out, &name, force).map(|r| {
                println!("wrote {} (secret: keep it private)", r.secret.display());
                println!("wrote {} (public key {})", r.public.display(), r.key_id);
                true
            }),
        ),
        Command::Pack {
            manifest,
            key,
            wasm_dir,
            out,
        } => (
            "pack",
            pack::pack(&pack::PackOptions {
                manifest,
                key,
                wasm_dir,
                out,
            })
            .map(|r| {
                for warning in &r.warnings {
                    eprintln!("{warning}");
                }
                let names: Vec<&str> = r.components.iter().map(|(n, _)| n.as_str()).collect();
                println!(
                    "packed system \"{}\" into {} ({} bytes): {} components ({}), signed with key {}",
                    r.system,
                    r.out.display(),
                    r.size,
                    names.len(),
                    names.join(", "),
                    r.key_id
                );
                true
            }),
        ),
        Command::Verify { package, pubkey } => (
            "verify",
            verify::verify(&package, &pubkey).map(|r| {
                println!(
                    "{}: OK: signature verifies with public key {}, all hashes match; system \
                     \"{}\", {} components, manifest valid for {}",
                    package.display(),
                    r.key_id,
                    r.system,
                    r.components,
                    r.boards.join(", ")
                );
                true
            }),
        ),
        Command::Inspect {
            package,
            pubkey,
            json,
        } => (
            "inspect",
            inspect::inspect(&package, pubkey.as_deref(), json).map(|r| {
                print!("{}", r.output);
                if json {
                    println!();
                }
                r.ok
            }),
        ),
        Command::Witness {
            command: WitnessCommand::Verify { log },
        } => (
            "witness verify",
            witness::verify(&log).map(|summary| {
                println!("{}", summary.to_string().trim_end());
                println!("{}: OK: witness chain verifies", log.display());
                true
            }),
        ),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(Failure { lines }) => {
            for line in &lines {
                eprintln!("{line}");
            }
            let count = lines.len();
            if count > 1 {
                eprintln!("rvf {name}: {count} problems");
            }
            if name == "pack" {
                eprintln!("rvf pack: no package written");
            }
            ExitCode::FAILURE
        }
    }
}
