//! The PostgreSQL the bridges share in a run: `baton-pg-throwaway`'s cluster, started with the
//! settings given on the command line over PostgreSQL's durable defaults. Unlike the bridge's
//! throw-away test cluster (`fsync=off`), it keeps `fsync`, `synchronous_commit` and
//! `full_page_writes` on, as a deployment would and as the SQLite bridge's `synchronous = FULL`
//! does.

use baton_pg_throwaway::{Cluster, ClusterError};
use tokio::task::block_in_place;

/// A server setting given on the command line, `name=value` without spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting(String);

impl AsRef<str> for Setting {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Setting {
    type Err = String;

    fn from_str(text: &str) -> Result<Setting, String> {
        match text.split_once('=') {
            Some((name, value))
                if !name.is_empty() && !value.is_empty() && !text.contains(char::is_whitespace) =>
            {
                Ok(Setting(text.to_owned()))
            }
            _ => Err(format!("`{text}` is not name=value without spaces")),
        }
    }
}

/// Makes and starts a cluster with `settings` over PostgreSQL's defaults. Its programs are waited
/// for in place, the runtime's other tasks moved to another thread meanwhile.
pub fn start(settings: &[Setting]) -> Result<Cluster, ClusterError> {
    block_in_place(|| {
        let cluster = Cluster::create()?;
        cluster.start(settings)?;
        Ok(cluster)
    })
}

/// Creates an empty database of its own on `cluster`; its URL.
pub fn database(cluster: &Cluster) -> Result<String, ClusterError> {
    block_in_place(|| cluster.database())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_setting_is_a_name_and_a_value_without_spaces() {
        assert_eq!("fsync=off".parse(), Ok(Setting("fsync=off".into())));
        assert!("fsync".parse::<Setting>().is_err());
        assert!("=off".parse::<Setting>().is_err());
        assert!("fsync=off -c x=y".parse::<Setting>().is_err());
    }
}
