//! What the kernel knows about the running system (WIT `system-info`): the generated call and
//! its topics, and [`topic_name`].
//!
//! ```ignore
//! match system_info::report(Topic::Tasks) {
//!     // One line per component, `\n`-separated, no trailing newline.
//!     Ok(text) => for line in text.split('\n') { Line::new("me: ").str(line).info() },
//!     Err(error) => Line::new("me: tasks: ").str(error_name(error)).warn(),
//! }
//! ```
//!
//! Needs the `system-info` grant (read); without it every report is `denied`.

pub use crate::bindings::ruvix::host::system_info::{Topic, report};

/// The name of `topic` as written in the WIT (`uptime`, `tasks`, `queues`, `log`).
pub fn topic_name(topic: Topic) -> &'static str {
    match topic {
        Topic::Uptime => "uptime",
        Topic::Tasks => "tasks",
        Topic::Queues => "queues",
        Topic::Log => "log",
    }
}

#[cfg(test)]
mod tests {
    use super::{Topic, topic_name};

    #[test]
    fn topic_names_are_the_wit_names() {
        assert_eq!(topic_name(Topic::Uptime), "uptime");
        assert_eq!(topic_name(Topic::Tasks), "tasks");
        assert_eq!(topic_name(Topic::Queues), "queues");
        assert_eq!(topic_name(Topic::Log), "log");
    }
}
