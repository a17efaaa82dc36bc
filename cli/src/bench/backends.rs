//! `outpost bench --backends`: the ledger's syncs on SQLite, on PostgreSQL with one ledger
//! process and on PostgreSQL with two processes sharing the database, in one run
//! (docs/adr/0019).
//!
//! Each configuration is real ledger processes (`outpost ledger serve`, started from this
//! executable) answering over loopback HTTP; "two processes" is two OS processes on one
//! database, the clients spread over both. The configurations take turns, run by run, so that a
//! shared machine's changing load falls on all three alike. In each run, for each configuration:
//!
//! 1. the verification limit: strict Ed25519 verifications a second on every core, measured just
//!    before, as `outpost bench` measures it for `settle_share`;
//! 2. **full** syncs: canteens each upload a full batch of 256 transfers, all settled; transfers a
//!    second over the limit is the configuration's `settle_share`;
//! 3. **small** syncs: members with nothing to upload sync once each (a `Synced` entry, a
//!    checkpoint and its proof): what most of a ministry's several syncs a day per member are.
//!
//! Requests are signed before a phase and answers checked after it (the phones' work); a phase
//! is timed from its first request sent to its last answer, with [`THREADS_PER_PROCESS`] client
//! threads per ledger process. Besides syncs a second: the CPU the ledger processes spent per
//! sync (from `/proc`), and on PostgreSQL the CPU of the database's server processes for the
//! bench's connections, the database's growth and the write-ahead log written per sync. Before
//! its processes start, each configuration's ledger is also opened in this process to time how
//! long one sync holds the database's write lock when alone ([`outpost_ledger::WriteLockHeld`]):
//! the serialized part that more processes cannot spread.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use outpost_ledger::simulated::{Member, Payer};
use outpost_ledger::{Database, Ledger, Policy};
use outpost_wallet_core::protocol::sync::{MAX_SYNC_TRANSFERS, Outcome, PurseOrder};

use outpost_wallet_core::transport::{HttpTransport, SyncTransport};
use outpost_wallet_core::{Clock, Currency, SystemClock};

use super::{BenchError, Doing, check, median, now, yen};

/// Client threads sending syncs to each ledger process.
pub const THREADS_PER_PROCESS: usize = 4;
/// Payers whose purses the full syncs spend from: each full sync carries 16 transfers of each.
const PAYERS: usize = 16;

/// What `--backends` is given.
#[derive(Debug, Clone, Default)]
pub struct BackendOptions {
    /// A PostgreSQL server the bench may create (and then drop) databases on; without one only
    /// SQLite is measured.
    pub postgres: Option<String>,
    pub quick: bool,
}

/// One phase (small or full syncs) of one configuration, over every run.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Phase {
    /// The median over the runs of syncs a second.
    pub syncs_per_s: f64,
    /// Over every sync of every run, milliseconds from sending the request to reading the answer.
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// CPU the ledger processes spent, per sync.
    pub ledger_cpu_ms: f64,
    /// PostgreSQL only: CPU of the server processes serving the ledger's connections, growth of
    /// the database and write-ahead log written, per sync.
    pub database_cpu_ms: Option<f64>,
    pub database_bytes: Option<f64>,
    pub wal_bytes: Option<f64>,
}

/// One configuration's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    /// `sqlite`, `postgres_1` or `postgres_2`.
    pub name: &'static str,
    pub processes: usize,
    pub small: Phase,
    pub full: Phase,
    /// Transfers settled a second in the full phase (medians over the runs), the limit measured
    /// just before each, and the median of the runs' ratios.
    pub settle_per_s: f64,
    pub verify_limit_per_s: f64,
    pub settle_share: f64,
    /// Milliseconds one sync held the write lock, alone, in this process: a small sync and a
    /// full one (means).
    pub lock_small_ms: f64,
    pub lock_full_ms: f64,
}

