//! Supervision (督查) and accountability (问责): the kinds of finding a supervision group records,
//! its conclusion, and the accountability measures the district takes.

text_enum! {
    /// How a supervision group looked.
    pub enum FindingKind {
        /// 抽查
        SpotCheck,
        /// 暗访
        UnannouncedVisit,
        /// 案卷评查
        CaseReview,
    }
}

text_enum! {
    /// What it concluded.
    pub enum Conclusion {
        /// 未发现问题
        Ok,
        /// 发现问题
        Problem,
    }
}

text_enum! {
    /// Accountability measures (问责) the seed names.
    pub enum AccountabilityKind {
        /// 警示通报
        WarningNotice,
        /// 约谈
        Interview,
        /// 挂牌督办
        ListedSupervision,
        /// 通报
        Circular,
        /// 移送追责
        Referral,
    }
}

/// Which accountability records a list wants.
#[derive(Debug, Clone, Default)]
pub struct AccountabilityFilter {
    pub unit: Option<String>,
    pub enterprise_id: Option<i64>,
    /// Decided on or after / on or before.
    pub from: Option<chrono::NaiveDate>,
    pub to: Option<chrono::NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use strum::VariantArray;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in AccountabilityKind::VARIANTS {
            assert_eq!(k.as_str().parse::<AccountabilityKind>().unwrap(), *k);
        }
        assert_eq!(FindingKind::UnannouncedVisit.as_str(), "unannounced_visit");
        assert_eq!(String::from(Conclusion::Problem), "problem");
        assert!("lecture".parse::<AccountabilityKind>().is_err());
    }
}
