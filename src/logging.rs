//! Log set-up shared by the binaries: `RUST_LOG` picks what is logged; colours only on a
//! terminal (a log file or a container log stays plain text); `TIM_LOG_FORMAT=json` writes
//! one JSON object per line for log collectors. Spans (e.g. a request's `Transaction-Id`)
//! are part of every line in both formats.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

pub fn init(default_filter: &str) {
    let filter = EnvFilter::new(std::env::var("RUST_LOG").unwrap_or_else(|_| default_filter.into()));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if std::env::var("TIM_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        builder.json().with_current_span(true).with_span_list(true).init();
    } else {
        builder.with_ansi(std::io::stdout().is_terminal()).init();
    }
}
