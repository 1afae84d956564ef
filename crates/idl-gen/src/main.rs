//! `idl-gen write` regenerates `idl/job_escrow.json` from the program source;
//! `idl-gen check` fails when the committed IDL no longer matches the program.
//!
//! This is what `anchor build` does for the IDL (the program's `idl-build`
//! feature, run as a host test), without needing the SBF toolchain.

use std::{path::PathBuf, process::ExitCode};

use anchor_lang_idl::build::IdlBuilder;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn build_idl() -> Result<String, String> {
    let program = repo_root().join("programs/job-escrow");
    // Its own target dir: the `idl-build` feature set must not evict the
    // regular build of the program from the shared one.
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("target"))
        .join("idl-build");
    std::env::set_var("CARGO_TARGET_DIR", target);
    // anchor-lang-idl passes `+{toolchain}` to cargo when RUSTUP_TOOLCHAIN is
    // set, and sets RUSTFLAGS, which would invalidate every cached dependency.
    // An explicit (empty) CARGO_ENCODED_RUSTFLAGS takes precedence over it.
    std::env::remove_var("RUSTUP_TOOLCHAIN");
    std::env::set_var("CARGO_ENCODED_RUSTFLAGS", "");
    let idl = IdlBuilder::new()
        .program_path(program)
        .cargo_args(vec!["--lib".into()])
        .build()
        .map_err(|e| format!("IDL build failed: {e}"))?;
    let mut json = serde_json::to_string_pretty(&idl).map_err(|e| e.to_string())?;
    json.push('\n');
    Ok(json)
}

fn main() -> ExitCode {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let target = repo_root().join("idl/job_escrow.json");
    let fresh = match build_idl() {
        Ok(json) => json,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match mode.as_str() {
        "write" => {
            std::fs::create_dir_all(target.parent().unwrap()).expect("create idl/");
            std::fs::write(&target, fresh).expect("write idl/job_escrow.json");
            println!("wrote {}", target.display());
            ExitCode::SUCCESS
        }
        "check" => {
            let committed = std::fs::read_to_string(&target).unwrap_or_default();
            if committed == fresh {
                println!("idl/job_escrow.json matches the program");
                ExitCode::SUCCESS
            } else {
                eprintln!(
                    "error: idl/job_escrow.json is out of date with programs/job-escrow.\n\
                     Fix: run `cargo run -p idl-gen -- write` and commit the result."
                );
                ExitCode::FAILURE
            }
        }
        _ => {
            eprintln!("usage: idl-gen write|check");
            ExitCode::from(2)
        }
    }
}