/// Everything `--backends` measured.
#[derive(Debug, Clone, PartialEq)]
pub struct BackendReport {
    pub runs: usize,
    /// Members making one small sync each in a run, and full syncs in a run.
    pub small_syncs_per_run: usize,
    pub full_syncs_per_run: usize,
    pub threads_per_process: usize,
    /// The PostgreSQL server's durability settings (`fsync`, `synchronous_commit`), when one
    /// was measured.
    pub postgres_settings: Option<String>,
    pub configurations: Vec<Configuration>,
}

impl BackendReport {
    pub fn configuration(&self, name: &str) -> Option<&Configuration> {
        self.configurations.iter().find(|c| c.name == name)
    }

    /// The `"backends":{…}` member of the bench's JSON object; `null` for a configuration not
    /// measured.
    pub fn to_json(&self) -> String {
        let opt = |v: Option<f64>, digits: usize| v.map_or("null".to_owned(), |v| format!("{v:.digits$}"));
        let phase = |p: &Phase| {
            format!(
                "{{\"syncs_per_s\":{:.1},\"p50_ms\":{:.2},\"p99_ms\":{:.2},\"ledger_cpu_ms\":{:.3},\
                 \"database_cpu_ms\":{},\"database_bytes\":{},\"wal_bytes\":{}}}",
                p.syncs_per_s,
                p.p50_ms,
                p.p99_ms,
                p.ledger_cpu_ms,
                opt(p.database_cpu_ms, 3),
                opt(p.database_bytes, 0),
                opt(p.wal_bytes, 0)
            )
        };
        let configuration = |name: &str| match self.configuration(name) {
            None => "null".to_owned(),
            Some(c) => format!(
                "{{\"processes\":{},\"small_syncs_per_s\":{:.1},\"full_syncs_per_s\":{:.1},\
                 \"settle_per_s\":{:.0},\"verify_limit_per_s\":{:.0},\"settle_share\":{:.3},\
                 \"lock_held_small_ms\":{:.3},\"lock_held_full_ms\":{:.3},\"small\":{},\"full\":{}}}",
                c.processes,
                c.small.syncs_per_s,
                c.full.syncs_per_s,
                c.settle_per_s,
                c.verify_limit_per_s,
                c.settle_share,
                c.lock_small_ms,
                c.lock_full_ms,
                phase(&c.small),
                phase(&c.full)
            ),
        };
        format!(
            "{{\"runs\":{},\"small_syncs_per_run\":{},\"full_syncs_per_run\":{},\"threads_per_process\":{},\
             \"postgres_settings\":{},\"sqlite\":{},\"postgres_1\":{},\"postgres_2\":{}}}",
            self.runs,
            self.small_syncs_per_run,
            self.full_syncs_per_run,
            self.threads_per_process,
            self.postgres_settings.as_ref().map_or("null".to_owned(), |s| format!("\"{s}\"")),
            configuration("sqlite"),
            configuration("postgres_1"),
            configuration("postgres_2")
        )
    }

    pub fn to_text(&self) -> String {
        let mut out = format!(
            "backends: {} runs, each {} small syncs and {} full syncs (256 transfers) per configuration, \
             {} client threads per ledger process{}\n",
            self.runs,
            self.small_syncs_per_run,
            self.full_syncs_per_run,
            self.threads_per_process,
            self.postgres_settings.as_ref().map_or(String::new(), |s| format!(", PostgreSQL {s}"))
        );
        for c in &self.configurations {
            let db = |p: &Phase| match (p.database_cpu_ms, p.database_bytes, p.wal_bytes) {
                (Some(cpu), Some(bytes), Some(wal)) => {
                    format!(", database {cpu:.2} ms CPU, {bytes:.0} bytes stored, {wal:.0} bytes of WAL")
                }
                _ => String::new(),
            };
            out.push_str(&format!(
                "{:<11} {} process{}: small {:.0} syncs/s (p50 {:.1} ms, p99 {:.1} ms; ledger {:.2} ms CPU{}; \
                 lock held {:.2} ms alone), full {:.1} syncs/s = {:.0} transfers/s, settle_share {:.2} of {:.0} \
                 (ledger {:.1} ms CPU{}; lock held {:.1} ms alone)\n",
                c.name,
                c.processes,
                if c.processes == 1 { "" } else { "es" },
                c.small.syncs_per_s,
                c.small.p50_ms,
                c.small.p99_ms,
                c.small.ledger_cpu_ms,
                db(&c.small),
                c.lock_small_ms,
                c.full.syncs_per_s,
                c.settle_per_s,
                c.settle_share,
                c.verify_limit_per_s,
                c.full.ledger_cpu_ms,
                db(&c.full),
                c.lock_full_ms,
            ));
        }
        if self.configuration("postgres_1").is_none() {
            out.push_str(
                "PostgreSQL not measured: give --postgres URL, or run through scripts/postgres.sh \
                 (OUTPOST_TEST_POSTGRES)\n",
            );
        }
        out
    }
}

