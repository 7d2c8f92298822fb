//! The log budget with the real components (`components/log-flood.toml`): the flooders' lines
//! beyond their budgets are dropped and counted, their calls still succeed (they keep
//! running), and the pipeline's components lose nothing.

mod common;

use common::{TICKS_PER_SECOND, mount_components, step};

#[test]
fn flooders_are_held_to_their_budgets() {
    common::with_big_stack(|| {
        let (mut runtime, _, manifest) = mount_components("log-flood.toml");
        while runtime.platform().clock < 4 * TICKS_PER_SECOND {
            step(&mut runtime);
        }
        let seconds = runtime.platform().clock / TICKS_PER_SECOND + 1;
        let counts: Vec<_> = runtime
            .log_counts()
            .map(|(name, counts)| (name.to_string(), counts))
            .collect();
        for (decl, (name, counts)) in manifest.components.iter().zip(&counts) {
            assert_eq!(&decl.name, name);
            let budget = decl.log_budget;
            let allowed = u64::from(budget.burst) + u64::from(budget.lines_per_second) * seconds;
            assert!(
                counts.written <= allowed,
                "{name}: {counts:?} over {allowed}"
            );
            if name.starts_with("flood") {
                assert!(counts.dropped > 0, "{name}: {counts:?}");
                // What got through is what the kernel log saw.
                let logged = runtime.platform().lines(name).len() as u64;
                assert_eq!(logged, counts.written, "{name}");
                // ... and every drop was reported to the platform too.
                let reported = runtime
                    .platform()
                    .dropped_logs
                    .iter()
                    .filter(|c| c == &name)
                    .count() as u64;
                assert_eq!(reported, counts.dropped, "{name}");
            } else {
                assert_eq!(counts.dropped, 0, "{name}: {counts:?}");
            }
        }
        // Dropped calls still returned ok: the flooders never faulted.
        for task in runtime.tasks() {
            if task.component.starts_with("flood") {
                assert_eq!(task.stats.faults, 0, "{}", task.component);
                assert!(task.stats.sleeps > 0, "held back: {}", task.component);
            }
        }
        // The pipeline kept moving.
        assert!(runtime.queue_stats()[1].received > 1000);
    });
}
