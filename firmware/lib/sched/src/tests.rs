use alloc::vec::Vec;

use super::*;

/// A clock of 1000 ticks per second: one tick per millisecond.
const TPS: u64 = 1000;

fn restart(max_restarts: u32, min_run_ms: u32) -> RestartPolicy {
    RestartPolicy::Restart {
        max_restarts,
        min_run_ms,
    }
}

/// One component per priority, one task each.
fn tasks(priorities: &[u8]) -> Scheduler {
    let mut scheduler = Scheduler::new(TPS);
    for &priority in priorities {
        let component = scheduler.add_component(RestartPolicy::Never, 0);
        scheduler.add_task(component, priority);
    }
    scheduler
}

/// Picks `n` times at a clock that does not move, putting each picked task straight back (a
/// task that never blocks) with a slice of `cost` ticks.
fn run(scheduler: &mut Scheduler, n: usize) -> Vec<u32> {
    (0..n)
        .map(|_| {
            let task = scheduler.pick(0).unwrap();
            scheduler.charge(task, 10);
            assert!(scheduler.ready(task));
            task.0
        })
        .collect()
}

/// Runs `n` slices from tick `clock` on, each task never blocking and its slice costing
/// `cost(task)` ticks, the clock moving by each slice; returns the picks and the end clock.
fn run_timed(
    scheduler: &mut Scheduler,
    mut clock: u64,
    n: usize,
    cost: impl Fn(u32) -> u64,
) -> (Vec<u32>, u64) {
    let mut picks = Vec::new();
    for _ in 0..n {
        let task = scheduler.pick(clock).unwrap();
        let ticks = cost(task.0);
        clock += ticks;
        scheduler.charge(task, ticks);
        assert!(scheduler.ready(task));
        picks.push(task.0);
    }
    (picks, clock)
}

fn count(picks: &[u32], task: u32) -> usize {
    picks.iter().filter(|&&t| t == task).count()
}

#[test]
fn equal_priorities_take_turns_when_their_slices_cost_the_same() {
    let mut scheduler = tasks(&[8, 8, 8]);
    assert_eq!(run(&mut scheduler, 9), [0, 1, 2, 0, 1, 2, 0, 1, 2]);
    assert_eq!(scheduler.slices(), 9);
}

#[test]
fn equal_priorities_share_by_time_used_not_by_turns() {
    // Task 0's slices take 3 ms (long host calls), task 1's 1 ms: turns would give task 0
    // three quarters of the CPU; time used gives each half.
    let mut scheduler = tasks(&[8, 8]);
    let (picks, _) = run_timed(&mut scheduler, 0, 400, |t| if t == 0 { 3 } else { 1 });
    assert_eq!(count(&picks, 0), 100, "{picks:?}");
    assert_eq!(count(&picks, 1), 300);
    assert!(scheduler.used_ticks(0).abs_diff(scheduler.used_ticks(1)) <= 3);
}

#[test]
fn a_more_urgent_ready_task_always_runs_first() {
    // While the urgent task (1) stays ready, the others never run (the clock stands still, so
    // nobody reaches the guaranteed share).
    let mut scheduler = tasks(&[15, 0, 4]);
    assert_eq!(run(&mut scheduler, 6), [1; 6]);
    // Once it blocks, the next most urgent runs.
    let urgent = scheduler.pick(0).unwrap();
    assert!(scheduler.block(urgent, WaitOn::Receive(QueueId(0))));
    assert_eq!(run(&mut scheduler, 3), [2; 3]);
    // Woken, it comes first again.
    scheduler.notify(WaitOn::Receive(QueueId(0)));
    assert_eq!(scheduler.pick(0), Some(TaskId(1)));
}

