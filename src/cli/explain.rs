use clap::Args;

use saliency::Result;

#[derive(Args)]
pub struct ExplainArgs {}

pub fn run(_a: ExplainArgs) -> Result<()> {
    Ok(())
}