/// Runs the comparison in `scratch`. `limit(n)` measures the verification limit: `n` strict
/// verifications on each core at once, a second; `n` is as many as a full phase settles.
pub fn run(
    scratch: &Path,
    options: &BackendOptions,
    limit: impl Fn(usize) -> f64,
) -> Result<BackendReport, BenchError> {
    let (runs, small, canteens) = if options.quick { (2, 40, 4) } else { (4, 200, 16) };
    let executable = std::env::current_exe().doing("find the outpost executable")?;
    let server = options.postgres.as_deref().map(PostgresServer::new).transpose()?;
    let mut plans = vec![("sqlite", Database::Sqlite, 1)];
    if let Some(server) = &server {
        plans.push(("postgres_1", Database::Postgres(server.create("one")?), 1));
        plans.push(("postgres_2", Database::Postgres(server.create("two")?), 2));
    }
    let limit = || limit(canteens * MAX_SYNC_TRANSFERS);
    let mut scenes = Vec::new();
    for (name, database, processes) in plans {
        let dir = scratch.join(name);
        std::fs::create_dir_all(&dir).doing("a ledger directory")?;
        scenes.push(Scene::prepare(name, &executable, &dir, database, processes, small, canteens)?);
    }
    for _ in 0..runs {
        for scene in &mut scenes {
            scene.run(&limit)?;
        }
    }
    let configurations = scenes.iter().map(Scene::figures).collect();
    let postgres_settings = server.as_ref().map(PostgresServer::settings).transpose()?;
    Ok(BackendReport {
        runs,
        small_syncs_per_run: small,
        full_syncs_per_run: canteens,
        threads_per_process: THREADS_PER_PROCESS,
        postgres_settings,
        configurations,
    })
}

/// One configuration: its ledger processes, its members, and what its runs measured.
struct Scene {
    name: &'static str,
    key: [u8; 32],
    /// Declared before `admin`: the processes stop before the bench's own connection closes.
    processes: Vec<LedgerProcess>,
    admin: Option<postgres::Client>,
    small: Vec<Member>,
    canteens: Vec<Member>,
    payers: Vec<Payer>,
    lock_small_ms: f64,
    lock_full_ms: f64,
    small_rates: Vec<f64>,
    full_rates: Vec<f64>,
    limits: Vec<f64>,
    shares: Vec<f64>,
    small_latencies: Vec<f64>,
    full_latencies: Vec<f64>,
    small_usage: Usage,
    full_usage: Usage,
}

/// Resources spent by a phase, summed over the runs.
#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    syncs: usize,
    ledger_cpu_ms: f64,
    database_cpu_ms: f64,
    database_bytes: f64,
    wal_bytes: f64,
}

