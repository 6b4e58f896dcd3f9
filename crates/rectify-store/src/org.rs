//! The organisation tree and the people who hold posts in it.

use crate::bind::Bind;
use crate::journal::{Change, append};
use crate::{Store, StoreError};
use rectify_core::org::OrgKind;
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgUnit {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub sort_order: i64,
}

impl OrgUnit {
    fn snapshot(&self) -> Value {
        json!({
            "id": self.id,
            "parent_id": self.parent_id,
            "code": self.code,
            "name": self.name,
            "kind": self.kind.code(),
            "sort_order": self.sort_order,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewOrgUnit<'a> {
    pub code: &'a str,
    pub name: &'a str,
    pub kind: OrgKind,
    /// Code or name of the parent unit; `None` for a root (the city).
    pub parent: Option<&'a str>,
    pub sort_order: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: i64,
    pub name: String,
    pub position: String,
    pub unit_id: i64,
}

pub(crate) const SELECT_UNIT: &str =
    "SELECT id, parent_id, code, name, kind, sort_order FROM org_units";

/// The city the organisation tree is of: its root of kind city (the first made, should there be
/// several), else its first root. The city's own figures are its: the air targets are measured
/// on the stations that carry its name, and a group's work falls to it.
pub fn home_city(units: &[OrgUnit]) -> Option<&OrgUnit> {
    units
        .iter()
        .filter(|u| u.parent_id.is_none())
        .min_by_key(|u| (u.kind != OrgKind::City, u.id))
}

pub(crate) fn unit_from_row(row: &AnyRow) -> Result<OrgUnit, StoreError> {
    let kind: String = row.try_get(4)?;
    Ok(OrgUnit {
        id: row.try_get(0)?,
        parent_id: row.try_get(1)?,
        code: row.try_get(2)?,
        name: row.try_get(3)?,
        kind: kind
            .parse()
            .map_err(|e: rectify_core::org::UnknownCode| StoreError::Invalid(e.to_string()))?,
        sort_order: row.try_get(5)?,
    })
}

impl Store {
    pub async fn add_org_unit(
        &self,
        actor: &str,
        new: NewOrgUnit<'_>,
    ) -> Result<OrgUnit, StoreError> {
        let parent_id = match new.parent {
            Some(key) => Some(self.org_unit(key).await?.id),
            None => None,
        };
        for key in [new.code, new.name] {
            if self.find_org_unit(key).await?.is_some() {
                return Err(StoreError::Conflict {
                    what: "单位",
                    key: key.to_string(),
                });
            }
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO org_units (parent_id, code, name, kind, sort_order)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .arg(parent_id)
        .arg(new.code)
        .arg(new.name)
        .arg(new.kind.code())
        .arg(new.sort_order)
        .fetch_one(&mut *tx)
        .await?;
        let unit = OrgUnit {
            id,
            parent_id,
            code: new.code.to_string(),
            name: new.name.to_string(),
            kind: new.kind,
            sort_order: new.sort_order,
        };
        let change = Change {
            actor,
            action: "create",
            entity: "org_unit",
            entity_id: id.to_string(),
            before: None,
            after: Some(unit.snapshot()),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(unit)
    }

    /// All units, parents before children within each sort order.
    pub async fn org_units(&self) -> Result<Vec<OrgUnit>, StoreError> {
        let sql = format!("{SELECT_UNIT} ORDER BY sort_order, id");
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(unit_from_row).collect()
    }

    /// Moves a unit (by code or name) under another, to mend a tree: journaled. A unit cannot
    /// go under itself or its own subtree, and the root stays where it is.
    pub async fn move_org_unit(
        &self,
        actor: &str,
        key: &str,
        parent_key: &str,
    ) -> Result<OrgUnit, StoreError> {
        let unit = self.org_unit(key).await?;
        let parent = self.org_unit(parent_key).await?;
        if unit.parent_id.is_none() {
            return Err(StoreError::Refused(format!(
                "“{}”是根单位，不能移动",
                unit.name
            )));
        }
        let units = self.org_units().await?;
        let mut ancestor = Some(parent.id);
        while let Some(id) = ancestor {
            if id == unit.id {
                return Err(StoreError::Refused(format!(
                    "“{}”不能移到自己或其下级“{}”之下",
                    unit.name, parent.name
                )));
            }
            ancestor = units.iter().find(|u| u.id == id).and_then(|u| u.parent_id);
        }
        let after = OrgUnit {
            parent_id: Some(parent.id),
            ..unit.clone()
        };
        self.update_org_unit(actor, "move", &unit, after).await
    }

    /// Sets a unit's kind (county, district, zone, department …): journaled.
    pub async fn set_org_kind(
        &self,
        actor: &str,
        key: &str,
        kind: OrgKind,
    ) -> Result<OrgUnit, StoreError> {
        let unit = self.org_unit(key).await?;
        let after = OrgUnit {
            kind,
            ..unit.clone()
        };
        self.update_org_unit(actor, "set_kind", &unit, after).await
    }

    async fn update_org_unit(
        &self,
        actor: &str,
        action: &'static str,
        before: &OrgUnit,
        after: OrgUnit,
    ) -> Result<OrgUnit, StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE org_units SET parent_id = $1, kind = $2 WHERE id = $3")
            .arg(after.parent_id)
            .arg(after.kind.code())
            .arg(after.id)
            .execute(&mut *tx)
            .await?;
        let change = Change {
            actor,
            action,
            entity: "org_unit",
            entity_id: after.id.to_string(),
            before: Some(before.snapshot()),
            after: Some(after.snapshot()),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The unit with this code or name, if any.
    pub async fn find_org_unit(&self, key: &str) -> Result<Option<OrgUnit>, StoreError> {
        let sql = format!("{SELECT_UNIT} WHERE code = $1 OR name = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .arg(key)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    pub async fn org_unit(&self, key: &str) -> Result<OrgUnit, StoreError> {
        self.find_org_unit(key)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "单位",
                key: key.to_string(),
            })
    }

    pub async fn add_person(
        &self,
        actor: &str,
        name: &str,
        position: &str,
        unit_key: &str,
    ) -> Result<Person, StoreError> {
        let unit = self.org_unit(unit_key).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO people (name, position, unit_id) VALUES ($1, $2, $3) RETURNING id",
        )
        .arg(name)
        .arg(position)
        .arg(unit.id)
        .fetch_one(&mut *tx)
        .await?;
        let person = Person {
            id,
            name: name.to_string(),
            position: position.to_string(),
            unit_id: unit.id,
        };
        let after = json!({"id": id, "name": name, "position": position, "unit_id": unit.id});
        let change = Change {
            actor,
            action: "create",
            entity: "person",
            entity_id: id.to_string(),
            before: None,
            after: Some(after),
        };
        append(&mut tx, self.backend(), change).await?;
        tx.commit().await?;
        Ok(person)
    }

    pub async fn people(&self) -> Result<Vec<Person>, StoreError> {
        let rows = sqlx::query("SELECT id, name, position, unit_id FROM people ORDER BY id")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok(Person {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    position: r.try_get(2)?,
                    unit_id: r.try_get(3)?,
                })
            })
            .collect()
    }
}
