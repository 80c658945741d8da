//! The explain command's method flags, made from the method registry: `--method`, `--target`,
//! `--batch-size` and one flag per method parameter (`--samples`, `--noise`, `--steps`, ...),
//! each with the registry's help, default and range. A new method's parameters appear here
//! without an edit.

use std::path::Path;

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use serde_json::Value;

use saliency::attribution::MethodOptions;
use saliency::attribution::registry::{self, METHODS, ParamKind};
use saliency::spec::InputSpec;
use saliency::{Error, Result};

/// Flags as given (text), turned into checked `MethodOptions` once the dataset is known.
#[derive(Clone, Debug, Default)]
pub struct MethodArgs {
    method: String,
    given: Vec<(&'static str, String)>,
}

fn describe(kind: &ParamKind) -> String {
    match kind {
        ParamKind::Int { min, max, default } => format!("whole number {min}..={max} [default: {default}]"),
        ParamKind::Float { min, max, default, .. } => format!("number in [{min}, {max}] [default: {default}]"),
        ParamKind::Choice { choices, default } => format!("one of {} [default: {default}]", choices.join(", ")),
        ParamKind::Method { default } => format!("a method id [default: {default}]"),
        ParamKind::Layer { .. } => "a node name (saliency inspect lists them) [default: the last Conv's output after its activation; the tutorial's conv1 and conv2 are after their ReLU]".into(),
        ParamKind::Image { named, default } => {
            format!("{} or a float32 .npy shaped like the input [default: {default}]", named.join(", "))
        }
    }
}

impl Args for MethodArgs {
    fn augment_args(cmd: Command) -> Command {
        let ids: Vec<&str> = METHODS.iter().map(|m| m.id).collect();
        let mut cmd = cmd
            .arg(
                Arg::new("method")
                    .long("method")
                    .default_value("vanilla")
                    .help(format!("Attribution method: {}", ids.join(", "))),
            )
            .arg(
                Arg::new("target").long("target").help("Class to explain, 0..classes-1 [default: the predicted class]"),
            )
            .arg(Arg::new("batchSize").long("batch-size").help("Images per batch through the network (capped at 64)"));
        for p in registry::all_params() {
            let users: Vec<&str> =
                METHODS.iter().filter(|m| m.params.iter().any(|q| q.key == p.key)).map(|m| m.id).collect();
            cmd = cmd.arg(Arg::new(p.key).long(p.flag()).help(format!(
                "{} ({}): {}; {}",
                p.label,
                users.join(", "),
                p.help,
                describe(&p.kind)
            )));
        }
        cmd
    }
    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for MethodArgs {
    fn from_arg_matches(m: &ArgMatches) -> std::result::Result<Self, clap::Error> {
        let mut out =
            MethodArgs { method: m.get_one::<String>("method").cloned().unwrap_or_default(), given: Vec::new() };
        for key in ["target", "batchSize"].into_iter().chain(registry::all_params().iter().map(|p| p.key)) {
            if let Some(v) = m.get_one::<String>(key) {
                out.given.push((key, v.clone()));
            }
        }
        Ok(out)
    }
    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> std::result::Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl MethodArgs {
    /// The flags as checked options; an image parameter that is not a name is read as a .npy file.
    pub fn options(
        &self,
        spec: &InputSpec,
        read_npy: impl Fn(&Path, &InputSpec) -> Result<Vec<f32>>,
    ) -> Result<MethodOptions> {
        let mut o = MethodOptions::new(&self.method)?;
        for (key, text) in &self.given {
            let flag = format!(
                "--{}",
                if *key == "batchSize" {
                    "batch-size".to_string()
                } else {
                    registry::param(key).map_or(key.to_string(), |p| p.flag())
                }
            );
            let number = |t: &str| -> Result<Value> {
                t.parse::<u64>()
                    .map(Value::from)
                    .or_else(|_| t.parse::<f64>().map(Value::from))
                    .map_err(|_| Error::Options(format!("{flag}: '{t}' is not a number")))
            };
            let value = match (*key, registry::param(key).map(|p| p.kind)) {
                ("target" | "batchSize", _) | (_, Some(ParamKind::Int { .. } | ParamKind::Float { .. })) => {
                    number(text)?
                }
                (_, Some(ParamKind::Image { named, .. })) if !named.contains(&text.as_str()) => {
                    Value::from(read_npy(Path::new(text), spec)?.into_iter().map(|v| v as f64).collect::<Vec<f64>>())
                }
                _ => Value::from(text.as_str()),
            };
            o.set(key, value).map_err(|e| {
                let detail = e.detail();
                Error::Options(format!("{flag}: {}", detail.strip_prefix(&format!("{key}: ")).unwrap_or(&detail)))
            })?;
        }
        Ok(o)
    }
}
