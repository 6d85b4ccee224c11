//! Password hashing with Argon2id (OWASP parameters: m = 19 MiB, t = 2, p = 1).
//!
//! Hashing is deliberately slow and memory-hard, so it never runs on the async workers.
//! It runs on a small pool of dedicated threads of its own (the bounded blocking pool of
//! this server), which
//!
//! * bounds the work: at most one hash per thread at a time; a burst of logins queues
//!   here, in order, instead of multiplying 19 MiB allocations;
//! * keeps memory flat: each thread allocates its 19 MiB of Argon2 blocks once and reuses
//!   them for every hash, so the resident size does not grow with a login storm (a fresh
//!   allocation per hash is kept by the allocator after it is freed);
//! * yields to request handling: on Linux the threads run at the lowest scheduling
//!   priority an unprivileged thread has besides `SCHED_IDLE` (nice 19) with a short time
//!   slice, so when the CPU is contended a login storm takes what the other requests
//!   leave (at least ~1.4 % of a core per hashing thread: a 16 ms hash then finishes in
//!   about a second), and a request that wakes the idle runtime while a hash runs
//!   preempts the hash at once. Without contention logins run at full speed. (Nice 10,
//!   before 2026-12-07, gave a storm ~10 % of a core beside a saturating read load: a
//!   `me` request at one connection then waited out a whole stint, below, at p99.)
//!   Priority alone cannot stop one thing on a busy core: when the runtime is runnable
//!   (busy, not woken) and the scheduler hands the core to a hash at a tick, the hash
//!   keeps it until the next tick (4 ms at HZ=250; `perf sched latency` during the
//!   benchmark's login storm showed exactly these waits). So each hash runs under a
//!   [`YieldTimer`](super::preempt::YieldTimer), which makes the thread yield the core
//!   every half millisecond: stints of at most that, the same share of the core.
//!   (`SCHED_IDLE` avoids the waits too, and measured about the same as nice 19 in the
//!   benchmark, but it leaves a hash ~0.3 % of a busy core, and an unprivileged thread
//!   cannot leave it again to rescue a starved login.)

use std::sync::{Arc, Mutex, mpsc};

use argon2::{
    Algorithm, Argon2, Block, Params, Version,
    password_hash::phc::{Output, PasswordHash},
};
use tokio::sync::{Semaphore, oneshot};

use super::preempt::YieldTimer;
use crate::error::{AppError, AppResult};

/// A well-formed Argon2id hash, with the pool's parameters, that no password produces
/// (its output is all zero bytes): verified against when the account does not exist, so
/// that unknown users and wrong passwords cost the same work.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$cmFrc2hhYXlhbi1kdW1teQ$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// The scheduling priority (nice value) of the hashing threads on Linux: the lowest.
/// Beside a busy request thread (weight 1024) a hash gets weight 15, ~1.4 % of the core;
/// the benchmark's one-connection login storm (`bench/`, W4W1) measured `me`'s p99 at
/// 0.37–0.42 ms with 19 against 0.53–0.57 ms with nice 10, logins 22–24 against 24–27
/// per second (`bench/results/20261207T070153Z.md` to `…070803Z.md`).
const HASHER_NICE: i32 = 19;

/// 19 MiB, 2 iterations, 1 lane: OWASP's minimum recommendation for Argon2id.
fn params() -> Params {
    Params::new(19 * 1024, 2, 1, None).expect("static Argon2 parameters are valid")
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

enum Job {
    Hash(String, oneshot::Sender<AppResult<String>>),
    Verify(String, String, oneshot::Sender<bool>),
}

/// Hashes and verifies passwords on dedicated threads, one at a time per thread.
#[derive(Clone)]
pub struct PasswordHasherPool {
    permits: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for PasswordHasherPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordHasherPool")
            .field("available", &self.permits.available_permits())
            .finish()
    }
}

/// One hashing thread's reusable Argon2 memory.
struct Worker {
    blocks: Vec<Block>,
}

impl Worker {
    /// `n` blocks of working memory, grown (once) on first use.
    fn memory(&mut self, n: usize) -> &mut [Block] {
        if self.blocks.len() < n {
            self.blocks.resize(n, Block::default());
        }
        &mut self.blocks[..n]
    }

