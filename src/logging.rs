//! Log set-up shared by the binaries: `RUST_LOG` picks what is logged; colours only on a
//! terminal (a log file or a container log stays plain text); `TIM_LOG_FORMAT=json` writes
//! one JSON object per line for log collectors. Spans (e.g. a request's `Transaction-Id`)
//! are part of every line in both formats. `TIM_LOG_SPANS=1` also logs each span's busy and
//! idle time when it closes: where a slow request spent its time, without a profiler.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Services (the driver): logs on standard output, where a container or a supervisor looks.
pub fn init(default_filter: &str) {
    init_with(default_filter, std::io::stdout, std::io::stdout().is_terminal());
}

/// A command line: logs on standard error, so that its output stays what scripts read.
pub fn init_cli(default_filter: &str) {
    init_with(default_filter, std::io::stderr, std::io::stderr().is_terminal());
}

fn init_with<W>(default_filter: &str, writer: W, ansi: bool)
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::new(std::env::var("RUST_LOG").unwrap_or_else(|_| default_filter.into()));
    let spans = if std::env::var("TIM_LOG_SPANS").is_ok_and(|v| v == "1") {
        FmtSpan::CLOSE
    } else {
        FmtSpan::NONE
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_writer(writer);
    if std::env::var("TIM_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().with_current_span(true).with_span_list(true).init();
    } else {
        builder.with_ansi(ansi).init();
    }
}
