//! The `certpack` command line. All logic lives in the `certpack` crate; this file parses arguments, prints and
//! writes files.
#![forbid(unsafe_code)]

mod batch;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use certpack::check::{self, CheckOptions, PackOptions, Report, Severity};
use certpack::convert::{ConvertOptions, Form};
use certpack::encode::{Eol, PemStyle};
use certpack::time::Timestamp;
use certpack::{Bundle, Error, ErrorKind, LoadOptions, Params};
use clap::{Args, Parser, Subcommand};
use zeroize::Zeroizing;

/// mimalloc: a device's work is many small buffers, where glibc's allocator cost a fifth of the time
/// (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLES: &str = "\
Examples:
  certpack inspect testdata/aws/rsa
  certpack inspect keys.json --json
  certpack convert testdata/aws/rsa --to der -o out/der
  certpack convert device.key.pem --to pkcs8 --pem -o out
  certpack targets
  certpack pack testdata/aws/rsa --target der -o out/esp
  certpack check testdata/aws/rsa --endpoint a1b2c3-ats.iot.eu-west-1.amazonaws.com

Exit codes:
  0 success (check: no error; warnings and infos are printed)   2 usage error   3 bad input
  4 target/parameter error   5 output refused (exists, or would overwrite an input)
  6 check found errors (check --strict: errors or warnings; pack: refused, nothing written)
  7 batch: some devices failed (the others are complete; see summary.csv)
  130 batch stopped by Ctrl-C (complete folders kept; run the same command again to finish)";

#[derive(Parser)]
#[command(name = "certpack", version, about = "Turn AWS IoT / Azure IoT Hub certificate bundles into what devices and modules expect, and check them first.", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct InputArgs {
    /// Certificate/key files or folders (PEM, DER, AWS CLI JSON, AWS console or Azure folders). Sniffed by content.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    passphrase: PassphraseArgs,
}

/// Where the passphrase of an encrypted key comes from (at most one of the three).
#[derive(Args)]
struct PassphraseArgs {
    /// Passphrase of an encrypted key (other users can read a command line: prefer --passphrase-file or
    /// --passphrase-env).
    #[arg(long, conflicts_with_all = ["passphrase_file", "passphrase_env"])]
    passphrase: Option<String>,
    /// Read the passphrase from the first line of this file.
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    passphrase_file: Option<PathBuf>,
    /// Read the passphrase from this environment variable.
    #[arg(long, value_name = "VAR")]
    passphrase_env: Option<String>,
}