#[test]
fn a_less_urgent_ready_task_gets_its_guaranteed_share() {
    // A runaway at the top priority (task 0) and a task at the bottom (task 1): 1 ms slices over
    // 2 s. The bottom task runs once per guaranteed-share period, never more.
    let mut scheduler = tasks(&[0, 15]);
    let (picks, clock) = run_timed(&mut scheduler, 0, 2000, |_| 1);
    assert_eq!(clock, 2000);
    let period = u64::from(GUARANTEED_SHARE_MS);
    let low = count(&picks, 1) as u64;
    assert!(
        (2000 / (period + 1)..=2000 / period).contains(&low),
        "{low} slices"
    );
    // ... and they are spread out: one per period.
    let at: Vec<usize> = (0..picks.len()).filter(|&i| picks[i] == 1).collect();
    assert!(at.windows(2).all(|w| w[1] - w[0] >= 100), "{at:?}");
}

#[test]
fn a_waking_component_gets_no_credit_for_its_sleep() {
    let mut scheduler = tasks(&[8, 8]);
    // Task 1 sleeps for 1 s while task 0 runs 1000 slices of 1 ms.
    let sleeper = scheduler.pick(0).unwrap();
    assert_eq!(sleeper, TaskId(0));
    scheduler.charge(sleeper, 0);
    assert!(scheduler.ready(sleeper));
    let sleeper = scheduler.pick(0).unwrap();
    assert_eq!(sleeper, TaskId(1));
    assert!(scheduler.sleep(sleeper, 1000, 0));
    let (picks, clock) = run_timed(&mut scheduler, 0, 1000, |_| 1);
    assert_eq!(count(&picks, 0), 1000);
    // Awake, it shares from now on instead of running 1000 slices in a row.
    let (picks, _) = run_timed(&mut scheduler, clock, 20, |_| 1);
    assert!((9..=11).contains(&count(&picks, 1)), "{picks:?}");
}

#[test]
fn a_spinner_does_not_starve_a_blocking_pipeline() {
    // Task 0 spins (always ready, 5 ms slices); tasks 1 and 2 pass a message back and forth
    // (1 ms slices), all at one priority: the pipeline's share of time is the spinner's.
    let mut scheduler = tasks(&[8, 8, 8]);
    let queue = QueueId(0);
    let mut runs = [0u32; 3];
    let mut clock = 0;
    for _ in 0..600 {
        let task = scheduler.pick(clock).unwrap();
        runs[task.index()] += 1;
        let ticks = if task.0 == 0 { 5 } else { 1 };
        clock += ticks;
        scheduler.charge(task, ticks);
        match task.0 {
            0 => {
                scheduler.ready(task);
            }
            1 => {
                scheduler.block(task, WaitOn::Receive(queue));
                scheduler.notify(WaitOn::Send(queue));
            }
            _ => {
                scheduler.block(task, WaitOn::Send(queue));
                scheduler.notify(WaitOn::Receive(queue));
            }
        }
    }
    let spinner = scheduler.used_ticks(0);
    let pipeline = scheduler.used_ticks(1) + scheduler.used_ticks(2);
    assert!(spinner <= pipeline + 5, "{runs:?}: {spinner} vs {pipeline}");
    assert!(runs[1].abs_diff(runs[2]) <= 1, "{runs:?}");
}

#[test]
fn notify_wakes_only_the_matching_waiters() {
    let mut scheduler = tasks(&[8, 8, 8]);
    let waits = [
        WaitOn::Receive(QueueId(0)),
        WaitOn::Send(QueueId(0)),
        WaitOn::Receive(QueueId(1)),
    ];
    for wait in waits {
        let task = scheduler.pick(0).unwrap();
        scheduler.block(task, wait);
    }
    assert_eq!(scheduler.pick(0), None);
    assert_eq!(scheduler.next_wakeup(), None);
    assert_eq!(scheduler.notify(WaitOn::Receive(QueueId(0))), 1);
    assert_eq!(scheduler.state(TaskId(0)), Some(TaskState::Ready));
    assert_eq!(
        scheduler.state(TaskId(1)),
        Some(TaskState::Blocked(waits[1]))
    );
    assert_eq!(
        scheduler.state(TaskId(2)),
        Some(TaskState::Blocked(waits[2]))
    );
    assert_eq!(scheduler.pick(0), Some(TaskId(0)));
}

