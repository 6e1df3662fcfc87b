//! Where the CPU went during a scenario: the load generator's own process, the server's
//! process (when its pid is known) and the whole machine, read from `/proc` before and
//! after. On a 2-core machine with the generator beside the server this is what tells a
//! server limit from a generator limit.
//!
//! Off Linux (no `/proc`) every figure is `None` and the report prints "–".

/// CPU counters at one instant.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Load generator (this process): user + system clock ticks.
    bench: Option<u64>,
    /// Server process: user + system clock ticks.
    server: Option<u64>,
    /// Machine: (busy ticks, total ticks) over all cores.
    machine: Option<(u64, u64)>,
    at: std::time::Instant,
}

/// CPU use over an interval, in percent of one core (so up to 100 × cores).
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    pub bench: Option<f64>,
    pub server: Option<f64>,
    /// Share of all cores busy, 0–100.
    pub machine: Option<f64>,
    /// Everything else on the machine (other processes, the kernel's own threads), percent
    /// of one core; known only with the server's pid. Well above zero means the figures
    /// were disturbed.
    pub others: Option<f64>,
}

impl Sample {
    pub fn now(server_pid: Option<u32>) -> Sample {
        Sample {
            bench: process_ticks("self"),
            server: server_pid.and_then(|pid| process_ticks(&pid.to_string())),
            machine: machine_ticks(),
            at: std::time::Instant::now(),
        }
    }

    /// Usage between `self` and a later sample.
    pub fn usage_until(&self, later: &Sample) -> Usage {
        let secs = later.at.duration_since(self.at).as_secs_f64();
        let hz = clock_ticks_per_second();
        let pct = |a: Option<u64>, b: Option<u64>| {
            let (a, b) = (a?, b?);
            (secs > 0.0).then(|| b.saturating_sub(a) as f64 / hz / secs * 100.0)
        };
        let bench = pct(self.bench, later.bench);
        let server = pct(self.server, later.server);
        let machine = match (self.machine, later.machine) {
            (Some((b0, t0)), Some((b1, t1))) if t1 > t0 => {
                Some(b1.saturating_sub(b0) as f64 / (t1 - t0) as f64 * 100.0)
            }
            _ => None,
        };
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get) as f64;
        let others = match (machine, bench, server) {
            (Some(m), Some(b), Some(s)) => Some((m * cores - b - s).max(0.0)),
            _ => None,
        };
        Usage {
            bench,
            server,
            machine,
            others,
        }
    }
}

fn clock_ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value; it has no memory-safety preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if hz > 0 { hz as f64 } else { 100.0 }
}

/// utime + stime of `/proc/<pid>/stat` (fields 14 and 15).
fn process_ticks(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may contain spaces: count fields
    // from the last ')', after which field 3 (state) comes first.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// (busy, total) ticks from the `cpu` line of `/proc/stat`; idle and iowait are not busy.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let values: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3)? + values.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_process() {
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(process_ticks("self").is_some());
            let (busy, total) = machine_ticks().unwrap();
            assert!(busy <= total);
        }
    }
}
