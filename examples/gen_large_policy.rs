//! `cargo run --example gen_large_policy -- DIR`: writes the benchmarks' large policy
//! (500 services, 5,000 rules, fixed seed) into DIR and prints which services to ask
//! about, one `key=value` a line (for `bench/http.sh` and people alike).

#[path = "../benches/generate/large_policy.rs"]
mod large_policy;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        eprintln!(
            "usage: gen_large_policy DIR  (the policy directory to write; created if missing)"
        );
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    match large_policy::generate(&dir, large_policy::FULL) {
        Ok(s) => {
            println!("dir={}", dir.display());
            println!("rules={}", s.rules);
            println!("services={}", s.services);
            println!("env={}", large_policy::ENV);
            println!("heaviest={}", s.heaviest.0);
            println!("heaviest_rules={}", s.heaviest.1);
            println!("light={}", s.light.0);
            println!("light_rules={}", s.light.1);
            for (kind, n) in &s.kinds {
                println!("kind.{kind}={n}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("gen_large_policy: cannot write {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
