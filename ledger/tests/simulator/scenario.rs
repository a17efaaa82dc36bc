//! Scenarios: a population and a list of steps, both drawn from one seed. A step names members
//! by index and carries raw numbers that it interprets against the world as it finds it, so any
//! sub-list of a scenario's steps is a scenario too (a step that finds nothing to do does
//! nothing): that is what lets a failing scenario shrink.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use crate::backend::{Backend, DAY};
use crate::checks;
use crate::rng::Rng;
use crate::world::{Forgery, Role, Stats, World};

impl World<'_> {
    /// The device a [`Phone`] names, if there is one.
    fn phone(&self, phone: Phone) -> Option<usize> {
        match phone {
            Phone::Of(member) => self.members[member].device,
            Phone::Lost(n) => {
                let lost: Vec<usize> = (0..self.devices.len()).filter(|&d| self.devices[d].lost).collect();
                (!lost.is_empty()).then(|| lost[n % lost.len()])
            }
        }
    }
}

/// A phone, as a forgery's signer or receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phone {
    /// The member's phone now. Only a cheat's signs forgeries.
    Of(usize),
    /// The `n`-th phone reported lost, counted modulo how many there are: in a thief's hands
    /// (or a cheat's who reported their own phone lost). It signs anything and accepts anything.
    Lost(usize),
}

/// How scenarios are drawn.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// No clock to move (the real binary): no clock moves, sweeps or late uploads.
    pub timeless: bool,
    /// Random steps after everyone is paid and given a purse: from, to.
    pub length: (u64, u64),
    /// Forgeries may be shown to a lost phone, whose thief signs receipts for them.
    pub thief_receives: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Credit {
        member: usize,
        amount: u64,
    },
    SetLimit {
        member: usize,
        limit: u64,
    },
    Sync {
        member: usize,
        order: u64,
        pick: u64,
    },
    Pay {
        from: usize,
        to: usize,
        amount: u64,
        confirm: bool,
    },
    Forge {
        signer: Phone,
        to: Phone,
        how: Forgery,
        amount: u64,
        pick: u64,
        confirm: bool,
    },
    RevokePurse {
        member: usize,
        pick: u64,
    },
    LoseDevice {
        member: usize,
        replace: bool,
    },
    NewPhone {
        member: usize,
    },
    Advance {
        secs: u64,
    },
    Sweep,
    Replay {
        member: usize,
    },
    /// Whoever holds a lost phone tries to sync with it.
    SyncLostPhone {
        phone: usize,
        order: u64,
    },
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub seed: u64,
    /// Each member's role and phone-clock lag.
    pub population: Vec<(Role, u64)>,
    pub steps: Vec<Step>,
}

/// A scenario that broke a rule: where, and what the simulation did up to there.
#[derive(Debug, Clone)]
pub struct Failure {
    pub step: usize,
    pub message: String,
    pub trace: Vec<String>,
}

const FORGERIES: [Forgery; 6] =
    [Forgery::Rival, Forgery::WrongTotal, Forgery::BrokenLink, Forgery::Gap, Forgery::Extend, Forgery::Any];

impl Scenario {
    /// The scenario of `seed`: 4 to 6 members (at least two honest, at least one cheat), every
    /// member paid and given a purse, then a run of everyday life and attacks.
    pub fn generate(seed: u64, options: Options) -> Scenario {
        let Options { timeless, length, thief_receives } = options;
        let mut rng = Rng::new(seed);
        let n = rng.range(4, 6) as usize;
        let mut population = vec![(Role::Honest, 0), (Role::Honest, 0), (Role::Cheat, 0)];
        while population.len() < n {
            let role = match rng.below(100) {
                0..40 => Role::Honest,
                40..70 => Role::Cheat,
                _ => Role::Accomplice,
            };
            population.push((role, 0));
        }
        rng.shuffle(&mut population);
        for (role, skew) in &mut population {
            if *role == Role::Honest && !timeless && rng.chance(15) {
                *skew = rng.range(DAY, 4 * DAY);
            }
        }
        let cheats: Vec<usize> = (0..n).filter(|&i| population[i].0 == Role::Cheat).collect();

        let mut steps = Vec::new();
        for member in 0..n {
            steps.push(Step::Credit { member, amount: rng.range(300, 3000) });
        }
        for member in 0..n {
            if rng.chance(15) {
                steps.push(Step::SetLimit { member, limit: rng.range(50, 2000) });
            }
            steps.push(Step::Sync { member, order: rng.range(100, 1500), pick: rng.next_u64() });
        }
        let length = rng.range(length.0, length.1);
        let member = |rng: &mut Rng| rng.index(n);
        for _ in 0..length {
            let roll = rng.below(100);
            let step = match roll {
                0..24 => {
                    let from = member(&mut rng);
                    let to = (from + 1 + rng.index(n - 1)) % n;
                    Step::Pay { from, to, amount: rng.range(1, 400), confirm: rng.chance(60) }
                }
                24..46 => {
                    let signer = if rng.chance(75) {
                        Phone::Of(rng.pick(&cheats).expect("a cheat"))
                    } else {
                        Phone::Lost(rng.index(4))
                    };
                    let to = if thief_receives && rng.chance(15) {
                        Phone::Lost(rng.index(4))
                    } else {
                        Phone::Of(member(&mut rng))
                    };
                    Step::Forge {
                        signer,
                        to,
                        how: rng.pick(&FORGERIES).expect("a forgery"),
                        amount: rng.next_u64(),
                        pick: rng.next_u64(),
                        confirm: rng.chance(60),
                    }
                }
                46..72 => {
                    let order = if rng.chance(30) { rng.range(50, 1500) } else { 0 };
                    Step::Sync { member: member(&mut rng), order, pick: rng.next_u64() }
                }
                72..76 => Step::Credit { member: member(&mut rng), amount: rng.range(50, 2000) },
                76..78 => Step::SetLimit { member: member(&mut rng), limit: rng.range(50, 2000) },
                78..80 => Step::RevokePurse { member: member(&mut rng), pick: rng.next_u64() },
                80..84 => Step::LoseDevice { member: member(&mut rng), replace: rng.chance(50) },
                84..86 => Step::NewPhone { member: member(&mut rng) },
                86..88 => {
                    if rng.chance(50) {
                        Step::Replay { member: member(&mut rng) }
                    } else {
                        Step::SyncLostPhone { phone: rng.index(4), order: rng.range(0, 1) * 500 }
                    }
                }
                _ if timeless => Step::Sync { member: member(&mut rng), order: 0, pick: rng.next_u64() },
                88..98 => Step::Advance { secs: rng.range(3600, 3 * DAY) },
                _ => Step::Sweep,
            };
            steps.push(step);
        }
        Scenario { seed, population, steps }
    }
}