impl Scene {
    /// Makes the ledger in this process (members, payers' purses), times the write lock of a
    /// small and a full sync alone, then starts `processes` ledger processes on it.
    fn prepare(
        name: &'static str,
        executable: &Path,
        dir: &Path,
        database: Database,
        processes: usize,
        small: usize,
        canteens: usize,
    ) -> Result<Scene, BenchError> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let ledger = Ledger::open_on(dir, &database, Currency::JPY, clock, Policy::default())
            .doing("open the ledger")?;
        let mut small_members = (0..small)
            .map(|i| Member::enrol(&ledger, &format!("MEMBER-{i:05}"), now()).doing("enrol"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut canteens = (0..canteens)
            .map(|i| Member::enrol(&ledger, &format!("CANTEEN-{i:04}"), now()).doing("enrol"))
            .collect::<Result<Vec<_>, _>>()?;
        let mut payers = Vec::new();
        for i in 0..PAYERS {
            let mut member = Member::enrol(&ledger, &format!("PAYER-{i:04}"), now()).doing("enrol")?;
            ledger.credit(&member.member_id, yen(50_000)?, "pay").doing("credit")?;
            let purse = Some(PurseOrder { closing: Vec::new(), amount: 20_000 });
            let response = member.sync(&ledger, Vec::new(), purse, now()).doing("sync")?;
            let certificate = response.purse.clone().ok_or_else(|| check("the ledger issued no purse"))?;
            payers.push(Payer::new(member, certificate));
        }

        // The write lock alone: each small member's first sync, then two full syncs.
        let before = ledger.write_lock_held();
        for member in &mut small_members {
            member.sync(&ledger, Vec::new(), None, now()).doing("sync")?;
        }
        let after = ledger.write_lock_held();
        let lock_small_ms = per_transaction_ms(before, after);
        let requests = full_requests(&mut canteens[..2], &mut payers)?;
        let before = ledger.write_lock_held();
        let answers = requests.iter().map(|r| ledger.sync(r).doing("sync")).collect::<Result<Vec<_>, _>>()?;
        let after = ledger.write_lock_held();
        let lock_full_ms = per_transaction_ms(before, after);
        let key = ledger.public_key();
        for ((canteen, request), answer) in canteens.iter_mut().zip(&requests).zip(&answers) {
            check_full(canteen, &key, request, answer)?;
        }
        ledger.check_invariants().doing("the ledger's books")?;
        drop(ledger);

        let admin = match &database {
            Database::Postgres(url) => Some(connect(url)?),
            Database::Sqlite => None,
        };
        let processes = (0..processes)
            .map(|i| LedgerProcess::start(executable, dir, &database, i))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Scene {
            name,
            key,
            processes,
            admin,
            small: small_members,
            canteens,
            payers,
            lock_small_ms,
            lock_full_ms,
            small_rates: Vec::new(),
            full_rates: Vec::new(),
            limits: Vec::new(),
            shares: Vec::new(),
            small_latencies: Vec::new(),
            full_latencies: Vec::new(),
            small_usage: Usage::default(),
            full_usage: Usage::default(),
        })
    }

    /// One run: the limit, the full syncs, the small syncs.
    fn run(&mut self, limit: &impl Fn() -> f64) -> Result<(), BenchError> {
        let requests = full_requests(&mut self.canteens, &mut self.payers)?;
        let limit_per_s = limit();
        let (answers, took, latencies, usage) = self.phase(&requests)?;
        let mut settled = 0;
        for ((canteen, request), answer) in self.canteens.iter_mut().zip(&requests).zip(&answers) {
            settled += check_full(canteen, &self.key, request, answer)?;
        }
        let rate = settled as f64 / took;
        self.full_rates.push(requests.len() as f64 / took);
        self.limits.push(limit_per_s);
        self.shares.push(rate / limit_per_s);
        self.full_latencies.extend(latencies);
        self.full_usage.add(usage);

        let requests = self
            .small
            .iter_mut()
            .map(|member| member.request(Vec::new(), None, now()).doing("sync request"))
            .collect::<Result<Vec<_>, _>>()?;
        let (answers, took, latencies, usage) = self.phase(&requests)?;
        for ((member, request), answer) in self.small.iter_mut().zip(&requests).zip(&answers) {
            member.follow(&self.key, request, answer).doing("sync")?;
        }
        self.small_rates.push(requests.len() as f64 / took);
        self.small_latencies.extend(latencies);
        self.small_usage.add(usage);
        Ok(())
    }

