"""Every user-facing line of the bot, in one place, so a shop can adapt the wording."""

INTENT_NAMES = {
    "greeting": "打招呼",
    "price": "价格/优惠/包邮",
    "size": "尺码",
    "color": "颜色/色差",
    "shipping": "发货/物流",
    "fabric": "面料",
    "quality": "质量/做工",
    "stock": "库存/补货",
    "payment": "付款",
    "invoice": "发票",
    "hesitation": "犹豫/再看看",
    "after_sales": "售后/退换",
    "complaint": "投诉/不满",
    "goodbye": "道谢/道别",
}
TONE_NAMES = {"亲切": "亲切（淘宝风）", "正式": "正式"}

START = (
    "您好，我是客服话术助手 🤝\n\n"
    "把顾客发来的话直接粘贴或转发给我，我马上给出可以直接发送的回复："
    "识别顾客问的是什么（包邮、尺码、色差、发货…），一句话问了几件事也能一起回答。\n\n"
    "回复下面的按钮：换一个 · 切换亲切/正式 · 👍👎 反馈 · 为什么这样回。\n"
    "/help 查看全部命令。"
)
HELP = (
    "<b>用法</b>：粘贴或转发顾客的消息，点回复即可复制。\n\n"
    "/intents 按意图浏览话术库\n"
    "/library 切换话术库（网店 / 诊所回访 / IT 服务）\n"
    "/tone 切换默认语气（亲切 / 正式）\n"
    "/whoami 查看我的 Telegram id 和权限\n"
    "/mystats 我的响应时间\n"
    "/practice 练习接待：我扮演顾客，计时打分；/practice 场景id 直接开始，/stop 结束\n"
    "/progress 我的练习进度和曲线\n"
    "/autoreply 查看或开关 Business 自动回复（on / off）\n"
    "/stats 响应时间统计和图表，/stats 名字 只看一位客服（主管）\n"
    "/breaches 最近的超时记录（主管）\n"
    "/export 导出统计 CSV（主管）\n"
    "/trainees 所有学员的练习进度（主管）\n"
    "/reload 重新加载话术库（管理员）\n"
    "/learn 归类从聊天记录里学到的顾客说法（管理员）"
    "/product 设定当前商品（id 或商品名），/product off 取消"
)
REFUSED = (
    "抱歉，这个助手只对本店客服开放。需要使用请联系店长，把你的 Telegram id 加进配置：{user_id}"
)
WHOAMI = (
    "你的 Telegram id: <code>{user_id}</code>\n权限：{role}\n当前话术库：{library} · 语气：{tone}"
)
ROLE_NAMES = {"admin": "管理员", "manager": "主管", "staff": "客服", None: "无"}
MANAGERS_ONLY = "这个命令只有主管和管理员可以用。"
ADMINS_ONLY = "这个命令只有管理员可以用。"
THROTTLED = "发得太快啦，请稍等几秒再发 🙏"
APOLOGY = "抱歉，刚才处理出了点问题，请再发一次试试。"
NOT_TEXT = "我只能看懂文字消息哦：贴纸、图片和语音请把顾客的原话复制成文字再发给我。"
EMPTY = "消息是空的，请把顾客的原话粘贴过来。"

