//! The workspace every sandbox starts with: Lumen Coffee Roasters, three teammates and three
//! teams. They never change, so they are constants rather than state.

/// The workspace (`app` in Intercom's JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct App {
    /// Its `id_code`, also the `app_id` of every notification.
    pub id_code: &'static str,
    /// Its name.
    pub name: &'static str,
    /// Where its data lives.
    pub region: &'static str,
    /// Its timezone.
    pub timezone: &'static str,
    /// When it was created, in Unix seconds.
    pub created_at: i64,
}

/// A teammate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admin {
    /// Its numeric id.
    pub id: u64,
    /// Its name.
    pub name: &'static str,
    /// Its email.
    pub email: &'static str,
    /// Its job title.
    pub job_title: &'static str,
    /// Whether it is away.
    pub away: bool,
}

/// A team of admins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Team {
    /// Its numeric id.
    pub id: u64,
    /// Its name.
    pub name: &'static str,
    /// Its members.
    pub admin_ids: &'static [u64],
}

/// The one workspace.
pub const APP: App = App {
    id_code: "sandbox1",
    name: "Lumen Coffee Roasters (sandbox)",
    region: "US",
    timezone: "Europe/London",
    created_at: 1_704_067_200,
};

/// The admin the access token belongs to (`GET /me`).
pub const ME: u64 = 991001;

/// Every teammate.
pub const ADMINS: [Admin; 3] = [
    Admin {
        id: 991001,
        name: "Ana Torres",
        email: "ana@lumen.example",
        job_title: "Support lead",
        away: false,
    },
    Admin { id: 991002, name: "Ben Okafor", email: "ben@lumen.example", job_title: "Billing", away: false },
    Admin {
        id: 991003,
        name: "Chloe Martin",
        email: "chloe@lumen.example",
        job_title: "Engineer",
        away: true,
    },
];

/// Every team.
pub const TEAMS: [Team; 3] = [
    Team { id: 881001, name: "Support", admin_ids: &[991001, 991002] },
    Team { id: 881002, name: "Billing", admin_ids: &[991002] },
    Team { id: 881003, name: "Technical support", admin_ids: &[991003] },
];

/// The admin whose id, as a string or a number, is `id`.
pub fn admin(id: &str) -> Option<&'static Admin> {
    ADMINS.iter().find(|admin| admin.id.to_string() == id.trim())
}

/// The team whose id is `id`.
pub fn team(id: &str) -> Option<&'static Team> {
    TEAMS.iter().find(|team| team.id.to_string() == id.trim())
}

impl Admin {
    /// The teams it belongs to.
    pub fn team_ids(&self) -> Vec<u64> {
        TEAMS.iter().filter(|team| team.admin_ids.contains(&self.id)).map(|team| team.id).collect()
    }

    /// Its initials, for the avatar picture.
    pub fn initials(&self) -> String {
        self.name.split_whitespace().filter_map(|word| word.chars().next()).take(2).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_are_found_by_id_and_know_their_teams() {
        let ben = admin("991002").expect("Ben exists");
        assert_eq!(ben.initials(), "BO");
        assert_eq!(ben.team_ids(), vec![881001, 881002]);
        assert!(admin("1").is_none());
        assert_eq!(team("881003").map(|team| team.name), Some("Technical support"));
    }
}
