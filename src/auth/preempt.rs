//! Gives the core back from a long computation at short intervals (Linux).
//!
//! The kernel's scheduler takes the core from a running thread only at its tick (4 ms at
//! HZ=250) or when another thread wakes up. A request handler that is already runnable
//! (busy, not woken) therefore waits up to a whole tick whenever the scheduler hands the
//! core to a password hash, whatever the hash's priority. A [`YieldTimer`] interrupts its
//! thread every [`INTERVAL`] while armed, and the signal handler yields the core
//! (`sched_yield`): the hash keeps its fair share, in stints of at most the interval.
//! When nothing else is runnable the yield returns at once.
//!
//! Where the system has no such timer (or refuses one), the timer is inert and work runs
//! as it would without it.

use std::time::Duration;

/// The longest stint a computation runs for while another thread waits for the core.
pub const INTERVAL: Duration = Duration::from_micros(500);

pub use imp::{YieldTimer, yields};

#[cfg(target_os = "linux")]
mod imp {
    use std::{cell::Cell, sync::OnceLock};

    use super::INTERVAL;

    /// The real-time signal the timers raise; nothing else in the process uses it.
    fn signal() -> libc::c_int {
        libc::SIGRTMAX() - 3
    }

    thread_local! {
        /// Yields this thread took (constant-initialised, no destructor: plain
        /// thread-local memory, safe to touch from a signal handler).
        static YIELDS: Cell<u64> = const { Cell::new(0) };
    }

    /// How many times its timer made the calling thread yield so far.
    pub fn yields() -> u64 {
        YIELDS.with(Cell::get)
    }

    extern "C" fn yield_core(_: libc::c_int) {
        YIELDS.with(|n| n.set(n.get() + 1));
        // SAFETY: `sched_yield` is a plain system call, async-signal-safe, and touches no
        // memory of the interrupted code.
        unsafe {
            libc::sched_yield();
        }
    }

    fn install_handler() -> bool {
        static INSTALLED: OnceLock<bool> = OnceLock::new();
        // SAFETY: a zeroed `sigaction` is a valid empty one; the handler is an
        // `extern "C" fn(c_int)`, as `sa_sigaction` without `SA_SIGINFO` expects.
        *INSTALLED.get_or_init(|| unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = yield_core as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal(), &action, std::ptr::null_mut()) == 0
        })
    }

    /// A per-thread timer that, while armed, makes its thread yield every [`INTERVAL`].
    /// It belongs to the thread that created it (not `Send`).
    pub struct YieldTimer {
        /// `None`: the system refused a timer; work runs without one.
        id: Option<libc::timer_t>,
    }

    impl YieldTimer {
        /// A timer for the calling thread, disarmed.
        pub fn for_current_thread() -> Self {
            Self { id: Self::create() }
        }

        /// Whether the timer works (otherwise [`Self::run`] just runs the work).
        pub fn is_active(&self) -> bool {
            self.id.is_some()
        }

        fn create() -> Option<libc::timer_t> {
            if !install_handler() {
                return None;
            }
            // SAFETY: a zeroed `sigevent` is valid; the fields set make it "signal this
            // thread" (SIGEV_THREAD_ID with the caller's thread id); `id` is written by
            // the kernel on success only.
            unsafe {
                let mut event: libc::sigevent = std::mem::zeroed();
                event.sigev_notify = libc::SIGEV_THREAD_ID;
                event.sigev_signo = signal();
                event.sigev_notify_thread_id = libc::gettid();
                let mut id: libc::timer_t = std::mem::zeroed();
                (libc::timer_create(libc::CLOCK_MONOTONIC, &mut event, &mut id) == 0).then_some(id)
            }
        }

        /// Runs `work` with the timer armed.
        pub fn run<T>(&self, work: impl FnOnce() -> T) -> T {
            self.set(INTERVAL);
            let out = work();
            self.set(std::time::Duration::ZERO);
            out
        }

        /// Arms the timer to fire every `every`, or disarms it with zero.
        fn set(&self, every: std::time::Duration) {
            let Some(id) = self.id else {
                return;
            };
            let every = libc::timespec {
                tv_sec: every.as_secs() as libc::time_t,
                tv_nsec: every.subsec_nanos() as libc::c_long,
            };
            let spec = libc::itimerspec {
                it_interval: every,
                it_value: every,
            };
            // SAFETY: `id` is a live timer of this process; `spec` outlives the call.
            unsafe {
                libc::timer_settime(id, 0, &spec, std::ptr::null_mut());
            }
        }
    }

    impl Drop for YieldTimer {
        fn drop(&mut self) {
            if let Some(id) = self.id {
                // SAFETY: `id` is a live timer created by `create`, deleted once.
                unsafe {
                    libc::timer_delete(id);
                }
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    /// No timer, no yields (of the calling thread).
    pub fn yields() -> u64 {
        0
    }

    /// No such timer on this system: inert.
    pub struct YieldTimer;

    impl YieldTimer {
        /// An inert timer.
        pub fn for_current_thread() -> Self {
            Self
        }

        /// Always false here.
        pub fn is_active(&self) -> bool {
            false
        }

        /// Runs `work`.
        pub fn run<T>(&self, work: impl FnOnce() -> T) -> T {
            work()
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    /// Busy for `for_at_least`, returning a value computed all along.
    fn spin(for_at_least: Duration) -> u64 {
        let start = Instant::now();
        let mut x = 0u64;
        while start.elapsed() < for_at_least {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        x
    }

    #[test]
    fn an_armed_timer_makes_its_thread_yield_and_a_disarmed_one_stops() {
        let timer = YieldTimer::for_current_thread();
        assert!(timer.is_active(), "Linux gives every thread such a timer");
        let before = yields();
        // 40 intervals of work: the handler runs about once an interval, the work
        // finishes and its result comes back.
        let out = timer.run(|| spin(INTERVAL * 40));
        assert_ne!(out, 0);
        let during = yields() - before;
        assert!(during >= 10, "{during} yields in 40 intervals");
        // Disarmed: no more signals (give a late one an interval to land first).
        spin(INTERVAL * 2);
        let after = yields();
        spin(INTERVAL * 20);
        assert_eq!(yields(), after, "no yields while disarmed");
        // Interrupted system calls are restarted: a sleep under the timer completes.
        let slept = Instant::now();
        timer.run(|| std::thread::sleep(INTERVAL * 10));
        assert!(slept.elapsed() >= INTERVAL * 10);
    }
}