#[test]
fn sleepers_wake_at_their_deadline_and_set_the_next_wakeup() {
    let mut scheduler = tasks(&[8, 8]);
    let a = scheduler.pick(0).unwrap();
    assert!(scheduler.sleep(a, 250, 0));
    let b = scheduler.pick(0).unwrap();
    assert!(scheduler.sleep(b, 100, 0));
    assert_eq!(scheduler.pick(50), None);
    assert_eq!(scheduler.next_wakeup(), Some(100));
    assert_eq!(scheduler.pick(100), Some(b));
    scheduler.sleep(b, 400, 100);
    assert_eq!(scheduler.pick(249), None);
    assert_eq!(scheduler.next_wakeup(), Some(250));
    assert_eq!(scheduler.pick(300), Some(a));
}

#[test]
fn a_passed_deadline_is_a_yield() {
    let mut scheduler = tasks(&[8]);
    let task = scheduler.pick(10).unwrap();
    assert!(scheduler.sleep(task, 5, 10));
    assert_eq!(scheduler.state(task), Some(TaskState::Ready));
}

#[test]
fn finished_tasks_never_run_again() {
    let mut scheduler = tasks(&[8, 8]);
    let task = scheduler.pick(0).unwrap();
    assert!(scheduler.finish(task));
    assert_eq!(run(&mut scheduler, 3), [1, 1, 1]);
}

#[test]
fn only_the_running_task_can_be_settled() {
    let mut scheduler = tasks(&[8, 8]);
    assert!(!scheduler.ready(TaskId(0)));
    assert!(!scheduler.block(TaskId(1), WaitOn::Send(QueueId(0))));
    assert!(!scheduler.finish(TaskId(7)));
    let task = scheduler.pick(0).unwrap();
    assert!(scheduler.ready(task));
    assert!(!scheduler.ready(task));
}

#[test]
fn never_policy_stops_the_component_for_good() {
    let mut scheduler = Scheduler::new(TPS);
    let crasher = scheduler.add_component(RestartPolicy::Never, 0);
    let other = scheduler.add_component(RestartPolicy::Never, 0);
    let task = scheduler.add_task(crasher, 8);
    let survivor = scheduler.add_task(other, 8);
    assert_eq!(scheduler.pick(0), Some(task));
    assert_eq!(
        scheduler.fault(task, 5),
        Some(FaultDecision::Stop(StopReason::Never))
    );
    assert_eq!(
        scheduler.component_state(crasher),
        Some(ComponentState::Stopped(StopReason::Never))
    );
    assert_eq!(scheduler.state(task), Some(TaskState::Down));
    assert_eq!(scheduler.next_wakeup(), None);
    assert_eq!(scheduler.due_restart(u64::MAX), None);
    // The other component goes on, alone.
    assert_eq!(run(&mut scheduler, 3), [survivor.0; 3]);
}

#[test]
fn restarts_are_rate_limited_by_min_run_time() {
    let mut scheduler = Scheduler::new(TPS);
    let component = scheduler.add_component(restart(3, 100), 0);
    let task = scheduler.add_task(component, 8);
    scheduler.pick(0);
    // Faults 10 ms after its start: the restart waits until 100 ms after that start.
    assert_eq!(
        scheduler.fault(task, 10),
        Some(FaultDecision::Restart {
            restart: 1,
            at: 100
        })
    );
    assert_eq!(scheduler.pick(50), None);
    assert_eq!(scheduler.next_wakeup(), Some(100));
    assert_eq!(scheduler.due_restart(99), None);
    assert_eq!(scheduler.due_restart(100), Some(component));
    scheduler.restarted(component, 130);
    assert_eq!(scheduler.restarts(component), 1);
    assert_eq!(
        scheduler.component_state(component),
        Some(ComponentState::Running)
    );
    assert_eq!(scheduler.pick(130), Some(task));
    // Faults long after its start: restarted at once.
    assert_eq!(
        scheduler.fault(task, 500),
        Some(FaultDecision::Restart {
            restart: 2,
            at: 500
        })
    );
}

