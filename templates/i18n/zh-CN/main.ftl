# 错误信息（JSON 接口与页面共用）
error-bad_request = 请求无法解析，请检查格式后重试。
error-unauthenticated = 请先登录。
error-forbidden = 您没有权限执行此操作。
error-not_found = 没有找到您要的内容。
error-receipt_not_found = 没有找到与该回执码对应的举报，请核对 16 位数字后重试。
error-sign_in = 用户名或密码不正确。
error-second_factor = 请输入身份验证器上的 6 位动态码。
error-csrf = 页面已过期，请刷新后重试。
error-conflict = 当前状态下不能执行此操作。
error-too_large = 提交的内容太大。
error-unsupported_media = 不支持的内容类型。
error-validation = 有些内容需要修改，请查看各项提示。
error-rate_limited = 操作太频繁，请在 { $seconds } 秒后重试。
error-internal = 服务器暂时出错，您的内容没有丢失，请稍后重试。

field-required = 此项必填。
field-too_short = 至少需要 { $min } 个字。
field-too_long = 最多 { $max } 个字。
field-unknown_sector = 请从列表中选择行业领域。
field-unknown_street = 请从列表中选择街道。
field-unknown_severity = 请选择“一般隐患”或“重大隐患”。
field-bad_instant = 时间格式不正确。
field-in_future = 发现时间不能晚于现在。
field-reporter_forbidden = 匿名举报不能填写举报人信息。
field-reporter_required = 实名举报请填写姓名和手机号。
field-bad_phone = 请填写 11 位中国大陆手机号码。
field-bad_email = 邮箱地址格式不正确。
field-invalid = 内容不正确。
field-bad_username = 用户名为 3 到 40 位小写字母、数字或 . _ -。
field-password_too_short = 密码至少 12 个字符。
field-unit_required = 经办人员和负责人必须指定所属部门或街道。
field-unit_not_allowed = 该角色不属于任何部门或街道。
field-unknown_unit = 没有这个部门或街道。

conflict-username_taken = 该用户名已被使用。
conflict-database_not_empty = 数据库不是空的，演示数据只能载入空数据库。
