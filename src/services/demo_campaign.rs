//! The campaign's part of the demo (`config/demo.toml`: `[[enterprise]]`, `[[hazard]]`,
//! `[[blacklist]]`, `[[finding]]`, `[[accountability]]`): enterprises with the demo tips that
//! name them linked, hazards from every source taken through their steps by the accounts the
//! rules ask for, a blacklisting, supervision findings and an accountability record. Everything
//! goes through the same use cases as a user's request, so the history and audit log show it.

use super::auth::Staff;
use super::blacklist::BlacklistInput;
use super::cases::ActionInput;
use super::enterprises::EnterpriseInput;
use super::hazard_actions::HazardActionInput;
use super::hazards::HazardInput;
use super::supervision::{AccountabilityInput, FindingInput};
use super::{ServiceResult, Services};
use crate::db::{self, staff};
use anyhow::Context;
use chrono::Duration;
use serde::Deserialize;
use std::collections::HashMap;

/// The campaign's sections of the demo file.
pub(super) struct Campaign<'a> {
    pub enterprise: &'a [DemoEnterprise],
    pub hazard: &'a [DemoHazard],
    pub blacklist: &'a [DemoBlacklisting],
    pub finding: &'a [DemoFinding],
    pub accountability: &'a [DemoAccountability],
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoEnterprise {
    name: String,
    credit_code: Option<String>,
    address: String,
    street: String,
    sector: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoHazard {
    enterprise: String,
    source: String,
    /// Who records it (username).
    by: String,
    description: String,
    grade: String,
    basis: Option<String>,
    found_days_ago: i64,
    /// From today; negative: the deadline has passed.
    deadline_days: i64,
    department: String,
    street: String,
    responsible_person: String,
    supervisor: String,
    street_official: Option<String>,
    leader: Option<String>,
    measures: String,
    suspend_operations: bool,
    #[serde(default)]
    steps: Vec<DemoStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoStep {
    /// A hazard action's name; `review_pass` / `review_fail` for a re-check.
    step: String,
    by: String,
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoBlacklisting {
    enterprise: String,
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoFinding {
    by: String,
    kind: String,
    unit: String,
    finding: String,
    conclusion: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoAccountability {
    kind: String,
    unit: Option<String>,
    enterprise: Option<String>,
    days_ago: i64,
    summary: String,
}

impl Services {
    /// The demo account with this username.
    fn demo_account(&self, username: &str) -> ServiceResult<Staff> {
        let mut conn = self.db.read()?;
        let row = staff::list(&mut conn)?
            .into_iter()
            .find(|u| u.username == username)
            .with_context(|| format!("demo.toml: no account `{username}`"))?;
        Ok(Staff {
            id: row.id,
            role: row.role.parse().context("a stored role")?,
            username: row.username,
            display_name: row.display_name,
            unit: row.unit,
        })
    }

    /// Loads the campaign's part of the demo (after the tips and accounts, and after the demo's
    /// cases were worked, so their hazards exist and are linked with their tips).
    pub(super) fn load_demo_campaign(&self, c: &Campaign<'_>) -> ServiceResult<()> {
        let coordinator = self.demo_account("coordinator")?;
        let mut ids: HashMap<&str, i64> = HashMap::new();
        for e in c.enterprise {
            let input = EnterpriseInput {
                name: Some(e.name.clone()),
                credit_code: e.credit_code.clone(),
                address: Some(e.address.clone()),
                street: Some(e.street.clone()),
                sector: Some(e.sector.clone()),
            };
            let made = self
                .create_enterprise(&coordinator, &input)
                .map_err(|err| anyhow::anyhow!("demo.toml enterprise {}: {err:?}", e.name))?;
            ids.insert(&e.name, made.id);
        }
        self.link_demo_tips(&coordinator, &ids)?;
        let today = self.today();
        for h in c.hazard {
            let by = self.demo_account(&h.by)?;
            let input = HazardInput {
                source: Some(h.source.clone()),
                enterprise_id: ids.get(h.enterprise.as_str()).copied(),
                description: Some(h.description.clone()),
                grade: Some(h.grade.clone()),
                basis: h.basis.clone(),
                found_on: Some((today - Duration::days(h.found_days_ago)).to_string()),
                department: Some(h.department.clone()),
                street: Some(h.street.clone()),
                responsible_person: Some(h.responsible_person.clone()),
                supervisor: Some(h.supervisor.clone()),
                street_official: h.street_official.clone(),
                leader: h.leader.clone(),
                measures: Some(h.measures.clone()),
                deadline: Some((today + Duration::days(h.deadline_days)).to_string()),
                suspend_operations: Some(h.suspend_operations),
                ..HazardInput::default()
            };
            let hazard = self
                .record_hazard(&by, &input)
                .map_err(|e| anyhow::anyhow!("demo.toml hazard {}: {e:?}", h.description))?;
            for s in &h.steps {
                let by = self.demo_account(&s.by)?;
                let (action, decision) = match s.step.as_str() {
                    "review_pass" => ("review", Some("pass".to_owned())),
                    "review_fail" => ("review", Some("fail".to_owned())),
                    other => (other, None),
                };
                let input = HazardActionInput {
                    action: action.to_owned(),
                    decision,
                    completed_on: Some(today.to_string()),
                    note: Some(s.note.clone()),
                    reason: Some(s.note.clone()),
                    explanation: Some(s.note.clone()),
                    // 挂牌督办: two weeks to answer it.
                    due: Some((today + Duration::days(14)).to_string()),
                    ..HazardActionInput::default()
                };
                self.hazard_act(&by, hazard.id, &input)
                    .map_err(|e| anyhow::anyhow!("demo.toml hazard step {}: {e:?}", s.step))?;
            }
        }
        for b in c.blacklist {
            let id = *ids
                .get(b.enterprise.as_str())
                .context("demo.toml blacklist: no such enterprise")?;
            let input = BlacklistInput {
                reason: Some(b.reason.clone()),
                until: None,
            };
            self.blacklist_enterprise(&coordinator, id, &input)
                .map_err(|e| anyhow::anyhow!("demo.toml blacklist {}: {e:?}", b.enterprise))?;
        }
        for f in c.finding {
            let by = self.demo_account(&f.by)?;
            let input = FindingInput {
                kind: Some(f.kind.clone()),
                unit: Some(f.unit.clone()),
                finding: Some(f.finding.clone()),
                conclusion: Some(f.conclusion.clone()),
                ..FindingInput::default()
            };
            self.record_finding(&by, &input)
                .map_err(|e| anyhow::anyhow!("demo.toml finding: {e:?}"))?;
        }
        for a in c.accountability {
            let enterprise_id = match &a.enterprise {
                Some(name) => Some(
                    *ids.get(name.as_str())
                        .context("demo.toml accountability: no such enterprise")?,
                ),
                None => None,
            };
            let case_numbers = match enterprise_id {
                Some(id) => {
                    let mut conn = self.db.read()?;
                    db::enterprises::tips_of(&mut conn, id)?
                        .into_iter()
                        .map(|(_, n)| n)
                        .collect()
                }
                None => Vec::new(),
            };
            let input = AccountabilityInput {
                kind: Some(a.kind.clone()),
                unit: a.unit.clone(),
                enterprise_id,
                case_numbers: Some(case_numbers),
                decided_on: Some((today - Duration::days(a.days_ago)).to_string()),
                summary: Some(a.summary.clone()),
            };
            self.record_accountability(&coordinator, &input)
                .map_err(|e| anyhow::anyhow!("demo.toml accountability: {e:?}"))?;
        }
        Ok(())
    }

    /// Links every demo tip whose business is written exactly as an enterprise's name, as
    /// the coordinator (`link_enterprise`, in each case's history).
    fn link_demo_tips(&self, coordinator: &Staff, ids: &HashMap<&str, i64>) -> ServiceResult<()> {
        let named: Vec<(String, String)> = {
            let mut conn = self.db.read()?;
            db::tips::named_enterprises(&mut conn)?
        };
        for (case, enterprise) in named {
            if let Some(id) = ids.get(enterprise.as_str()) {
                let input = ActionInput {
                    action: "link_enterprise".into(),
                    enterprise_id: Some(*id),
                    ..ActionInput::default()
                };
                self.act(coordinator, &case, &input)?;
            }
        }
        Ok(())
    }
}