impl PassphraseArgs {
    /// The passphrase given, if any.
    fn read(&self) -> certpack::Result<Option<Zeroizing<String>>> {
        if let Some(p) = &self.passphrase {
            return Ok(Some(Zeroizing::new(p.clone())));
        }
        if let Some(file) = &self.passphrase_file {
            let text = Zeroizing::new(
                std::fs::read_to_string(file)
                    .map_err(|e| Error::from(e).in_path(file.display().to_string()))?,
            );
            return Ok(Some(Zeroizing::new(
                text.lines().next().unwrap_or_default().to_string(),
            )));
        }
        if let Some(var) = &self.passphrase_env {
            return std::env::var(var)
                .map(|p| Some(Zeroizing::new(p)))
                .map_err(|_| {
                    Error::new(
                        ErrorKind::InvalidArgument,
                        format!("the environment variable {var} is not set"),
                        format!("export {var}=... before running certpack"),
                    )
                });
        }
        Ok(None)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Show every item: role, subject, validity, certificate ID, key match, repair notes.
    #[command(after_help = "Example:\n  certpack inspect testdata/aws/rsa --json")]
    Inspect {
        #[command(flatten)]
        input: InputArgs,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write every item in one form (one file per item).
    #[command(
        after_help = "Examples:\n  certpack convert testdata/aws/rsa --to der -o out\n  certpack convert key.pem --to pkcs8 --pem --crlf -o out"
    )]
    Convert {
        #[command(flatten)]
        input: InputArgs,
        /// der | pem | pkcs1 | pkcs8 | sec1 | spki
        #[arg(long, value_name = "FORM")]
        to: String,
        /// For pkcs1/pkcs8/sec1/spki: write PEM instead of DER.
        #[arg(long)]
        pem: bool,
        /// PEM with CRLF line endings.
        #[arg(long)]
        crlf: bool,
        /// PEM without a final line break.
        #[arg(long)]
        no_final_newline: bool,
        /// Output folder.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Replace existing output files (inputs are never overwritten).
        #[arg(long)]
        force: bool,
    },
    /// Write the files for one device target (flash images, headers, AT scripts) plus manifest.json and README.txt.
    /// Runs `certpack check` for the target first and writes nothing when it finds an error (unless --force).
    #[command(
        after_help = "Example:\n  certpack pack testdata/aws/rsa --target der -o out\n  certpack pack testdata/aws/rsa --target pem --param eol=crlf -o out"
    )]
    Pack {
        #[command(flatten)]
        input: InputArgs,
        /// Target name (see `certpack targets`).
        #[arg(long, short)]
        target: String,
        /// Target parameter NAME=VALUE (repeatable).
        #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Output folder.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Write even when the check finds errors (they are recorded in manifest.json), and replace existing
        /// output files (inputs are never overwritten).
        #[arg(long)]
        force: bool,
        /// The endpoint the device connects to, for the root check (default: the target's endpoint parameter).
        #[arg(long, value_name = "HOST")]
        endpoint: Option<String>,
        /// The device's clock, for the validity check (default: the target's typical power-on clock).
        #[arg(long, value_name = "TIME")]
        device_time: Option<String>,
    },
    /// Check a bundle for the mistakes that make devices fail (wrong key, wrong root, clock, chain, file form).
    #[command(after_help = CHECK_HELP)]
    Check {
        #[command(flatten)]
        input: InputArgs,
        /// Check against this target's capabilities and power-on clock (see `certpack targets`).
        #[arg(long, short)]
        target: Option<String>,
        /// The endpoint the device connects to (e.g. a1b2c3-ats.iot.eu-west-1.amazonaws.com, myhub.azure-devices.net).
        #[arg(long, value_name = "HOST")]
        endpoint: Option<String>,
        /// The device's clock: 2024-05-01, 2024-05-01T12:00:00Z or Unix seconds (e.g. 1980-01-06 for a modem RTC).
        #[arg(long, value_name = "TIME")]
        device_time: Option<String>,
        /// Warn when a certificate (roots included) expires within this many days.
        #[arg(long, value_name = "N", default_value_t = check::DEFAULT_EXPIRY_WARNING_DAYS)]
        expiry_days: u32,
        /// Check as if the current time were TIME (default: the system clock).
        #[arg(long, value_name = "TIME")]
        now: Option<String>,
        /// Print JSON: {"findings": [{code, severity, message, hint, path}], "worst", "counts"}.
        #[arg(long)]
        json: bool,
        /// Exit with 6 on warnings too.
        #[arg(long)]
        strict: bool,
    },
    /// Pack a whole fleet: a folder of device folders, or a CSV/JSONL manifest; one output folder per device.
    #[command(
        after_help = "Examples:\n  certpack batch fleet/ --target esp32-at --target quectel -o out\n  certpack batch devices.csv --target der -o out\n  certpack batch fleet/ -t der -t esp32-at --files '*.der' --files 'esp32-at/client_*' -o out\n\nCSV manifest: device_id,inputs[,param:NAME...] (inputs separated by ';', relative to the CSV).\nJSONL manifest: {\"device_id\": \"d1\", \"inputs\": [\"d1/cert.pem\", \"d1/key.pem\"], \"params\": {}} per line.\nExit code 7 when some devices failed (see summary.csv); the others are complete."
    )]
    Batch {
        /// Fleet folder (one sub-folder per device) or manifest (.csv or .jsonl).
        fleet: PathBuf,
        /// Target name (repeatable).
        #[arg(long, short, required = true)]
        target: Vec<String>,
        /// Target parameter NAME=VALUE for every device and every target that has it, or TARGET.NAME=VALUE for one
        /// target (repeatable).
        #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Output folder.
        #[arg(short, long, value_name = "DIR")]
        output: PathBuf,
        /// Write devices whose checks found errors anyway.
        #[arg(long)]
        force: bool,
        /// Write only the outputs matching PATTERN (repeatable): `<target>/<file>` or a bare file name, `*` and `?`
        /// as in the shell, e.g. 'esp32-at/client_*.bin' or '*.der'. Default: every file, with each target's
        /// manifest.json and README.txt (select those by name to keep them).
        #[arg(long, value_name = "PATTERN")]
        files: Vec<String>,
        /// Worker threads (default: all cores).
        #[arg(long, short)]
        jobs: Option<usize>,
        #[command(flatten)]
        passphrase: PassphraseArgs,
    },
    /// List the targets with one line each.
    Targets {
        /// Print JSON (names, families, parameters).
        #[arg(long)]
        json: bool,
    },
}

const CHECK_HELP: &str = "\
Examples:
  certpack check testdata/aws/rsa
  certpack check device/ --endpoint a1b2c3-ats.iot.eu-west-1.amazonaws.com --device-time 1980-01-06
  certpack check device/ --target der --json

Exit codes: 0 no error (warnings and infos are printed), 6 at least one error (--strict: or a warning),
3 the inputs cannot be read, 4 unknown target. Every code is explained in docs/checks.md.";

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("certpack: error[{}]: {e}", e.kind().code());
            ExitCode::from(exit_code(e.kind()))
        }
    }
}

/// Write to stdout; a closed pipe (`certpack targets | head`) ends the program quietly instead of panicking.
fn out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("certpack: cannot write to standard output: {e}");
        std::process::exit(1);
    }
}

fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Target | ErrorKind::Missing => 4,
        ErrorKind::OutputExists => 5,
        ErrorKind::CheckFailed => 6,
        ErrorKind::InvalidArgument => 2,
        _ => 3,
    }
}