#[test]
fn gives_up_after_max_restarts() {
    let mut scheduler = Scheduler::new(TPS);
    let component = scheduler.add_component(restart(3, 1), 0);
    let task = scheduler.add_task(component, 8);
    let mut now = 0;
    for n in 1..=3 {
        assert_eq!(scheduler.pick(now), Some(task));
        now += 10;
        assert!(matches!(
            scheduler.fault(task, now),
            Some(FaultDecision::Restart { restart, .. }) if restart == n
        ));
        assert_eq!(scheduler.due_restart(now), Some(component));
        scheduler.restarted(component, now);
    }
    assert_eq!(scheduler.pick(now), Some(task));
    let stop = StopReason::RestartsExhausted { restarts: 3 };
    assert_eq!(
        scheduler.fault(task, now + 10),
        Some(FaultDecision::Stop(stop))
    );
    assert_eq!(
        scheduler.component_state(component),
        Some(ComponentState::Stopped(stop))
    );
    assert_eq!(scheduler.pick(u64::MAX), None);
}

#[test]
fn a_fault_takes_down_every_task_of_the_component_and_a_restart_brings_them_back() {
    let mut scheduler = Scheduler::new(TPS);
    let component = scheduler.add_component(restart(1, 1000), 0);
    let a = scheduler.add_task(component, 8);
    let b = scheduler.add_task(component, 8);
    let a_picked = scheduler.pick(0).unwrap();
    assert_eq!(a_picked, a);
    scheduler.sleep(a, 10_000, 0);
    let b_picked = scheduler.pick(0).unwrap();
    assert_eq!(b_picked, b);
    scheduler.fault(b, 10);
    assert_eq!(scheduler.state(a), Some(TaskState::Down));
    assert_eq!(scheduler.state(b), Some(TaskState::Down));
    // The restart, not the old sleeper, is the next wake-up.
    assert_eq!(scheduler.next_wakeup(), Some(1000));
    scheduler.restarted(component, 1000);
    assert_eq!(scheduler.state(a), Some(TaskState::Ready));
    assert_eq!(scheduler.state(b), Some(TaskState::Ready));
}

#[test]
fn a_failed_restart_stops_the_component() {
    let mut scheduler = Scheduler::new(TPS);
    let component = scheduler.add_component(restart(5, 1), 0);
    let task = scheduler.add_task(component, 8);
    scheduler.pick(0);
    scheduler.fault(task, 0);
    scheduler.stop(component, StopReason::RestartFailed);
    assert_eq!(scheduler.due_restart(u64::MAX), None);
    assert_eq!(
        scheduler.component_state(component),
        Some(ComponentState::Stopped(StopReason::RestartFailed))
    );
}

#[test]
fn time_conversions_saturate_and_round_up_sleeps() {
    assert_eq!(ms_to_ticks(100, 62_500_000), 6_250_000);
    assert_eq!(ms_to_ticks(u32::MAX, u64::MAX), u64::MAX);
    assert_eq!(us_to_ticks(1, 62_500_000), 63);
    assert_eq!(us_to_ticks(1, 1000), 1);
    assert_eq!(us_to_ticks(u64::MAX, 62_500_000), u64::MAX);
    assert_eq!(ticks_to_us(62_500_000, 62_500_000), 1_000_000);
    assert_eq!(ticks_to_us(u64::MAX, 1), u64::MAX);
    assert_eq!(ticks_to_us(5, 0), 0);
}

#[test]
fn time_used_at_one_priority_does_not_push_back_a_waker_at_another() {
    // Task 0 (priority 0) runs for 600 ms while task 1 (priority 8, always ready) gets only its
    // guaranteed share and task 2 (priority 8) sleeps. When task 2 wakes and task 0 waits, tasks
    // 1 and 2 share: task 2 joins at priority 8's virtual time, not behind 600 ms of task 0's.
    let mut scheduler = tasks(&[0, 8, 8]);
    let queue = WaitOn::Receive(QueueId(0));
    let task = scheduler.pick(0).unwrap();
    assert_eq!(task, TaskId(0));
    assert!(scheduler.block(task, queue));
    let task = scheduler.pick(0).unwrap();
    assert_eq!(task, TaskId(1));
    assert!(scheduler.ready(task));
    let task = scheduler.pick(0).unwrap();
    assert_eq!(task, TaskId(2));
    assert!(scheduler.sleep(task, 600, 0));
    scheduler.notify(queue);
    let (picks, mut clock) = run_timed(&mut scheduler, 0, 600, |_| 1);
    assert!(count(&picks, 1) <= 7, "{}", count(&picks, 1));
    assert_eq!(count(&picks, 2), 0);
    loop {
        let task = scheduler.pick(clock).unwrap();
        if task == TaskId(0) {
            assert!(scheduler.block(task, queue));
            break;
        }
        clock += 1;
        scheduler.charge(task, 1);
        assert!(scheduler.ready(task));
    }
    let (picks, _) = run_timed(&mut scheduler, clock, 20, |_| 1);
    assert!((9..=11).contains(&count(&picks, 2)), "{picks:?}");
}

