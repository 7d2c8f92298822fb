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

/// Picks `n` times, putting each picked task straight back (a task that never blocks).
fn run(scheduler: &mut Scheduler, n: usize) -> Vec<u32> {
    (0..n)
        .map(|_| {
            let task = scheduler.pick(0).unwrap();
            assert!(scheduler.ready(task));
            task.0
        })
        .collect()
}

#[test]
fn every_ready_task_runs_once_per_round() {
    let mut scheduler = tasks(&[8, 8, 8]);
    assert_eq!(run(&mut scheduler, 9), [0, 1, 2, 0, 1, 2, 0, 1, 2]);
    assert_eq!(scheduler.rounds(), 3);
}

#[test]
fn priority_orders_each_round_but_never_starves() {
    // The urgent task (0) goes first in every round, but the least urgent (15) still runs once
    // per round: a task that never blocks cannot starve anyone.
    let mut scheduler = tasks(&[15, 0, 4]);
    assert_eq!(run(&mut scheduler, 6), [1, 2, 0, 1, 2, 0]);
}

#[test]
fn a_spinner_does_not_starve_a_blocking_pipeline() {
    // Task 0 spins (always ready); tasks 1 and 2 pass a message back and forth.
    let mut scheduler = tasks(&[0, 8, 8]);
    let queue = QueueId(0);
    let mut runs = [0u32; 3];
    for _ in 0..300 {
        let task = scheduler.pick(0).unwrap();
        runs[task.index()] += 1;
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
    assert_eq!(runs, [100, 100, 100]);
}

#[test]
fn a_task_woken_mid_round_runs_in_this_round_if_it_has_not() {
    let mut scheduler = tasks(&[8, 8, 8]);
    let queue = QueueId(3);
    // Task 0 blocks before anyone else runs.
    let first = scheduler.pick(0).unwrap();
    assert_eq!(first, TaskId(0));
    scheduler.block(first, WaitOn::Receive(queue));
    // Task 1 runs and sends: task 0 wakes, but it had its turn this round.
    let second = scheduler.pick(0).unwrap();
    assert_eq!(second, TaskId(1));
    assert_eq!(scheduler.notify(WaitOn::Receive(queue)), 1);
    scheduler.ready(second);
    assert_eq!(scheduler.pick(0), Some(TaskId(2)));
    scheduler.ready(TaskId(2));
    // Next round: 0 first again.
    assert_eq!(scheduler.pick(0), Some(TaskId(0)));
}

#[test]
fn a_task_woken_before_its_turn_keeps_its_priority_place() {
    let mut scheduler = tasks(&[8, 0]);
    // Round 1: task 1 (urgent) runs and blocks; task 0 runs and wakes it.
    let urgent = scheduler.pick(0).unwrap();
    assert_eq!(urgent, TaskId(1));
    scheduler.block(urgent, WaitOn::Send(QueueId(0)));
    let other = scheduler.pick(0).unwrap();
    scheduler.notify(WaitOn::Send(QueueId(0)));
    scheduler.ready(other);
    // Round 2: the urgent task first.
    assert_eq!(scheduler.pick(0), Some(TaskId(1)));
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
