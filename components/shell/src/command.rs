//! The shell's commands: what a typed line asks for, and how a report's text splits into log
//! lines.

use ruvix_guest::system_info::Topic;

/// The help text, one log line.
pub const HELP: &str = "shell: commands: help, uptime, tasks, queues, log";

/// What a line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command<'a> {
    /// `help`: the list of commands.
    Help,
    /// `uptime`, `tasks`, `queues`, `log`: the kernel's report on that topic.
    Report(Topic),
    /// Anything else: the line without its surrounding spaces.
    Unknown(&'a str),
}

/// The command `line` asks for: its text without surrounding whitespace, matched exactly
/// (lower case). `None` for a line of nothing but whitespace.
pub fn parse(line: &str) -> Option<Command<'_>> {
    let word = line.trim();
    Some(match word {
        "" => return None,
        "help" => Command::Help,
        "uptime" => Command::Report(Topic::Uptime),
        "tasks" => Command::Report(Topic::Tasks),
        "queues" => Command::Report(Topic::Queues),
        "log" => Command::Report(Topic::Log),
        _ => Command::Unknown(word),
    })
}

/// The lines of a report (`\n`-separated), each without a trailing `\r`, empty ones left out.
pub fn report_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter(|line| !line.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{Command, HELP, parse, report_lines};
    use ruvix_guest::system_info::Topic;

    #[test]
    fn the_commands() {
        assert_eq!(parse("help"), Some(Command::Help));
        assert_eq!(parse("uptime"), Some(Command::Report(Topic::Uptime)));
        assert_eq!(parse("tasks"), Some(Command::Report(Topic::Tasks)));
        assert_eq!(parse("queues"), Some(Command::Report(Topic::Queues)));
        assert_eq!(parse("log"), Some(Command::Report(Topic::Log)));
    }

    #[test]
    fn surrounding_whitespace_is_ignored_and_blank_lines_are_nothing() {
        assert_eq!(parse("  tasks "), Some(Command::Report(Topic::Tasks)));
        assert_eq!(parse(""), None);
        assert_eq!(parse("   "), None);
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_eq!(parse("Help"), Some(Command::Unknown("Help")));
        assert_eq!(parse(" reboot now "), Some(Command::Unknown("reboot now")));
        assert_eq!(parse("tasks x"), Some(Command::Unknown("tasks x")));
        assert_eq!(parse("?[A"), Some(Command::Unknown("?[A")));
    }

    #[test]
    fn every_command_in_the_help_is_known() {
        let list = HELP.strip_prefix("shell: commands: ").unwrap();
        for name in list.split(", ") {
            assert!(!matches!(parse(name), Some(Command::Unknown(_)) | None));
        }
        assert_eq!(list.split(", ").count(), 5);
    }

    #[test]
    fn report_lines_split_on_newlines_without_empty_ones() {
        let text = "sensor: running, 0 restarts\nfilter: running, 0 restarts";
        assert_eq!(
            report_lines(text).collect::<Vec<_>>(),
            ["sensor: running, 0 restarts", "filter: running, 0 restarts"]
        );
        assert_eq!(
            report_lines("uptime 1.5 s\r\n\n").collect::<Vec<_>>(),
            ["uptime 1.5 s"]
        );
        assert_eq!(report_lines("").count(), 0);
    }
}