fn apply(world: &mut World<'_>, step: &Step) -> Result<(), String> {
    match *step {
        Step::Credit { member, amount } => world.credit(member, amount),
        Step::SetLimit { member, limit } => world.set_limit(member, limit),
        Step::Sync { member, order, pick } => world.sync(member, order, pick),
        Step::Pay { from, to, amount, confirm } => world.pay(from, to, amount, confirm),
        Step::Forge { signer, to, how, amount, pick, confirm } => {
            let signs = match signer {
                Phone::Of(m) if world.members[m].role != Role::Cheat => None,
                phone => world.phone(phone),
            };
            match (signs, world.phone(to)) {
                (Some(signer), Some(receiver)) => world.forge(signer, receiver, how, amount, pick, confirm),
                _ => Ok(()),
            }
        }
        Step::RevokePurse { member, pick } => world.revoke_purse(member, pick),
        Step::LoseDevice { member, replace } => world.lose_device(member, replace),
        Step::NewPhone { member } => world.new_phone(member),
        Step::Advance { secs } => {
            world.advance(secs);
            Ok(())
        }
        Step::Sweep => world.sweep(),
        Step::Replay { member } => world.replay(member),
        Step::SyncLostPhone { phone, order } => match world.phone(Phone::Lost(phone)) {
            Some(device) => world.sync_lost_phone(device, order),
            None => Ok(()),
        },
    }
}

/// Runs `steps` with `population` on `backend`, checking every rule after every step.
pub fn run(
    backend: &dyn Backend,
    population: &[(Role, u64)],
    steps: &[Step],
    seed: u64,
) -> Result<Stats, Failure> {
    let mut world = match catch_unwind(AssertUnwindSafe(|| World::new(backend, population, seed))) {
        Ok(Ok(world)) => world,
        Ok(Err(message)) => return Err(Failure { step: 0, message, trace: Vec::new() }),
        Err(panic) => return Err(Failure { step: 0, message: panic_text(panic), trace: Vec::new() }),
    };
    let mut entries_before = 0;
    let mut last = None;
    for (i, step) in steps.iter().enumerate() {
        world.step = i;
        world.log_may_grow_by = None;
        world.told_balance = None;
        world.stats.steps += 1;
        world.trace.push(format!("{i}: {step:?}"));
        let result = catch_unwind(AssertUnwindSafe(|| -> Result<_, String> {
            apply(&mut world, step)?;
            let obs = backend.observe()?;
            checks::check(&world, &obs, entries_before)?;
            Ok(obs)
        }));
        let failed = match result {
            Ok(Ok(obs)) => {
                entries_before = obs.entries.len();
                last = Some(obs);
                continue;
            }
            Ok(Err(message)) => message,
            Err(panic) => format!("panicked: {}", panic_text(panic)),
        };
        return Err(Failure { step: i, message: failed, trace: std::mem::take(&mut world.trace) });
    }
    Ok(match last {
        Some(obs) => checks::tally(&world, &obs),
        None => Stats::default(),
    })
}

fn panic_text(panic: Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "a panic without a message".into())
}

/// Greedy delta debugging: drops ever smaller runs of steps while the scenario still fails on
/// a fresh ledger, until no single step can go or `budget` is spent. Returns the shortest
/// failing list found and its failure.
pub fn shrink(
    fresh: &dyn Fn() -> Box<dyn Backend>,
    scenario: &Scenario,
    failure: Failure,
    budget: Duration,
) -> (Vec<Step>, Failure) {
    let started = Instant::now();
    // Steps after the failing one never ran.
    let mut steps: Vec<Step> = scenario.steps[..=failure.step.min(scenario.steps.len() - 1)].to_vec();
    let mut best = failure;
    let mut chunk = (steps.len() / 2).max(1);
    loop {
        let mut progress = false;
        let mut start = 0;
        while start < steps.len() && started.elapsed() < budget {
            let mut candidate = steps.clone();
            candidate.drain(start..(start + chunk).min(steps.len()));
            let backend = fresh();
            match run(backend.as_ref(), &scenario.population, &candidate, scenario.seed) {
                Err(failure) => {
                    steps = candidate[..=failure.step.min(candidate.len().saturating_sub(1))].to_vec();
                    best = failure;
                    progress = true;
                }
                Ok(_) => start += chunk,
            }
        }
        if started.elapsed() >= budget || (chunk == 1 && !progress) {
            return (steps, best);
        }
        if !progress {
            chunk = (chunk / 2).max(1);
        }
    }
}
