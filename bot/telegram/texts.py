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
TONE_NAMES = {"亲切": "亲切 (淘宝风)", "正式": "正式"}

START = (
    "您好, 我是客服话术助手 🤝\n\n"
    "把顾客发来的话直接粘贴或转发给我, 我马上给出可以直接发送的回复: "
    "识别顾客问的是什么 (包邮、尺码、色差、发货…), 一句话问了几件事也能一起回答。\n\n"
    "回复下面的按钮: 换一个 · 切换亲切/正式 · 👍👎 反馈 · 为什么这样回。\n"
    "/help 查看全部命令。"
)
HELP = (
    "<b>用法</b>: 粘贴或转发顾客的消息, 点回复即可复制。\n\n"
    "/intents 按意图浏览话术库\n"
    "/library 切换话术库 (网店 / 诊所回访 / IT 服务)\n"
    "/tone 切换默认语气 (亲切 / 正式)\n"
    "/whoami 查看我的 Telegram id 和权限\n"
    "/reload 重新加载话术库 (管理员)"
)
REFUSED = (
    "抱歉, 这个助手只对本店客服开放。需要使用请联系店长, 把你的 Telegram id 加进配置: {user_id}"
)
WHOAMI = (
    "你的 Telegram id: <code>{user_id}</code>\n权限: {role}\n当前话术库: {library} · 语气: {tone}"
)
ROLE_NAMES = {"admin": "管理员", "manager": "主管", "staff": "客服", None: "无"}
MANAGERS_ONLY = "这个命令只有主管和管理员可以用。"
ADMINS_ONLY = "这个命令只有管理员可以用。"
THROTTLED = "发得太快啦, 请稍等几秒再发 🙏"
APOLOGY = "抱歉, 刚才处理出了点问题, 请再发一次试试。"
NOT_TEXT = "我只能看懂文字消息哦: 贴纸、图片和语音请把顾客的原话复制成文字再发给我。"
EMPTY = "消息是空的, 请把顾客的原话粘贴过来。"

DETECTED = "🎯 顾客在问: {intents}"
NO_MATCH = "🤔 没有把握顾客在问什么, 可以先发这句请顾客说明:"
NO_MATCH_HINT = "提示: 用 /intents 浏览话术库, 或把顾客的话补充完整再发给我。"
DRAFT = "合并草稿 (按顾客提问顺序)"
SEND_IN_PARTS = "(较长, 建议分 {n} 次发送)"
REPLY_HEADER = "建议回复 · {tone}:"
BUTTON_NEXT = "🔄 换一个"
BUTTON_TONE = "切换为{tone}"
BUTTON_UP = "👍"
BUTTON_DOWN = "👎"
BUTTON_WHY = "❓ 为什么"
FEEDBACK_THANKS = "已记录, 谢谢反馈!"
EXPIRED = "这条建议已过期, 请重新发送顾客的消息。"
WHY_HEADER = "<b>为什么这样回</b>"
WHY_LINE = (
    "• <b>{intent}</b> {score:.2f}: 来自「{clause}」, 最像例句「{example}」"
    "{shared}{keywords}; 第二名 {runner_up} {runner_up_score:.2f}"
)
WHY_NONE = "没有一个意图的得分超过阈值, 所以建议先请顾客说明需求。"

LIBRARY_PICK = "选择这个聊天使用的话术库 (当前: {current}):"
LIBRARY_SET = "已切换到话术库: {name}"
LIBRARY_BROKEN = "话术库 {name} 有问题, 没有切换:\n{problems}"
TONE_PICK = "选择默认语气 (当前: {current}):"
TONE_SET = "默认语气已改为: {tone}"

INTENTS_HEADER = "话术库「{library}」的意图 (第 {page}/{pages} 页), 点一个查看全部回复:"
INTENT_REPLIES = "<b>{name}</b> ({intent}) · 例句如: {examples}\n\n{replies}"
BACK = "« 返回"
PREV = "‹ 上一页"
NEXT = "下一页 ›"

RELOADED = "话术库已重新加载: {names}"
RELOAD_FAILED = "重新加载失败, 仍在使用原来的话术库。问题:\n{problems}"

COMMANDS = {
    "start": "开始使用",
    "help": "帮助",
    "intents": "浏览话术库",
    "library": "切换话术库",
    "tone": "切换语气",
    "whoami": "我的 id 和权限",
    "reload": "重新加载话术库 (管理员)",
}