#[test]
fn wake_readies_a_sleeping_or_blocked_task_and_nothing_else() {
    let mut s = Scheduler::new(1000);
    let c = s.add_component(RestartPolicy::Never, 0);
    let t = s.add_task(c, 4);
    assert_eq!(s.pick(0), Some(t));
    assert!(s.sleep(t, u64::MAX, 0));
    assert_eq!(s.pick(1), None);
    assert!(s.wake(t));
    assert_eq!(s.state(t), Some(TaskState::Ready));
    assert!(!s.wake(t), "a ready task is not woken again");
    assert_eq!(s.pick(2), Some(t));
    assert!(s.block(t, WaitOn::Receive(ruvix_caps::QueueId(0))));
    assert!(s.wake(t));
    assert_eq!(s.pick(3), Some(t));
    assert!(s.finish(t));
    assert!(!s.wake(t), "a finished task stays finished");
}

#[test]
fn a_share_pick_is_reported_and_urgent_work_is_seen() {
    let hz = 1000;
    let mut s = Scheduler::new(hz);
    let urgent = s.add_component(RestartPolicy::Never, 0);
    let low = s.add_component(RestartPolicy::Never, 0);
    let u = s.add_task(urgent, 4);
    let l = s.add_task(low, 15);
    assert_eq!(s.pick(0), Some(u));
    assert!(!s.picked_for_share());
    assert!(
        !s.more_urgent_ready(4, 0),
        "nothing is more urgent than the urgent one"
    );
    s.charge(u, 1);
    assert!(s.ready(u));
    // The low task has waited a whole guarantee period: it runs, as a share pick.
    let later = ms_to_ticks(GUARANTEED_SHARE_MS, hz) + 1;
    assert_eq!(s.pick(later), Some(l));
    assert!(s.picked_for_share());
    assert!(s.more_urgent_ready(15, later), "the urgent task is ready");
    s.charge(l, 1);
    assert!(s.ready(l));
    // The urgent one has waited as long meanwhile: it comes next.
    assert_eq!(s.pick(later + 1), Some(u));
    // A sleeper that is due counts as ready.
    assert!(s.sleep(u, later + 10, later + 1));
    assert!(!s.more_urgent_ready(15, later + 5));
    assert!(s.more_urgent_ready(15, later + 10));
}

#[test]
fn a_restart_is_due_after_its_minimum_run_time_among_stopped_neighbours() {
    let hz = 1000;
    let mut s = Scheduler::new(hz);
    let policy = RestartPolicy::Restart {
        max_restarts: 2,
        min_run_ms: 100,
    };
    let a = s.add_component(RestartPolicy::Never, 0);
    let b = s.add_component(policy, 0);
    let c = s.add_component(RestartPolicy::Never, 0);
    let ta = s.add_task(a, 4);
    let tb = s.add_task(b, 4);
    let tc = s.add_task(c, 4);
    for t in [ta, tb, tc] {
        assert!(s.pick(10).is_some());
        let _ = t;
    }
    assert!(matches!(s.fault(ta, 10), Some(FaultDecision::Stop(_))));
    assert!(matches!(
        s.fault(tb, 10),
        Some(FaultDecision::Restart { at: 100, .. })
    ));
    assert!(matches!(s.fault(tc, 10), Some(FaultDecision::Stop(_))));
    assert_eq!(s.due_restart(99), None);
    assert_eq!(s.due_restart(100), Some(b));
}
