//! Organisation units and user roles.

pub mod names;

use std::fmt;
use std::str::FromStr;

/// What kind of body an organisation unit is. The tree is city → county/district/zone →
/// department, but departments also hang directly under the city (市直部门).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    City,
    County,
    District,
    Zone,
    Department,
    Office,
}

impl OrgKind {
    pub const ALL: [OrgKind; 6] = [
        OrgKind::City,
        OrgKind::County,
        OrgKind::District,
        OrgKind::Zone,
        OrgKind::Department,
        OrgKind::Office,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OrgKind::City => "city",
            OrgKind::County => "county",
            OrgKind::District => "district",
            OrgKind::Zone => "zone",
            OrgKind::Department => "department",
            OrgKind::Office => "office",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::City => "市",
            OrgKind::County => "县",
            OrgKind::District => "区",
            OrgKind::Zone => "开发区/园区",
            OrgKind::Department => "部门",
            OrgKind::Office => "议事协调机构",
        }
    }
}

/// The roles a user can hold. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Admin,
    Office,
    Leader,
    Supervisor,
    Unit,
    Acceptance,
    Discipline,
    Viewer,
    /// 省级督察办: the province's office, on the province's own site only.
    Province,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::Admin,
        Role::Office,
        Role::Leader,
        Role::Supervisor,
        Role::Unit,
        Role::Acceptance,
        Role::Discipline,
        Role::Viewer,
        Role::Province,
    ];

    /// The roles a city's site admits: every role but the province's, which opens only the
    /// province's pages.
    pub const CITY: [Role; 8] = [
        Role::Admin,
        Role::Office,
        Role::Leader,
        Role::Supervisor,
        Role::Unit,
        Role::Acceptance,
        Role::Discipline,
        Role::Viewer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Office => "office",
            Role::Leader => "leader",
            Role::Supervisor => "supervisor",
            Role::Unit => "unit",
            Role::Acceptance => "acceptance",
            Role::Discipline => "discipline",
            Role::Viewer => "viewer",
            Role::Province => "province",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Office => "整改办",
            Role::Leader => "责任领导",
            Role::Supervisor => "监管人",
            Role::Unit => "责任单位经办人",
            Role::Acceptance => "验收单位",
            Role::Discipline => "纪委监委",
            Role::Viewer => "只读用户",
            Role::Province => "省级督察办",
        }
    }
}

/// A code that names no known role or org kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知的{what}“{value}”，可选值：{allowed}")]
pub struct UnknownCode {
    pub what: &'static str,
    pub value: String,
    pub allowed: String,
}

fn parse_code<T: Copy>(
    what: &'static str,
    all: &[T],
    code: fn(T) -> &'static str,
    s: &str,
) -> Result<T, UnknownCode> {
    let wanted = s.trim();
    all.iter()
        .copied()
        .find(|v| code(*v).eq_ignore_ascii_case(wanted))
        .ok_or_else(|| UnknownCode {
            what,
            value: s.to_string(),
            allowed: all.iter().map(|v| code(*v)).collect::<Vec<_>>().join(", "),
        })
}

impl FromStr for Role {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_code("角色", &Role::ALL, Role::code, s)
    }
}

impl FromStr for OrgKind {
    type Err = UnknownCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_code("单位类型", &OrgKind::ALL, OrgKind::code, s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_code() {
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>(), Ok(role));
        }
        for kind in OrgKind::ALL {
            assert_eq!(kind.code().parse::<OrgKind>(), Ok(kind));
        }
    }

    #[test]
    fn unknown_role_lists_the_allowed_codes() {
        let err = "boss".parse::<Role>().unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("boss"), "{msg}");
        assert!(msg.contains("discipline"), "{msg}");
    }
}
