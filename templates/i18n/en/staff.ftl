# The staff queue: triage at a glance.
queue-status-open = Open (not finished)
queue-status-all = All (finished too)
queue-unread = { $count ->
    [one] 1 new message
   *[other] { $count } new messages
}
queue-col-severity = Severity
queue-col-place = Place
queue-col-sector-unit = Sector · lead
queue-late-now-hint = "Late now only" lists the cases whose current limit has passed and is not yet met; the dashboard's "Ever late" counts the period's cases that missed any limit, including those since finished.

# The audit log in words: actions, and what the stored details mean.
audit-action-sign_in = Signed in
audit-action-sign_in_failed = Failed sign-in
audit-action-sign_in_pressure = Repeated sign-in attempts on an account
audit-action-change_password = Changed the password
audit-action-enable_totp = Turned on two-step sign-in
audit-action-create_user = Created an account
audit-action-activate_user = Reactivated an account
audit-action-deactivate_user = Deactivated an account
audit-action-reset_password = Reset a password
audit-action-set_group = Changed a supervision group
audit-action-reveal_identity = Opened the reporter's identity
audit-action-escalate = Limit passed, escalated to the district office
audit-action-export = Downloaded a file
audit-action-enterprise_created = Recorded an enterprise
audit-action-blacklist_listed = Put on the blacklist
audit-action-blacklist_withdrawn = Taken off the blacklist
audit-action-supervision_finding = Recorded a supervision finding
audit-action-accountability_recorded = Recorded accountability
audit-action-evaluation_scores = Entered evaluation judgments
audit-action-inspection_created = Recorded a joint inspection
audit-action-hazards_import = Imported hazards
audit-action-report_prepared = Prepared a progress report
audit-action-report_edit = Changed a progress report
audit-action-report_review = Reviewed a progress report
audit-action-report_sign = Signed a progress report
audit-action-report_submit = Sent a progress report
audit-hazard-step = Hazard: { $step }
audit-status-change = Status: { $from } → { $to }
audit-limit-passed = { $limit } ({ $due }) passed
audit-failed-password = Wrong username or password
audit-failed-second-factor = Wrong two-step code
audit-pressure = { $failures } failed sign-ins from { $addresses } addresses within { $minutes } minutes; further attempts from addresses that never signed in to it wait
audit-import = { $hazards } hazards imported, { $enterprises } new enterprises recorded
audit-rows = rows

# Automatic messages to the reporter, in the reader's language.
auto-message-rejected = Not taken up: { $reason }
auto-message-extended = Verification extended to { $due }: { $reason }
case-observed-at = Seen on
audit-system = The system
audit-none = No entries match.

# The dashboard.
oversight-overdue-hint = "Ever late": the period's cases that missed any limit (acceptance, verification, feedback or rectification), including those since finished. The queue's "Late now only" lists the cases past their current limit at this moment, so the two numbers may differ.
oversight-col-channel = Channel
oversight-trend-axis = Across: the first day of each week; up: tips (at most { $max })
case-history-note = Note