    fn hash(&mut self, password: &str) -> AppResult<String> {
        let salt: [u8; 16] = rand::random();
        let params = params();
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        argon2()
            .hash_password_into_with_memory(
                password.as_bytes(),
                &salt,
                &mut out,
                self.memory(params.block_count()),
            )
            .map_err(|e| AppError::internal("hashing password", anyhow::anyhow!("{e}")))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: (&params)
                .try_into()
                .map_err(|e| AppError::internal("hash parameters", anyhow::anyhow!("{e:?}")))?,
            salt: Some(
                argon2::password_hash::phc::Salt::new(&salt)
                    .map_err(|e| AppError::internal("hash salt", anyhow::anyhow!("{e}")))?,
            ),
            hash: Some(
                Output::new(&out)
                    .map_err(|e| AppError::internal("hash output", anyhow::anyhow!("{e}")))?,
            ),
        };
        Ok(phc.to_string())
    }

    /// Whether `password` matches the PHC string `hash` (constant-time comparison). A
    /// hash with other parameters than the pool's (an older cost) is still checked, in
    /// memory of its own size.
    fn verify(&mut self, password: &str, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (&parsed.salt, &parsed.hash) else {
            return false;
        };
        let Ok(params) = Params::try_from(&parsed) else {
            return false;
        };
        let Ok(algorithm) = Algorithm::try_from(parsed.algorithm.as_str()) else {
            return false;
        };
        let version = match parsed.version.map(Version::try_from) {
            None => Version::default(),
            Some(Ok(v)) => v,
            Some(Err(_)) => return false,
        };
        let mut buffer = [0u8; Output::MAX_LENGTH];
        let Some(out) = buffer.get_mut(..expected.len()) else {
            return false;
        };
        let blocks = params.block_count();
        let computed = Argon2::new(algorithm, version, params)
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt.as_ref(),
                out,
                self.memory(blocks),
            )
            .ok()
            .and_then(|()| Output::new(out).ok());
        // `Output`'s equality is constant-time.
        computed.is_some_and(|computed| computed == *expected)
    }

    fn run(mut self, jobs: Arc<Mutex<mpsc::Receiver<Job>>>) {
        lower_priority();
        let timer = YieldTimer::for_current_thread();
        if !timer.is_active() {
            tracing::debug!("password hashing threads run without a yield timer");
        }
        loop {
            let job = match jobs.lock() {
                Ok(receiver) => receiver.recv(),
                Err(_) => return,
            };
            // Each hash runs in stints of at most `preempt::INTERVAL` while a request
            // waits for the core.
            match job {
                Ok(Job::Hash(password, reply)) => {
                    let _ = reply.send(timer.run(|| self.hash(&password)));
                }
                Ok(Job::Verify(password, hash, reply)) => {
                    let _ = reply.send(timer.run(|| self.verify(&password, &hash)));
                }
                // Every pool handle is gone.
                Err(_) => return,
            }
        }
    }
}

/// The time slice the hashing threads ask of the scheduler on Linux (EEVDF, 6.12 and
/// later): short, so that a request handler waking up preempts a running hash within
/// this, instead of waiting out the default slice of a few milliseconds.
const HASHER_SLICE_NS: u64 = 100_000;

/// Lowers the calling thread's scheduling priority (Linux, per thread): nice 19 and a
/// short time slice. Kernels without custom slices ignore the slice; a kernel without
/// `sched_setattr` gets the nice value through `setpriority`.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let attr = libc::sched_attr {
            size: std::mem::size_of::<libc::sched_attr>() as u32,
            sched_policy: libc::SCHED_OTHER as u32,
            sched_flags: 0,
            sched_nice: HASHER_NICE,
            sched_priority: 0,
            sched_runtime: HASHER_SLICE_NS,
            sched_deadline: 0,
            sched_period: 0,
        };
        // SAFETY: `attr` is a valid, fully initialised `sched_attr` that outlives the
        // call; pid 0 is the calling thread; the kernel only reads it.
        let set = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const _, 0) };
        if set != 0 {
            // SAFETY: plain syscalls on the calling thread's own id; no memory is passed.
            let niced = unsafe {
                libc::setpriority(
                    libc::PRIO_PROCESS,
                    libc::gettid() as libc::id_t,
                    HASHER_NICE,
                )
            };
            if niced != 0 {
                tracing::debug!("password hashing threads keep the default priority");
            }
        }
    }
}

