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
