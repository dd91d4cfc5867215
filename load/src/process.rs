//! What the servers under load cost the machine: memory and CPU time, read from `/proc`.
//! Parsing is pure and tested here; reading the files is the one edge.

use std::collections::HashMap;

/// Linux reports CPU time in clock ticks of a fixed 100 per second (`USER_HZ`).
const TICKS_PER_SECOND: f64 = 100.0;

/// Processes measured together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watched {
    /// These processes, their resident memory (RSS) summed: the bridges, as `--compare` always
    /// measured one.
    Each(Vec<u32>),
    /// This process and every process under it, their proportional memory (PSS) summed, so
    /// that pages they share (PostgreSQL's shared buffers, nginx's master and worker) count once.
    Tree(u32),
}

impl Watched {
    /// Memory now, kB; `None` when a process cannot be read.
    pub fn memory_kb(&self) -> Option<u64> {
        match self {
            Watched::Each(pids) => pids.iter().map(|pid| field_kb(&read(*pid, "status")?, "VmRSS:")).sum(),
            Watched::Tree(root) => {
                tree(*root).iter().map(|pid| field_kb(&read(*pid, "smaps_rollup")?, "Pss:")).sum()
            }
        }
    }

    /// CPU seconds used so far, user and system, with those of the children they reaped (so a
    /// PostgreSQL backend that ended still counts); `None` when a process cannot be read.
    pub fn cpu_seconds(&self) -> Option<f64> {
        let pids = match self {
            Watched::Each(pids) => pids.clone(),
            Watched::Tree(root) => tree(*root),
        };
        let ticks: Option<u64> = pids.iter().map(|pid| cpu_ticks(&read(*pid, "stat")?)).sum();
        Some(ticks? as f64 / TICKS_PER_SECOND)
    }
}

fn read(pid: u32, file: &str) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).ok()
}

/// `root` and every process below it, from the parent of each process running now.
fn tree(root: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|entries| {
            entries
                .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|pid| Some((pid, parent(&read(pid, "stat")?)?)))
                .collect()
        })
        .unwrap_or_default();
    descendants(root, &parents)
}

/// `root` and its descendants, given `(process, parent)` pairs.
fn descendants(root: u32, parents: &[(u32, u32)]) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for (pid, parent) in parents {
        children.entry(*parent).or_default().push(*pid);
    }
    let mut found = vec![root];
    let mut next = 0;
    while let Some(pid) = found.get(next).copied() {
        found.extend(children.get(&pid).into_iter().flatten());
        next += 1;
    }
    found
}

/// The fields of `/proc/<pid>/stat` after the command name, which may itself hold spaces and
/// parentheses: the state is the first.
fn stat_fields(stat: &str) -> Vec<&str> {
    stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default()
}

fn parent(stat: &str) -> Option<u32> {
    stat_fields(stat).get(1)?.parse().ok()
}

/// utime + stime + cutime + cstime (fields 14 to 17 of `stat`).
fn cpu_ticks(stat: &str) -> Option<u64> {
    let fields = stat_fields(stat);
    fields.get(11..15)?.iter().map(|field| field.parse::<u64>().ok()).sum()
}

/// The value of a `Name:   123 kB` line.
fn field_kb(text: &str, name: &str) -> Option<u64> {
    text.lines().find(|line| line.starts_with(name))?.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STAT: &str = "4242 (postgres: baton case0 (x)) S 4200 4200 4200 0 -1 4194560 300 0 0 0 \
                        150 50 7 3 20 0 1 0 12345 230000000 4000 18446744073709551615";

    #[test]
    fn cpu_time_and_parent_are_read_past_a_command_name_with_parentheses() {
        assert_eq!(parent(STAT), Some(4200));
        assert_eq!(cpu_ticks(STAT), Some(150 + 50 + 7 + 3));
        assert_eq!(cpu_ticks("garbage"), None);
    }

    #[test]
    fn a_tree_holds_the_root_and_every_process_below_it_only() {
        let parents = [(2, 1), (3, 2), (4, 1), (5, 9), (6, 3)];
        let mut found = descendants(2, &parents);
        found.sort_unstable();
        assert_eq!(found, [2, 3, 6]);
        assert_eq!(descendants(7, &parents), [7]);
    }

    #[test]
    fn memory_is_read_from_its_named_line() {
        let rollup = "Rss:               12000 kB\nPss:                4321 kB\nPss_Anon:    100 kB\n";
        assert_eq!(field_kb(rollup, "Pss:"), Some(4321));
        assert_eq!(field_kb("VmRSS:\t  2048 kB\n", "VmRSS:"), Some(2048));
        assert_eq!(field_kb(rollup, "VmRSS:"), None);
    }
}
