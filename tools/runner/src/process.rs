//! Child-process set-up shared by every QEMU and decoder we start.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus};
use std::thread;
use std::time::{Duration, Instant};

/// Makes `cmd` start in a process group of its own and die with us.
///
/// * Own process group: a Ctrl-C typed at the terminal goes to the foreground group only, i.e.
///   to us and not to QEMU or the decoder. We then stop QEMU first and let the decoder drain
///   the last frames, instead of all three dying at once and losing the end of the log.
/// * `PR_SET_PDEATHSIG`: if we are killed in a way we cannot handle (SIGKILL, a panic in a test
///   harness that aborts), the kernel kills the child too, so no QEMU is left spinning a core.
///   The signal fires when the *thread* that spawned the child ends; every spawner here waits
///   for its children before returning, so that is never early.
pub(crate) fn contain(cmd: &mut Command) -> &mut Command {
    cmd.process_group(0);
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getpid is async-signal-safe and has no preconditions.
        let parent = unsafe { libc::getpid() };
        // SAFETY: the closure runs in the forked child before exec and only calls the
        // async-signal-safe functions prctl, getppid and _exit; it touches no locks or heap.
        unsafe {
            cmd.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // The parent may have died between fork and prctl: then nobody would kill us.
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    cmd
}

/// Waits for `child` until `deadline`; `None` if it is still running then.
pub(crate) fn wait_until(
    child: &mut Child,
    deadline: Instant,
) -> std::io::Result<Option<ExitStatus>> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        thread::sleep((deadline - now).min(Duration::from_millis(10)));
    }
}

/// Kills `child` (SIGKILL) if it still runs, and reaps it.
pub(crate) fn kill_and_reap(child: &mut Child) -> Option<ExitStatus> {
    if let Ok(Some(status)) = child.try_wait() {
        return Some(status);
    }
    // An error here means it has already exited; `wait` below reaps it either way.
    let _ = child.kill();
    child.wait().ok()
}
