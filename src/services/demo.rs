//! The demo data set (`config/demo.toml`): realistic tips across sectors and streets, a few
//! message threads, and one staff account per role with a generated password that is printed
//! once. It loads only into an empty database.

use super::staff::NewStaff;
use super::{ServiceError, ServiceResult, Services};
use crate::config::parse_toml;
use crate::db::{self, staff, tips};
use crate::domain::id_number::IdNumber;
use crate::domain::roles::Role;
use crate::domain::tip::{Channel, NewTip, ReporterInput, TipInput};
use crate::secrets;
use crate::services::auth::Staff;
use crate::services::cases::ActionInput;

/// The findings the demo's verifications write for their reporters (shown on /track).
const DEMO_FOUND: &str = "经现场核查，您反映的问题属实，已责令该单位限期整改并复查。";
const DEMO_NOT_FOUND: &str = "经现场核查，未发现您反映的问题。如情况再次出现，欢迎补充照片或说明。";
use crate::services::rewards::{Payee, ProposalInput};
use anyhow::Context;
use chrono::{Duration, SecondsFormat};
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoFile {
    tip: Vec<DemoTip>,
    user: Vec<DemoUser>,
    #[serde(default)]
    enterprise: Vec<super::demo_campaign::DemoEnterprise>,
    #[serde(default)]
    hazard: Vec<super::demo_campaign::DemoHazard>,
    #[serde(default)]
    blacklist: Vec<super::demo_campaign::DemoBlacklisting>,
    #[serde(default)]
    finding: Vec<super::demo_campaign::DemoFinding>,
    #[serde(default)]
    accountability: Vec<super::demo_campaign::DemoAccountability>,
    #[serde(default)]
    listing: Vec<super::demo_campaign::DemoListing>,
    #[serde(default)]
    explanation: Vec<super::demo_campaign::DemoExplanation>,
    #[serde(default)]
    score: Vec<super::demo_campaign::DemoScore>,
    #[serde(default)]
    report: Vec<super::demo_campaign::DemoReport>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoTip {
    sector: String,
    street: Option<String>,
    address: String,
    enterprise: Option<String>,
    description: String,
    severity: String,
    days_ago: i64,
    observed_days_ago: Option<i64>,
    anonymous: bool,
    wants_reward: bool,
    reporter_name: Option<String>,
    reporter_phone: Option<String>,
    reporter_email: Option<String>,
    #[serde(default)]
    message: Vec<DemoMessage>,
    /// Published on the exposure list once the demo has worked the case (major, found true).
    exposure: Option<DemoExposure>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct DemoExposure {
    enterprise: String,
    location: String,
    finding: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoMessage {
    from: String,
    body: String,
    days_ago: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoUser {
    username: String,
    display_name: String,
    role: String,
    unit: Option<String>,
}

/// What was loaded, to print for the newcomer.
#[derive(Debug)]
pub struct DemoReport {
    pub tips: usize,
    /// (username, role, unit, password)
    pub users: Vec<(String, String, Option<String>, String)>,
    /// (case number, receipt) of a few tips, to try the follow-up page.
    pub receipts: Vec<(String, String)>,
}

/// A readable random password: 16 characters from an alphabet without look-alikes.
fn demo_password() -> anyhow::Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let bytes = secrets::random_bytes::<32>()?;
    Ok(bytes
        .iter()
        .filter(|b| usize::from(**b) < 256 / ALPHABET.len() * ALPHABET.len())
        .take(16)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect())
}

impl Services {
    /// Whether the database holds no tip and no account.
    pub fn is_empty(&self) -> ServiceResult<bool> {
        let mut conn = self.db.read()?;
        Ok(tips::count(&mut conn)? == 0 && staff::count(&mut conn)? == 0)
    }

    /// Loads the demo set (blocking). Refuses (conflict) when the database is not empty.
    pub fn load_demo(&self, config_dir: &Path) -> ServiceResult<DemoReport> {
        if !self.is_empty()? {
            return Err(ServiceError::Conflict("database_not_empty"));
        }
        let mut file: DemoFile =
            parse_toml(config_dir, "demo.toml").map_err(|e| anyhow::anyhow!("{e}"))?;
        // Oldest first, so case numbers follow the order the tips arrived in.
        file.tip.sort_by_key(|t| std::cmp::Reverse(t.days_ago));
        let now = self.clock.now();
        let mut receipts = Vec::new();
        let mut worked = Vec::new();
        let mut exposures = Vec::new();
        let mut asked = Vec::new();
        for (i, t) in file.tip.iter().enumerate() {
            let input = TipInput {
                sector: Some(t.sector.clone()),
                street: t.street.clone(),
                address: Some(t.address.clone()),
                enterprise: t.enterprise.clone(),
                description: Some(t.description.clone()),
                severity: Some(t.severity.clone()),
                observed_at: t
                    .observed_days_ago
                    .map(|d| (now - Duration::days(d)).to_rfc3339_opts(SecondsFormat::Secs, true)),
                anonymous: Some(t.anonymous),
                reporter: (!t.anonymous).then(|| ReporterInput {
                    name: t.reporter_name.clone(),
                    phone: t.reporter_phone.clone(),
                    email: t.reporter_email.clone(),
                }),
                wants_reward: Some(t.wants_reward),
                employee: None,
                supervision_staff: None,
            };
            let tip = NewTip::parse(&input, &self.catalog, now).map_err(|errors| {
                let fields: Vec<_> = errors
                    .iter()
                    .map(|e| format!("{} {}", e.field, e.key))
                    .collect();
                anyhow::anyhow!("demo.toml tip {}: {}", i + 1, fields.join(", "))
            })?;
            let receipt = secrets::new_receipt()?;
            let hash = self.hasher.receipt_hash_blocking(&receipt)?;
            let at =
                db::to_naive(now - Duration::days(t.days_ago) - Duration::minutes(i as i64 * 7));
            let (case_number, ..) =
                self.store_tip(&tip, &hash, Channel::Web, &[], None, Some(at))?;
            if receipts.len() < 3 {
                receipts.push((case_number.to_string(), receipt.grouped()));
            }
            worked.push((case_number.to_string(), t.days_ago));
            if t.wants_reward {
                asked.push((case_number.to_string(), hash.clone(), t.severity.clone()));
            }
            if let Some(e) = &t.exposure {
                exposures.push((case_number.to_string(), e.clone()));
            }
            if !t.message.is_empty() {
                self.db.write(|conn| -> ServiceResult<()> {
                    let row = tips::find_by_case_number(conn, case_number.as_str())?
                        .context("the demo tip just stored")?;
                    for (j, m) in t.message.iter().enumerate() {
                        let sender = if m.from == "staff" {
                            "staff"
                        } else {
                            "reporter"
                        };
                        let at = db::to_naive(
                            now - Duration::days(m.days_ago) + Duration::minutes(j as i64),
                        );
                        tips::insert_message(conn, row.id, sender, None, &m.body, at)?;
                    }
                    Ok(())
                })?;
            }
        }
        let mut users = Vec::new();
        for u in &file.user {
            let role: Role = u
                .role
                .parse()
                .map_err(|e| anyhow::anyhow!("demo.toml user {}: {e}", u.username))?;
            let password = demo_password()?;
            self.add_staff(&NewStaff {
                username: &u.username,
                role,
                unit: u.unit.as_deref(),
                display_name: Some(&u.display_name),
                password: &password,
                phone: None,
                // The demo's inspectors belong to the first supervision group.
                group: (role == Role::Inspector)
                    .then(|| self.supervision_groups.first().map(|g| g.code.as_str()))
                    .flatten(),
            })
            .map_err(|e| anyhow::anyhow!("demo.toml user {}: {e:?}", u.username))?;
            users.push((u.username.clone(), u.role.clone(), u.unit.clone(), password));
        }
        self.work_demo_cases(&worked, &exposures)?;
        self.demo_rewards(&asked)?;
        let campaign = super::demo_campaign::Campaign {
            enterprise: &file.enterprise,
            hazard: &file.hazard,
            blacklist: &file.blacklist,
            finding: &file.finding,
            accountability: &file.accountability,
            listing: &file.listing,
            explanation: &file.explanation,
            score: &file.score,
            report: &file.report,
            cases: &worked.iter().map(|(c, _)| c.clone()).collect::<Vec<_>>(),
        };
        self.load_demo_campaign(&campaign)?;
        Ok(DemoReport {
            tips: file.tip.len(),
            users,
            receipts,
        })
    }
}

impl Services {
    /// Moves the older demo tips along the lifecycle, as the coordinator, so the workspace shows
    /// cases in every stage: the older a tip, the further it has gone.
    fn work_demo_cases(
        &self,
        cases: &[(String, i64)],
        exposures: &[(String, DemoExposure)],
    ) -> ServiceResult<()> {
        let Some(coordinator) = self.demo_staff("coordinator", 0)? else {
            return Ok(());
        };
        let rectify_by = (self.today() + Duration::days(14)).to_string();
        for (i, (case, days_ago)) in cases.iter().enumerate() {
            let steps: &[&str] = match days_ago {
                0..=5 => &[],
                6..=15 => &["accept"],
                16..=30 => &["accept", "start_verification"],
                31..=45 if i % 3 == 0 => &["accept", "start_verification", "unsubstantiate"],
                31..=45 => &[
                    "accept",
                    "start_verification",
                    "substantiate",
                    "order_rectification",
                ],
                _ => &[
                    "accept",
                    "start_verification",
                    "substantiate",
                    "order_rectification",
                    "confirm_rectified",
                    "close",
                ],
            };
            for step in steps {
                let input = ActionInput {
                    action: (*step).into(),
                    deadline: Some(rectify_by.clone()),
                    responsible_party: Some("涉事单位主要负责人".into()),
                    measures: Some(
                        "立即消除隐患，完善管理制度，整改完成后报属地街道和主管部门复查。".into(),
                    ),
                    finding: match *step {
                        "substantiate" => Some(DEMO_FOUND.into()),
                        "unsubstantiate" => Some(DEMO_NOT_FOUND.into()),
                        _ => None,
                    },
                    ..ActionInput::default()
                };
                self.act(&coordinator, case, &input)?;
            }
        }
        for (case, e) in exposures {
            self.publish_exposure(
                &coordinator,
                case,
                &crate::services::exposure::ExposureInput {
                    enterprise: Some(e.enterprise.clone()),
                    location: Some(e.location.clone()),
                    finding: Some(e.finding.clone()),
                },
            )
            .map_err(|err| anyhow::anyhow!("demo.toml exposure of {case}: {err:?}"))?;
        }
        Ok(())
    }
}

/// A demo tip whose reporter asked for a reward: case number, receipt hash, severity.
type Asked = (String, String, String);

impl Services {
    fn demo_staff(&self, role: &str, nth: usize) -> ServiceResult<Option<Staff>> {
        let accounts = {
            let mut reader = self.db.read()?;
            staff::list(&mut reader)?
        };
        let found = accounts.into_iter().filter(|u| u.role == role).nth(nth);
        Ok(found.and_then(|row| {
            Some(Staff {
                id: row.id,
                role: row.role.parse().ok()?,
                username: row.username,
                display_name: row.display_name,
                unit: row.unit,
            })
        }))
    }

    /// Takes the rewards of the demo's cases found true through every stage, each by the role
    /// the rules ask for (the coordinator proposes, one finance user decides, the reporter
    /// claims with the receipt, the other finance user pays), so the finance page shows a
    /// reward in each state: paid, claimed, approved, awaiting a second approval (a concealed
    /// accident's 30,000 yuan, above the second-approval amount), proposed, rejected and
    /// withdrawn.
    fn demo_rewards(&self, asked: &[Asked]) -> ServiceResult<()> {
        let (Some(boss), Some(f1), Some(f2)) = (
            self.demo_staff("coordinator", 0)?,
            self.demo_staff("finance", 0)?,
            self.demo_staff("finance", 1)?,
        ) else {
            return Ok(());
        };
        let stages = [
            "paid",
            "claimed",
            "approved",
            "awaiting_second_approval",
            "proposed",
            "rejected",
            "withdrawn",
        ];
        let mut next = stages.iter();
        for (n, (case, hash, severity)) in asked.iter().enumerate() {
            if !self.case(&boss, case)?.may_propose_reward {
                continue;
            }
            let Some(stage) = next.next() else { break };
            let basis = match (*stage, severity.as_str()) {
                ("awaiting_second_approval", _) => "concealed_accident",
                (_, "major") => "major_hazard_no_fine",
                _ => "general_hazard",
            };
            let input = ProposalInput {
                basis: basis.into(),
                deaths_concealed: Some(1),
                accident_grade: Some("general".into()),
                ..ProposalInput::default()
            };
            let proposed = self.propose_reward(&boss, case, &input)?;
            let Some(reward) = proposed else { continue };
            let id = reward.reward.id;
            if *stage == "withdrawn" {
                self.withdraw_reward(&boss, id, "举报人表示不再申请奖励")?;
                continue;
            }
            let approve = *stage != "rejected";
            if *stage != "proposed" {
                let note = if approve {
                    "材料齐全，同意按标准奖励"
                } else {
                    "举报前已在查处，不予奖励"
                };
                self.decide_reward(&f1, id, approve, Ok(None), note)?;
            }
            if matches!(*stage, "claimed" | "paid") {
                // A payee of their own each: shared accounts or phones are flagged to finance.
                let payee = Payee {
                    name: "演示领奖人".into(),
                    account: format!("62220200000000{n:02}"),
                    phone: format!("139000000{n:02}"),
                    id_number: demo_id_number(n),
                    bank: Some("中国工商银行福州湖里支行".into()),
                };
                self.claim_by_hash(hash, payee)?;
            }
            if *stage == "paid" {
                self.pay_reward(&f2, id, "DEMO-PAY-0001", None)?;
            }
        }
        Ok(())
    }
}

/// A resident ID number for the demo's payee `n`: a made-up place and sequence completed with
/// its check character, so the claim passes the same check a real one does.
fn demo_id_number(n: usize) -> String {
    let first17 = format!("35020619900101{:03}", n % 1000);
    IdNumber::complete(&first17)
        .map(|id| id.as_str().to_owned())
        .unwrap_or_default()
}
