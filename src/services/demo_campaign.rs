//! The campaign's part of the demo (`config/demo.toml`: `[[enterprise]]`, `[[hazard]]`,
//! `[[blacklist]]`, `[[finding]]`, `[[accountability]]`, `[[listing]]`, `[[explanation]]`,
//! `[[score]]`, `[[report]]`): enterprises with the demo tips that name them linked, hazards from
//! every source taken through their steps by the accounts the rules ask for, a blacklisting,
//! supervision findings, an accountability record, a case under listed supervision, written
//! explanations of missed limits with 区安委办's answers, last month's evaluation judgments and
//! progress reports at each stage. Everything goes through the same use cases as a user's
//! request, so the history and audit log show it.

use super::auth::Staff;
use super::blacklist::BlacklistInput;
use super::cases::ActionInput;
use super::enterprises::EnterpriseInput;
use super::evaluation::ScoresInput;
use super::hazard_actions::HazardActionInput;
use super::hazards::HazardInput;
use super::reports::{Narrative, ReportInput};
use super::supervision::{AccountabilityInput, FindingInput};
use super::{ServiceResult, Services};
use crate::db::{self, staff};
use crate::domain::report::ReportStep;
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
    pub listing: &'a [DemoListing],
    pub explanation: &'a [DemoExplanation],
    pub score: &'a [DemoScore],
    pub report: &'a [DemoReport],
    /// The demo's case numbers in the order the tips arrived.
    pub cases: &'a [String],
}

impl Campaign<'_> {
    /// The demo case that arrived `n`-th (from 1).
    fn case(&self, n: u32) -> anyhow::Result<&str> {
        let i = (n as usize).checked_sub(1);
        i.and_then(|i| self.cases.get(i))
            .map(String::as_str)
            .with_context(|| format!("demo.toml: no case {n}"))
    }
}

/// 挂牌督办 of a demo case (`case`: its place in the order the demo's tips arrived, from 1).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoListing {
    case: u32,
    by: String,
    reason: String,
    due_days: i64,
}

/// A written explanation of a limit a demo case missed, and 区安委办's answer when given.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoExplanation {
    case: u32,
    by: String,
    limit: String,
    text: String,
    new_date_days: Option<i64>,
    decision: Option<String>,
    note: Option<String>,
}

/// The coordinator's four judgments of a unit for last month.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoScore {
    unit: String,
    leadership: u8,
    leadership_note: Option<String>,
    hazard_screening: u8,
    hazard_screening_note: Option<String>,
    rectification_in_place: u8,
    rectification_in_place_note: Option<String>,
    accident_prevention: u8,
    accident_prevention_note: Option<String>,
}

/// A progress report for last month, taken as far as `steps` say (`review`, `sign`, `submit`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoReport {
    /// Left out: the district's summary (the coordinator's).
    unit: Option<String>,
    by: String,
    progress: String,
    problems: String,
    next_steps: String,
    #[serde(default)]
    steps: Vec<DemoReportStep>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DemoReportStep {
    step: String,
    by: String,
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
        self.load_demo_oversight(c)
    }

    /// Listed supervision, explanations, judgments and reports (after the cases were worked).
    fn load_demo_oversight(&self, c: &Campaign<'_>) -> ServiceResult<()> {
        let today = self.today();
        let day = |days: i64| (today + Duration::days(days)).to_string();
        for l in c.listing {
            let input = ActionInput {
                action: "supervise".into(),
                reason: Some(l.reason.clone()),
                due: Some(day(l.due_days)),
                ..ActionInput::default()
            };
            self.act(&self.demo_account(&l.by)?, c.case(l.case)?, &input)
                .map_err(|e| anyhow::anyhow!("demo.toml listing of case {}: {e:?}", l.case))?;
        }
        let coordinator = self.demo_account("coordinator")?;
        for x in c.explanation {
            let case = c.case(x.case)?;
            let input = ActionInput {
                action: "explain_delay".into(),
                limit: Some(x.limit.clone()),
                explanation: Some(x.text.clone()),
                new_date: x.new_date_days.map(day),
                ..ActionInput::default()
            };
            let view = self
                .act(&self.demo_account(&x.by)?, case, &input)
                .map_err(|e| anyhow::anyhow!("demo.toml explanation of case {}: {e:?}", x.case))?;
            if let (Some(decision), Some(written)) = (&x.decision, view.explanations.last()) {
                let input = ActionInput {
                    action: "acknowledge_explanation".into(),
                    explanation_id: Some(written.id),
                    decision: Some(decision.clone()),
                    note: x.note.clone(),
                    ..ActionInput::default()
                };
                self.act(&coordinator, case, &input).map_err(|e| {
                    anyhow::anyhow!("demo.toml explanation decision, case {}: {e:?}", x.case)
                })?;
            }
        }
        let (_, from, to) = super::oversight::rounds(today)[1];
        let (from, to) = (from.to_string(), to.to_string());
        for s in c.score {
            let input = ScoresInput {
                leadership: Some(s.leadership.into()),
                leadership_note: s.leadership_note.clone(),
                hazard_screening: Some(s.hazard_screening.into()),
                hazard_screening_note: s.hazard_screening_note.clone(),
                rectification_in_place: Some(s.rectification_in_place.into()),
                rectification_in_place_note: s.rectification_in_place_note.clone(),
                accident_prevention: Some(s.accident_prevention.into()),
                accident_prevention_note: s.accident_prevention_note.clone(),
            };
            self.enter_scores(&coordinator, &s.unit, (Some(&from), Some(&to)), &input)
                .map_err(|e| anyhow::anyhow!("demo.toml score of {}: {e:?}", s.unit))?;
        }
        for r in c.report {
            let input = ReportInput {
                unit: r.unit.clone(),
                from: Some(from.clone()),
                to: Some(to.clone()),
                narrative: Some(Narrative {
                    progress: r.progress.clone(),
                    problems: r.problems.clone(),
                    next_steps: r.next_steps.clone(),
                }),
            };
            let saved = self
                .create_report(&self.demo_account(&r.by)?, &input)
                .map_err(|e| anyhow::anyhow!("demo.toml report: {e:?}"))?;
            for s in &r.steps {
                let step: ReportStep = s
                    .step
                    .parse()
                    .map_err(|_| anyhow::anyhow!("demo.toml report step {}", s.step))?;
                self.report_step(&self.demo_account(&s.by)?, saved.id, step, None)
                    .map_err(|e| anyhow::anyhow!("demo.toml report step {}: {e:?}", s.step))?;
            }
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