    /// Sends `requests` over the processes' HTTP, [`THREADS_PER_PROCESS`] threads each; returns
    /// the answers in order, the seconds from the first request to the last answer, each
    /// request's milliseconds and what the phase cost.
    #[allow(clippy::type_complexity)]
    fn phase(&mut self, requests: &[Vec<u8>]) -> Result<(Vec<Vec<u8>>, f64, Vec<f64>, Usage), BenchError> {
        let threads = THREADS_PER_PROCESS * self.processes.len();
        let next = AtomicUsize::new(0);
        let answers: Mutex<Vec<Option<(Vec<u8>, f64)>>> = Mutex::new(vec![None; requests.len()]);
        let barrier = Barrier::new(threads + 1);
        let before = self.usage_now()?;
        let failure: Mutex<Option<BenchError>> = Mutex::new(None);
        let processes = &self.processes;
        // The scope returns once every thread has finished: the phase ends with the last answer.
        let start = std::thread::scope(|scope| {
            for thread in 0..threads {
                let url = &processes[thread % processes.len()].url;
                let transport = HttpTransport::with_timeout(url, Duration::from_secs(60));
                let (next, answers, barrier, failure) = (&next, &answers, &barrier, &failure);
                scope.spawn(move || {
                    barrier.wait();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(request) = requests.get(i) else { break };
                        let start = Instant::now();
                        match transport.exchange(request) {
                            Ok(answer) => {
                                let ms = start.elapsed().as_secs_f64() * 1e3;
                                answers.lock().expect("answers")[i] = Some((answer, ms));
                            }
                            Err(e) => {
                                failure.lock().expect("failure").get_or_insert(BenchError::Step {
                                    step: "sync over HTTP",
                                    detail: e.to_string(),
                                });
                                next.store(requests.len(), Ordering::Relaxed);
                            }
                        }
                    }
                });
            }
            barrier.wait();
            Instant::now()
        });
        let took = start.elapsed().as_secs_f64();
        if let Some(e) = failure.into_inner().expect("failure") {
            return Err(e);
        }
        let after = self.usage_now()?;
        let mut out = Vec::with_capacity(requests.len());
        let mut latencies = Vec::with_capacity(requests.len());
        for answer in answers.into_inner().expect("answers") {
            let (answer, ms) = answer.ok_or_else(|| check("a sync was not answered"))?;
            out.push(answer);
            latencies.push(ms);
        }
        let usage = Usage {
            syncs: requests.len(),
            ledger_cpu_ms: after.ledger_cpu_ms - before.ledger_cpu_ms,
            database_cpu_ms: after.database_cpu_ms - before.database_cpu_ms,
            database_bytes: after.database_bytes - before.database_bytes,
            wal_bytes: after.wal_bytes - before.wal_bytes,
        };
        Ok((out, took, latencies, usage))
    }

    /// The counters a phase's cost is the difference of: the ledger processes' CPU, and on
    /// PostgreSQL the CPU of the server processes on this database, its size and the WAL position.
    fn usage_now(&mut self) -> Result<Usage, BenchError> {
        let ledger_cpu_ms = self.processes.iter().map(|p| cpu_ms(p.child.id()).unwrap_or(0.0)).sum();
        let Some(admin) = self.admin.as_mut() else {
            return Ok(Usage { ledger_cpu_ms, ..Usage::default() });
        };
        let row = admin
            .query_one(
                "SELECT COALESCE((SELECT array_agg(pid) FROM pg_stat_activity \
                   WHERE datname = current_database() AND pid <> pg_backend_pid()), '{}'::int[]), \
                 pg_database_size(current_database()), \
                 pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint",
                &[],
            )
            .doing("read the database's counters")?;
        let pids: Vec<i32> = row.get(0);
        let size: i64 = row.get(1);
        let wal: i64 = row.get(2);
        Ok(Usage {
            syncs: 0,
            ledger_cpu_ms,
            database_cpu_ms: pids.iter().filter_map(|&pid| cpu_ms(pid as u32)).sum(),
            database_bytes: size as f64,
            wal_bytes: wal as f64,
        })
    }

    fn figures(&self) -> Configuration {
        let postgres = self.admin.is_some();
        let phase = |rates: &[f64], latencies: &[f64], usage: &Usage| {
            let per = |v: f64| v / usage.syncs.max(1) as f64;
            Phase {
                syncs_per_s: median(rates.to_vec()),
                p50_ms: percentile(latencies, 0.50),
                p99_ms: percentile(latencies, 0.99),
                ledger_cpu_ms: per(usage.ledger_cpu_ms),
                database_cpu_ms: postgres.then(|| per(usage.database_cpu_ms)),
                database_bytes: postgres.then(|| per(usage.database_bytes)),
                wal_bytes: postgres.then(|| per(usage.wal_bytes)),
            }
        };
        Configuration {
            name: self.name,
            processes: self.processes.len(),
            small: phase(&self.small_rates, &self.small_latencies, &self.small_usage),
            full: phase(&self.full_rates, &self.full_latencies, &self.full_usage),
            settle_per_s: median(self.full_rates.iter().map(|r| r * MAX_SYNC_TRANSFERS as f64).collect()),
            verify_limit_per_s: median(self.limits.clone()),
            settle_share: median(self.shares.clone()),
            lock_small_ms: self.lock_small_ms,
            lock_full_ms: self.lock_full_ms,
        }
    }
}

