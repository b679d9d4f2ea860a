# The staff queue: triage at a glance.
queue-status-open = 待办（未办结）
queue-status-all = 全部（含已办结）
queue-unread = { $count } 条新留言
queue-col-severity = 隐患程度
queue-col-place = 地点
queue-col-sector-unit = 行业 · 主办
queue-late-now-hint = “只看现在超期的”列出此刻已过当前时限、尚未办理的案件；看板上的“曾超期”统计期间内任一环节超过时限的案件，包括后来已办完的。

# The audit log in words: actions, and what the stored details mean.
audit-action-sign_in = 登录
audit-action-sign_in_failed = 登录失败
audit-action-sign_in_pressure = 账号遭多次试登
audit-action-change_password = 修改密码
audit-action-enable_totp = 开启两步验证
audit-action-create_user = 新建账号
audit-action-activate_user = 启用账号
audit-action-deactivate_user = 停用账号
audit-action-reset_password = 重置密码
audit-action-set_group = 调整督查组
audit-action-reveal_identity = 查看举报人身份
audit-action-escalate = 超期上报区安委办
audit-action-export = 导出文件
audit-action-enterprise_created = 登记生产经营单位
audit-action-blacklist_listed = 列入不良记录名单
audit-action-blacklist_withdrawn = 移出不良记录名单
audit-action-supervision_finding = 记录督查发现
audit-action-accountability_recorded = 记录问责
audit-action-evaluation_scores = 录入成效评估评分
audit-action-inspection_created = 登记联合检查
audit-action-hazards_import = 导入隐患清单
audit-action-report_prepared = 编制工作报告
audit-action-report_edit = 修改工作报告
audit-action-report_review = 审核工作报告
audit-action-report_sign = 签发工作报告
audit-action-report_submit = 报送工作报告
audit-hazard-step = 隐患：{ $step }
audit-status-change = 状态：{ $from } → { $to }
audit-limit-passed = { $limit }（{ $due }）已过
audit-failed-password = 用户名或密码错误
audit-failed-second-factor = 动态验证码错误
audit-pressure = { $minutes } 分钟内来自 { $addresses } 个地址的 { $failures } 次失败登录；此后从未登录过该账号的地址再试需等待
audit-import = 导入 { $hazards } 条隐患，新登记 { $enterprises } 家生产经营单位
audit-rows = 行

# Automatic messages to the reporter, in the reader's language.
auto-message-rejected = 不予受理：{ $reason }
auto-message-extended = 核查期限延长至 { $due }：{ $reason }
case-observed-at = 发现时间
audit-system = 系统
audit-none = 没有符合条件的记录。

# The dashboard.
oversight-overdue-hint = “曾超期”：统计期间收到的案件中，受理、核查、反馈或整改任一环节曾超过时限的件数，包括后来已经办完的。待办案件页的“只看现在超期的”只列出此刻仍超过当前时限的案件，所以两个数字可以不同。
oversight-col-channel = 举报来源
oversight-trend-axis = 横轴为每周起始日，纵轴为件数（最高 { $max } 件）
case-history-note = 备注