DETECTED = "🎯 顾客在问：{intents}"
PRODUCT_ASSUMED = "🛍 按商品：{name}（{id}，来自{source}）· 不对请 /product 改"
FOLLOW_UP = "↩️ 接着上一个问题（顾客只换了颜色、尺码或商品）"
TOPIC_OF = "{intent} · {topic}"
NO_MATCH = "🤔 没有把握顾客在问什么，可以先发这句请顾客说明："
ACKNOWLEDGED = "👌 顾客只是回应（好的、收到），没有新问题，可以这样接话："
NO_MATCH_HINT = "提示：用 /intents 浏览话术库，或把顾客的话补充完整再发给我。"
DRAFT = "合并草稿（按顾客提问顺序）"
SEND_IN_PARTS = "（较长，建议分 {n} 次发送）"
REPLY_HEADER = "建议回复 · {tone}:"
BUTTON_NEXT = "🔄 换一个"
BUTTON_TONE = "切换为{tone}"
BUTTON_UP = "👍"
BUTTON_DOWN = "👎"
BUTTON_WHY = "❓ 为什么"
BUTTON_COPY = "📋 复制{n}"
BUTTON_REFUSED = "这个按钮没有通过校验（可能是旧消息上的），已忽略。请重新发一次顾客的消息或命令。"
NOT_YOURS = "这条建议是别的同事的，只有发消息的同事可以操作哦。"
BUTTON_STALE = "这个按钮已经失效了，请重新发一次命令或顾客的消息。"
FEEDBACK_THANKS = "已记录，谢谢反馈！"
EXPIRED = "这条建议已过期，请重新发送顾客的消息。"
WHY_HEADER = "<b>为什么这样回</b>"
WHY_LINE = (
    "• <b>{intent}</b> {score:.2f}：来自「{clause}」，最像例句「{example}」"
    "{shared}{keywords}；第二名 {runner_up} {runner_up_score:.2f}"
)
WHY_NONE = "没有一个意图的得分超过阈值，所以建议先请顾客说明需求。"
WHY_ACKNOWLEDGED = "顾客只是表示收到、没有提问，所以建议回一句接话，不追问。"

LIBRARY_PICK = "选择这个聊天使用的话术库（当前：{current}）："
LIBRARY_SET = "已切换到话术库：{name}"
LIBRARY_BROKEN = "话术库 {name} 有问题，没有切换：\n{problems}"
TONE_PICK = "选择默认语气（当前：{current}）："
TONE_SET = "默认语气已改为：{tone}"

INTENTS_HEADER = "话术库「{library}」的意图（第 {page}/{pages} 页），点一个查看全部回复："
INTENT_REPLIES = "<b>{name}</b>（{intent}）· 例句如：{examples}\n\n{replies}"
INTENT_TOPICS = "\n\n具体问题（{count}）：{topics}"
WHY_TOPIC = "  ↳ 具体问题「{topic}」{score:.2f}：最像「{example}」"
WHY_NO_TOPIC = "  ↳ 没有明确的具体问题，用这个意图的通用回复"
WHY_PRODUCT = "🛍 商品：{name}（{id}），来自{source}"
BACK = "« 返回"
PREV = "‹ 上一页"
NEXT = "下一页 ›"

RELOADED = "话术库已重新加载：{names}"
RELOAD_FAILED = "重新加载失败，仍在使用原来的话术库。问题：\n{problems}"

COMMANDS = {
    "start": "开始使用",
    "help": "帮助",
    "intents": "浏览话术库",
    "library": "切换话术库",
    "tone": "切换语气",
    "whoami": "我的 id 和权限",
    "mystats": "我的响应时间",
    "practice": "练习接待（计时打分）",
    "stop": "结束练习",
    "progress": "我的练习进度",
    "autoreply": "Business 自动回复开关",
    "stats": "响应时间统计（主管）",
    "breaches": "最近的超时（主管）",
    "export": "导出统计 CSV（主管）",
    "trainees": "学员练习进度（主管）",
    "reload": "重新加载话术库（管理员）",
    "product": "设定当前商品",
}
# the command menu each role sees: staff in the default scope, managers and admins per chat
ROLE_COMMANDS = {
    "staff": ("start", "help", "intents", "library", "tone", "whoami", "mystats", "practice",
              "stop", "progress", "autoreply"),
    "manager": ("stats", "breaches", "export", "trainees"),
    "admin": ("reload",),
}  # fmt: skip

# --- Telegram Business live mode (copilot, nudges, automatic replies) --------------------------