impl Usage {
    fn add(&mut self, other: Usage) {
        self.syncs += other.syncs;
        self.ledger_cpu_ms += other.ledger_cpu_ms;
        self.database_cpu_ms += other.database_cpu_ms;
        self.database_bytes += other.database_bytes;
        self.wal_bytes += other.wal_bytes;
    }
}

fn per_transaction_ms(before: outpost_ledger::WriteLockHeld, after: outpost_ledger::WriteLockHeld) -> f64 {
    let n = after.transactions.saturating_sub(before.transactions).max(1);
    (after.held - before.held).as_secs_f64() * 1e3 / n as f64
}

/// One full sync's request for each canteen: 16 transfers from each payer's purse, continuing
/// its chain.
fn full_requests(canteens: &mut [Member], payers: &mut [Payer]) -> Result<Vec<Vec<u8>>, BenchError> {
    let per_payer = MAX_SYNC_TRANSFERS / PAYERS;
    let mut requests = Vec::with_capacity(canteens.len());
    for canteen in canteens {
        let mut transfers = Vec::with_capacity(MAX_SYNC_TRANSFERS);
        for payer in payers.iter_mut() {
            for _ in 0..per_payer {
                transfers.push(payer.pay(canteen.identity.public().signing_key, 10, now()).doing("pay")?);
            }
        }
        requests.push(canteen.request(transfers, None, now()).doing("sync request")?);
    }
    Ok(requests)
}

/// Checks a full sync's answer; every transfer must have settled. Returns how many did.
fn check_full(
    canteen: &mut Member,
    key: &[u8; 32],
    request: &[u8],
    answer: &[u8],
) -> Result<usize, BenchError> {
    let (_, response) = canteen.follow(key, request, answer).doing("sync")?;
    let settled = response.outcomes.iter().filter(|o| o.outcome == Outcome::Settled).count();
    if settled != MAX_SYNC_TRANSFERS {
        return Err(check(format!("the ledger settled {settled} of {MAX_SYNC_TRANSFERS} transfers")));
    }
    Ok(settled)
}

fn percentile(samples: &[f64], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n => sorted[((n as f64 * q).ceil() as usize).clamp(1, n) - 1],
    }
}