fn load(input: &InputArgs) -> certpack::Result<Bundle> {
    let passphrase = input.passphrase.read()?;
    Bundle::load_paths(&input.paths, &LoadOptions { passphrase })
}

pub(crate) fn parse_params(raw: &[String]) -> certpack::Result<Params> {
    let mut params = Params::new();
    for p in raw {
        let (name, value) = p.split_once('=').ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("--param \"{p}\" is not NAME=VALUE"),
                "write it as --param endpoint=abc-ats.iot.eu-west-1.amazonaws.com",
            )
        })?;
        params.set(name.trim(), value.trim());
    }
    Ok(params)
}

fn print_written(paths: &[PathBuf]) {
    for p in paths {
        out(&format!("wrote {}\n", p.display()));
    }
}

fn run(cli: Cli) -> certpack::Result<ExitCode> {
    match cli.command {
        Command::Inspect { input, json } => {
            let bundle = load(&input)?;
            let report = certpack::report::inspect(&bundle);
            if json {
                out(&report.to_json());
            } else {
                out(&report.to_text());
            }
        }
        Command::Convert {
            input,
            to,
            pem,
            crlf,
            no_final_newline,
            output,
            force,
        } => {
            let bundle = load(&input)?;
            let style = PemStyle {
                eol: if crlf { Eol::CrLf } else { Eol::Lf },
                final_newline: !no_final_newline,
            };
            let options = ConvertOptions {
                form: Form::parse(&to)?,
                pem,
                style,
            };
            let artifacts = certpack::convert::convert(&bundle, &options)?;
            let files: Vec<_> = artifacts
                .files
                .iter()
                .map(|a| (a.name.clone(), Zeroizing::new(a.bytes.clone())))
                .collect();
            let written =
                output::write_files(&output, &files, &output::Guard::new(&input.paths, force))?;
            print_written(&written);
            for note in &artifacts.notes {
                eprintln!("note: {note}");
            }
        }
        Command::Pack {
            input,
            target,
            params,
            output,
            force,
            endpoint,
            device_time,
        } => {
            let bundle = load(&input)?;
            let params = parse_params(&params)?;
            let options = PackOptions {
                force,
                endpoint,
                device_time: device_time.as_deref().map(Timestamp::parse).transpose()?,
                now: Some(system_now()),
                expiry_warning_days: None,
            };
            let findings = check::check_for_pack(&bundle, &target, &params, &options)?;
            print_pack_findings(&findings, force);
            let artifacts =
                check::pack_after_check(&bundle, &target, &params, findings, force)?.artifacts;
            let written = output::write_files(
                &output,
                &artifacts.all_files(),
                &output::Guard::new(&input.paths, force),
            )?;
            print_written(&written);
            for note in &artifacts.notes {
                eprintln!("note: {note}");
            }
        }
        Command::Batch {
            fleet,
            target,
            params,
            output,
            force,
            files,
            jobs,
            passphrase,
        } => {
            return batch::run(batch::Args {
                fleet,
                targets: target,
                params: parse_params(&params)?,
                output,
                force,
                files,
                jobs,
                passphrase: passphrase.read()?,
            });
        }
        Command::Check {
            input,
            target,
            endpoint,
            device_time,
            expiry_days,
            now,
            json,
            strict,
        } => {
            let bundle = load(&input)?;
            let options = CheckOptions {
                target: target.as_deref().map(certpack::target::find).transpose()?,
                endpoint,
                device_time: device_time.as_deref().map(Timestamp::parse).transpose()?,
                now: Some(match now {
                    Some(t) => Timestamp::parse(&t)?,
                    None => system_now(),
                }),
                expiry_warning_days: Some(expiry_days),
            };
            let report = Report::new(check::run(&bundle, &options));
            if json {
                out(&report.to_json());
            } else {
                out(&report.to_text(colour_stdout()));
            }
            let fail = match report.worst {
                Some(Severity::Error) => true,
                Some(Severity::Warning) => strict,
                _ => false,
            };
            return Ok(if fail {
                ExitCode::from(6)
            } else {
                ExitCode::SUCCESS
            });
        }
        Command::Targets { json } => {
            let targets = certpack::target::all();
            if json {
                out(&certpack::api::targets_json());
            } else {
                let width = targets.iter().map(|t| t.name().len()).max().unwrap_or(0);
                for t in targets {
                    out(&format!(
                        "{:<width$}  {:<9}  {}\n",
                        t.name(),
                        t.family().name(),
                        t.summary()
                    ));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The system clock, for the time checks (the core never reads it).
fn system_now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Colours only on a terminal, and never with NO_COLOR set (https://no-color.org).
fn colour_stdout() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Before a pack: errors and warnings on stderr (infos are for `certpack check`).
fn print_pack_findings(findings: &[check::Finding], force: bool) {
    for f in findings.iter().filter(|f| f.severity > Severity::Info) {
        let what = if f.severity == Severity::Error && force {
            "error (forced)"
        } else {
            f.severity.name()
        };
        eprintln!("check {what} {}: {}", f.code, f.message);
        eprintln!("    fix: {}", f.hint);
    }
}