COPILOT_HEADER = "💬 顾客「{customer}」：{text}"
COPILOT_AUTO_REPLIED = "🤖 已自动把第 1 条回复发给顾客了。"
NUDGE = "⏰ 顾客「{customer}」还在等回复，还剩 {seconds} 秒就超时啦，快去回复吧！"
BUSINESS_CONNECTED = (
    "✅ 已连接 Telegram Business 账号。顾客发来消息时，我会在这里私下给你建议回复 "
    "（顾客看不到），快超时时提醒你。\n自动回复顾客：{auto}"
)
BUSINESS_NO_REPLY_RIGHTS = (
    "这个连接没有「回复消息」权限，所以不会自动回复顾客；需要的话在 Telegram 设置 → "
    "Telegram Business → 聊天机器人 里打开。"
)
BUSINESS_DISCONNECTED = "Telegram Business 账号已断开，我不会再看到顾客的消息了。"
AUTOREPLY_STATUS = "自动回复顾客：{state}。发送 /autoreply on 开启，/autoreply off 关闭。"
AUTOREPLY_SET = "好的，自动回复顾客{state}。"
AUTOREPLY_NO_CONNECTION = (
    "你还没有把 Telegram Business 账号连接到我：在 Telegram 设置 → Telegram Business → "
    "聊天机器人 里添加我就可以了。"
)
ON_OFF = {True: "已开启", False: "已关闭"}
AUTOREPLY_WORDS = {
    "on": True,
    "开": True,
    "开启": True,
    "打开": True,
    "off": False,
    "关": False,
    "关闭": False,
}

# --- response-time reports in Telegram -------------------------------------------------------

STATS_HEADER = "📊 <b>响应时间</b>（目标：首响 {first:g} 秒 · 后续 {next:g} 秒）"
STATS_ALL = "全部客服"
STATS_BLOCK = (
    "<b>{name}</b> · 回复 {replies} 条 · 会话 {conversations} 个\n"
    "首响：中位 {first_p50} · P90 {first_p90} · 最长 {first_max} · 达标 {first_within}\n"
    "后续：中位 {next_p50} · P90 {next_p90} · 最长 {next_max} · 达标 {next_within}\n"
    "超时 {breaches} 次 · 未回复会话 {unanswered} 个 · 平响 {average} · 3 分钟回复率 {three}"
)
STATS_NONE = "—"
STATS_SECONDS = "{value:.0f} 秒"
STATS_PERCENT = "{value:.0%}"
STATS_EMPTY = (
    "还没有可以统计的对话。连接 Telegram Business 账号，"
    "或用 csbot import 导入聊天记录后再来看看吧。"
)
STATS_NO_AGENT = "没有找到客服「{name}」。现有客服：{names}"
STATS_CHART = "各客服响应时间分布（虚线是首响和后续的目标）和每日达标率"
BREACHES_HEADER = "⏱ 最近 {shown} 次超时（共 {total} 次，时间为 {timezone}）："
BREACH_LINE = "• {time} · {agent} · {kind} {result}（目标 {target:g} 秒）· 顾客「{conversation}」"
BREACH_KINDS = {"first": "首响", "next": "后续"}
BREACH_LATE = "用了 {seconds:.0f} 秒"
BREACH_UNANSWERED = "没有回复"
BREACHES_NONE = "太棒了，目前没有超时记录 🎉"
EXPORT_AGENTS = "各客服响应时间汇总（CSV，可直接用 Excel 打开）"
EXPORT_BREACHES = "超时明细（CSV）"
MYSTATS_HEADER = "📊 你的响应时间（客服「{name}」）"
MYSTATS_UNKNOWN = (
    "还没有找到你的回复记录。统计按客服名字对应：导入或接待时的客服名要和你的 Telegram id "
    "（{user_id}）、用户名或名字一致，不一致的话请店长导入时用 --agent 写对。"
)

# --- practice mode: /practice, /stop, /progress, /trainees ------------------------------------