impl PasswordHasherPool {
    /// A pool of `threads` hashing threads (at least one).
    pub fn new(threads: usize) -> AppResult<Self> {
        let threads = threads.max(1);
        let (jobs, receiver) = mpsc::channel();
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || Worker { blocks: Vec::new() }.run(receiver))
                .map_err(|e| AppError::internal("starting a password hashing thread", e))?;
        }
        Ok(Self {
            permits: Arc::new(Semaphore::new(threads)),
            jobs,
        })
    }

    async fn submit<T>(&self, job: impl FnOnce(oneshot::Sender<T>) -> Job) -> AppResult<T> {
        // One job per thread at a time: the rest wait here, on the async side.
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| AppError::internal("password pool closed", e))?;
        let (reply, answer) = oneshot::channel();
        self.jobs
            .send(job(reply))
            .map_err(|e| AppError::internal("password hashing threads gone", e))?;
        answer
            .await
            .map_err(|e| AppError::internal("password hashing thread", e))
    }

    /// Hashes `password` into a PHC string.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.submit(|reply| Job::Hash(password, reply)).await?
    }

    /// Checks `password` against `hash`; with `None` (no such account) it verifies
    /// against a dummy hash and returns false, taking the same time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> AppResult<bool> {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let ok = self
            .submit(|reply| Job::Verify(password, hash, reply))
            .await?;
        Ok(known && ok)
    }
}

/// A hash made the standard way (fresh memory), for checking the pool against.
#[cfg(test)]
fn reference_hash(password: &str) -> String {
    use argon2::PasswordHasher as _;
    argon2()
        .hash_password(password.as_bytes())
        .expect("reference hash")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_owasp_parameters() {
        let pool = PasswordHasherPool::new(2).expect("pool");
        let hash = pool.hash("Str0ng!Passw0rd".into()).await.expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(
            pool.verify("Str0ng!Passw0rd".into(), Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!pool.verify("wrong".into(), Some(hash)).await.unwrap());
        assert!(!pool.verify("Str0ng!Passw0rd".into(), None).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_interoperate_with_the_reference_implementation() {
        let pool = PasswordHasherPool::new(1).expect("pool");
        // A hash from argon2's own PHC code verifies here, and one made here verifies
        // there: the reused memory changes nothing.
        let theirs = reference_hash("An0ther!Secret");
        assert!(
            pool.verify("An0ther!Secret".into(), Some(theirs.clone()))
                .await
                .unwrap()
        );
        assert!(
            !pool
                .verify("an0ther!Secret".into(), Some(theirs))
                .await
                .unwrap()
        );
        let ours = pool.hash("An0ther!Secret".into()).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            argon2::PasswordVerifier::verify_password(&argon2(), b"An0ther!Secret", &parsed)
                .is_ok()
        );
        // A hash with a different (older) cost still verifies, in memory of its size.
        use argon2::PasswordHasher as _;
        let cheaper = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8 * 1024, 3, 1, None).unwrap(),
        )
        .hash_password(b"Old!Passw0rd1")
        .unwrap()
        .to_string();
        assert!(
            pool.verify("Old!Passw0rd1".into(), Some(cheaper))
                .await
                .unwrap()
        );
    }

    /// The hashing threads' priority, read back from the kernel (Linux). A thread of its
    /// own: the priority cannot be raised again without privileges.
    #[cfg(target_os = "linux")]
    #[test]
    fn hashing_threads_run_at_the_lowest_priority() {
        let nice = std::thread::spawn(|| {
            lower_priority();
            // SAFETY: plain syscalls on the calling thread's own id.
            unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) }
        })
        .join()
        .unwrap();
        assert_eq!(nice, 19);
    }

    #[tokio::test]
    async fn the_dummy_hash_is_well_formed_with_the_pool_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).expect("dummy parses");
        let costs = |p: &Params| (p.m_cost(), p.t_cost(), p.p_cost());
        assert_eq!(costs(&Params::try_from(&parsed).unwrap()), costs(&params()));
        assert_eq!(parsed.hash.unwrap().len(), Params::DEFAULT_OUTPUT_LEN);
        let mut worker = Worker { blocks: Vec::new() };
        assert!(!worker.verify("anything", DUMMY_HASH));
        assert!(!worker.verify("anything", "not a hash"));
    }
}
