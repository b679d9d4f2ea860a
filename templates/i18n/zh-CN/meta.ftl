# Meta descriptions of the public pages (what a search result shows under the title).
meta-default = 湖里区安全生产隐患举报平台：匿名或实名举报身边的安全隐患，用回执查询办理进度。
meta-index = 发现安全生产隐患？在线举报，匿名也可以：举报会转给主管部门和所在街道核查整改，核查属实可获奖励。
meta-report = 填写安全生产隐患举报：行业、地点、情况和照片，可匿名；提交后获得 16 位回执用于查询。
meta-track = 用 16 位回执查询举报的办理进度、部门回复和奖励，并回复工作人员的问题。
meta-stats = 安全生产隐患举报的公开统计：按月份、行业和街道统计收到、核查属实和完成整改的数量。
meta-exposures = 安全生产重大事故隐患公开曝光名单：经核查属实的隐患、所在企业和整改情况。