PRACTICE_PICK = (
    "🎓 选一个练习场景，我来扮演顾客，你来当客服（🟢 入门 · 🟡 进阶 · 🔴 困难）。\n"
    "也可以直接发 /practice 场景id，例如 /practice {example}"
)
PRACTICE_BUTTON = "{mark} {level} · {title}（{turns} 轮）"
LEVEL_MARKS = {1: "🟢", 2: "🟡", 3: "🔴"}
PRACTICE_UNKNOWN = "没有这个练习场景：{scenario}。可以选：{ids}"
PRACTICE_BROKEN = "练习场景文件有问题，暂时没法练习，请联系管理员：\n{problems}"
PRACTICE_START = (
    "🎓 <b>{title}</b> · {level} · 共 {turns} 轮\n"
    "我扮演顾客，你来回复。顾客每句话发出就开始计时：第一句 {first:g} 秒内回，"
    "之后每句 {next:g} 秒内回。直接打字回复，发 /stop 随时结束。"
)
PRACTICE_CUSTOMER = "👤 顾客：{line}"
PRACTICE_REFERENCE = "💡 参考话术（点一下就能复制）："
PRACTICE_BUSY = "正在练习「{title}」：请直接回复顾客，或发 /stop 结束练习后再用其他命令。"
PRACTICE_TEXT_ONLY = "练习时请用文字回复顾客哦。"
PRACTICE_WAIT = "上一句还在点评中，稍等一下再回复哦。"
PRACTICE_NOT_RUNNING = "现在没有进行中的练习，发 /practice 开始一个吧。"
PRACTICE_NEXT = "发 /progress 看看自己的进步，或发 /practice 再练一个。"

PROGRESS_EMPTY = "你还没有练习记录，发 /practice 开始第一次练习吧。"
PROGRESS_HEADER = (
    "📈 <b>你的练习记录</b>（共 {count} 次，下面是最近 {shown} 次，时间为 {timezone}）"
)
PROGRESS_LINE = "• {time} {scenario} · <b>{total:.0f} 分</b>（{answers} 题）\n  {skills}"
PROGRESS_SKILL = "{name} {share:.0%}"
PROGRESS_WEAKEST = "最近 {recent} 次里最需要加强：<b>{skill}</b>。{tip}"
PROGRESS_ALL_FULL = "最近 {recent} 次每一项都是满分，继续保持 👍 可以试试更难的场景。"
PROGRESS_CHART = "每项技能的得分随时间的变化（占该项满分的 %），黑线是总分"
TRAINEES_EMPTY = "还没有人练习过。新客服发 /practice 就能开始练习。"
TRAINEES_HEADER = "🎓 <b>学员练习进度</b>（{count} 人，最弱项按各自最近 {recent} 次算）"
TRAINEES_LINE = (
    "• <b>{name}</b> · 练习 {sessions} 次 · 最近 {latest:.0f} 分 · 平均 {mean:.0f} 分 · "
    "最弱：{weakest}"
)
TRAINEES_ALL_FULL = "无（全部满分）"
TRAINEES_CHART = "每位学员每次练习的得分（0-100）"

# --- /product: the current product of a staff member's chat ------------------------------------

PRODUCT_NO_CATALOG = (
    "还没有商品目录：请管理员在 config.yaml 的 library.catalog 写上 catalog.yaml 的路径，"
    "再 /reload。"
)
PRODUCT_CURRENT = "当前商品：<b>{name}</b>（{id}）\n/product off 取消，/product 商品名 换一个。"
PRODUCT_NONE = (
    "还没有当前商品。发 /product 加商品 id 或商品名（如 /product 碎花裙），或直接贴商品链接。"
)
PRODUCT_SET = "好的，之后的回复按商品：<b>{name}</b>（{id}）。"
PRODUCT_OFF = "已取消当前商品，回复不再按某个商品。"
PRODUCT_PICK = "找到 {count} 个商品，点一下选择："
PRODUCT_NOT_FOUND = "商品目录里没有找到「{query}」。试试商品 id，或名字里的几个字。"
PRODUCT_OFF_WORDS = {"off", "关", "取消", "清除", "none"}
