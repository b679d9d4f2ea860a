# The staff queue: triage at a glance.
queue-status-open = 待办（未办结）
queue-status-all = 全部（含已办结）
queue-unread = { $count } 条新留言
queue-col-severity = 隐患程度
queue-col-place = 地点
queue-col-sector-unit = 行业 · 主办
queue-late-now-hint = “只看现在超期的”列出此刻已过当前时限、尚未办理的案件；看板上的“曾超期”统计期间内任一环节超过时限的案件，包括后来已办完的。