/// CPU time (user and system) a process has used, in milliseconds, from `/proc/PID/stat`; `None`
/// where there is no such file (another system, or a database on another host).
fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name in parentheses: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports them in USER_HZ, 100 a second on every architecture it supports.
    Some(ticks * 10.0)
}

/// An `outpost ledger serve` child on loopback, killed when dropped.
struct LedgerProcess {
    child: Child,
    url: String,
}

impl LedgerProcess {
    fn start(
        executable: &Path,
        dir: &Path,
        database: &Database,
        index: usize,
    ) -> Result<LedgerProcess, BenchError> {
        let log =
            std::fs::File::create(dir.join(format!("serve-{index}.log"))).doing("the ledger's log file")?;
        let mut command = Command::new(executable);
        command
            .args(["ledger", "serve", "--listen", "127.0.0.1:0", "--dir"])
            .arg(dir)
            // Warnings and errors only: a line per request would be the log's cost, not the ledger's.
            .env("OUTPOST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log);
        if let Database::Postgres(url) = database {
            command.args(["--database", url]);
        }
        let mut child = command.spawn().doing("start `outpost ledger serve`")?;
        let stdout = child.stdout.take().ok_or_else(|| check("the ledger's output was not captured"))?;
        let mut process = LedgerProcess { child, url: String::new() };
        for line in BufReader::new(stdout).lines() {
            let line = line.doing("read the ledger's output")?;
            if let Some(url) = line.strip_prefix("listening on ") {
                process.url = url.trim().to_owned();
                return Ok(process);
            }
        }
        let log = std::fs::read_to_string(dir.join(format!("serve-{index}.log"))).unwrap_or_default();
        Err(BenchError::LedgerStopped { log: log.trim().to_owned() })
    }
}

impl Drop for LedgerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The PostgreSQL server the bench makes its databases on.
struct PostgresServer {
    url: String,
}

fn connect(url: &str) -> Result<postgres::Client, BenchError> {
    postgres::Client::connect(url, postgres::NoTls)
        .map_err(|e| BenchError::Postgres { step: "connect", detail: e.to_string() })
}

impl PostgresServer {
    fn new(url: &str) -> Result<PostgresServer, BenchError> {
        connect(url)?;
        Ok(PostgresServer { url: url.to_owned() })
    }

    /// A new, empty database (named for this process: [`PostgresServer::drop_databases`] finds
    /// it); its URL.
    fn create(&self, what: &str) -> Result<String, BenchError> {
        let name = format!("outpost_bench_{}_{}_{what}", std::process::id(), now());
        connect(&self.url)?
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .map_err(|e| BenchError::Postgres { step: "create a database", detail: e.to_string() })?;
        let (base, _) = self.url.rsplit_once('/').ok_or(BenchError::Postgres {
            step: "name a database",
            detail: "the URL has no database name".into(),
        })?;
        Ok(format!("{base}/{name}"))
    }

    fn settings(&self) -> Result<String, BenchError> {
        let mut client = connect(&self.url)?;
        let mut get = |name: &str| -> Result<String, BenchError> {
            let row = client.query_one(&format!("SHOW {name}"), &[]).doing("read a setting")?;
            Ok(format!("{name}={}", row.get::<_, String>(0)))
        };
        Ok(format!("{} {}", get("fsync")?, get("synchronous_commit")?))
    }
}

impl Drop for PostgresServer {
    /// Drops every database this run made (after the scenes, declared later, have stopped their
    /// processes).
    fn drop(&mut self) {
        let Ok(mut client) = connect(&self.url) else { return };
        let prefix = format!("outpost_bench_{}_", std::process::id());
        let names: Vec<String> = client
            .query("SELECT datname FROM pg_database WHERE starts_with(datname, $1)", &[&prefix])
            .map(|rows| rows.iter().map(|r| r.get(0)).collect())
            .unwrap_or_default();
        for name in names {
            let _ = client.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}
