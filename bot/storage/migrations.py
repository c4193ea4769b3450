"""The schema, one versioned list per dialect. Each entry moves a database one version up:
never edit a shipped entry, append a new one (to both lists, in each dialect's words)."""

# Each entry moves the schema one version up; never edit a shipped entry, append a new one.
SQLITE_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE exchanges (
        id INTEGER PRIMARY KEY,
        update_id INTEGER,
        chat_id INTEGER NOT NULL,
        user_id INTEGER,
        library TEXT NOT NULL,
        text TEXT NOT NULL,
        intents TEXT NOT NULL,          -- JSON [[intent, score], ...]
        tone TEXT NOT NULL,
        received_at REAL NOT NULL,      -- unix seconds
        replied_at REAL,
        latency_ms REAL,
        reply TEXT,                     -- the reply shown first (after 换一个: the current one)
        variant INTEGER NOT NULL DEFAULT 0,
        feedback INTEGER,               -- 1 👍, -1 👎
        bot_message_id INTEGER,
        error TEXT
    );
    CREATE INDEX exchanges_chat ON exchanges (chat_id, received_at);
    CREATE TABLE chat_settings (
        chat_id INTEGER PRIMARY KEY,
        library TEXT,
        tone TEXT
    );
    """,
    # 2: customer↔agent timelines for response times (imports and Telegram Business)
    """
    CREATE TABLE agents (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE       -- a name or a Telegram user id, as imported
    );
    CREATE TABLE conversations (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,           -- telegram-export | csv | business
        external_id TEXT NOT NULL,
        title TEXT,
        UNIQUE (source, external_id)
    );
    CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations (id),
        source TEXT NOT NULL,
        external_id TEXT NOT NULL,      -- re-importing the same message is a no-op
        ts REAL NOT NULL,               -- unix seconds
        role INTEGER NOT NULL,          -- 0 customer, 1 agent (human), 2 bot
        agent_id INTEGER REFERENCES agents (id),
        sender TEXT,
        text TEXT,
        UNIQUE (source, external_id)
    );
    CREATE INDEX messages_timeline ON messages (conversation_id, ts);
    CREATE INDEX messages_ts ON messages (ts);
    CREATE INDEX messages_agent ON messages (agent_id, ts);
    """,
    # 3: Telegram Business accounts connected to the bot (live mode)
    """
    CREATE TABLE business_connections (
        id TEXT PRIMARY KEY,            -- Telegram's business_connection_id
        user_id INTEGER NOT NULL,       -- the business account's owner
        user_chat_id INTEGER NOT NULL,  -- the owner's private chat with the bot: copilot, nudges
        can_reply INTEGER NOT NULL DEFAULT 0,
        is_enabled INTEGER NOT NULL DEFAULT 1,
        auto_reply INTEGER,             -- NULL: follow business.auto_reply in the config
        updated_at REAL
    );
    CREATE INDEX business_connections_user ON business_connections (user_id);
    """,
    # 4: practice drills of new agents, and each scored answer
    """
    CREATE TABLE practice_sessions (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL,       -- Telegram user id; 0 for the console
        user_name TEXT NOT NULL,
        scenario TEXT NOT NULL,
        level INTEGER NOT NULL,
        started_at REAL NOT NULL,
        finished_at REAL,
        total REAL                      -- mean score of the answers, 0-100
    );
    CREATE INDEX practice_sessions_user ON practice_sessions (user_id, started_at);
    CREATE TABLE practice_answers (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES practice_sessions (id),
        turn INTEGER NOT NULL,
        seconds REAL NOT NULL,
        total REAL NOT NULL,
        speed REAL NOT NULL,            -- each skill as a share of its points, 0-1
        typing REAL NOT NULL,
        content REAL NOT NULL,
        tone REAL NOT NULL,
        compliance REAL NOT NULL
    );
    CREATE INDEX practice_answers_session ON practice_answers (session_id);
    """,
    # 5: the inbox: every update is stored before Telegram is told it arrived, so a crash loses
    # none; one exchange per update
    """
    CREATE TABLE inbox (
        update_id INTEGER PRIMARY KEY,
        payload TEXT,                   -- the update's JSON as received; NULL once handled,
                                        -- since it holds the customer's text unmasked
        received_at REAL NOT NULL,
        done_at REAL,                   -- NULL: not yet handled, finished on the next start
        error TEXT
    );
    CREATE INDEX inbox_pending ON inbox (update_id) WHERE done_at IS NULL;
    CREATE UNIQUE INDEX exchanges_update ON exchanges (update_id) WHERE update_id IS NOT NULL;
    -- parts of a reply known to have left before a crash, from the sent journal: not resent
    ALTER TABLE exchanges ADD COLUMN sent_parts INTEGER NOT NULL DEFAULT 0;
    """,
)

# PostgreSQL started at SQLite's version 5, so its first entry is that whole schema. Its
# version lives in the table schema_version; ids are BIGINT (Telegram's ids pass 2**31),
# times DOUBLE PRECISION unix seconds as in SQLite.
POSTGRES_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE exchanges (
        id BIGSERIAL PRIMARY KEY,
        update_id BIGINT,
        chat_id BIGINT NOT NULL,
        user_id BIGINT,
        library TEXT NOT NULL,
        text TEXT NOT NULL,
        intents TEXT NOT NULL,
        tone TEXT NOT NULL,
        received_at DOUBLE PRECISION NOT NULL,
        replied_at DOUBLE PRECISION,
        latency_ms DOUBLE PRECISION,
        reply TEXT,
        variant INTEGER NOT NULL DEFAULT 0,
        feedback INTEGER,
        bot_message_id BIGINT,
        error TEXT,
        sent_parts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX exchanges_chat ON exchanges (chat_id, received_at);
    -- several workers share one database: an update makes one exchange, whoever handles it
    CREATE UNIQUE INDEX exchanges_update ON exchanges (update_id) WHERE update_id IS NOT NULL;
    CREATE TABLE chat_settings (
        chat_id BIGINT PRIMARY KEY,
        library TEXT,
        tone TEXT
    );
    CREATE TABLE agents (
        id BIGSERIAL PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE conversations (
        id BIGSERIAL PRIMARY KEY,
        source TEXT NOT NULL,
        external_id TEXT NOT NULL,
        title TEXT,
        UNIQUE (source, external_id)
    );
    CREATE TABLE messages (
        id BIGSERIAL PRIMARY KEY,
        conversation_id BIGINT NOT NULL REFERENCES conversations (id),
        source TEXT NOT NULL,
        external_id TEXT NOT NULL,
        ts DOUBLE PRECISION NOT NULL,
        role INTEGER NOT NULL,
        agent_id BIGINT REFERENCES agents (id),
        sender TEXT,
        text TEXT,
        UNIQUE (source, external_id)
    );
    CREATE INDEX messages_timeline ON messages (conversation_id, ts);
    CREATE INDEX messages_ts ON messages (ts);
    CREATE INDEX messages_agent ON messages (agent_id, ts);
    CREATE TABLE business_connections (
        id TEXT PRIMARY KEY,
        user_id BIGINT NOT NULL,
        user_chat_id BIGINT NOT NULL,
        can_reply BOOLEAN NOT NULL DEFAULT FALSE,
        is_enabled BOOLEAN NOT NULL DEFAULT TRUE,
        auto_reply BOOLEAN,
        updated_at DOUBLE PRECISION
    );
    CREATE INDEX business_connections_user ON business_connections (user_id);
    CREATE TABLE practice_sessions (
        id BIGSERIAL PRIMARY KEY,
        user_id BIGINT NOT NULL,
        user_name TEXT NOT NULL,
        scenario TEXT NOT NULL,
        level INTEGER NOT NULL,
        started_at DOUBLE PRECISION NOT NULL,
        finished_at DOUBLE PRECISION,
        total DOUBLE PRECISION
    );
    CREATE INDEX practice_sessions_user ON practice_sessions (user_id, started_at);
    CREATE TABLE practice_answers (
        id BIGSERIAL PRIMARY KEY,
        session_id BIGINT NOT NULL REFERENCES practice_sessions (id),
        turn INTEGER NOT NULL,
        seconds DOUBLE PRECISION NOT NULL,
        total DOUBLE PRECISION NOT NULL,
        speed DOUBLE PRECISION NOT NULL,
        typing DOUBLE PRECISION NOT NULL,
        content DOUBLE PRECISION NOT NULL,
        tone DOUBLE PRECISION NOT NULL,
        compliance DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX practice_answers_session ON practice_answers (session_id);
    CREATE TABLE inbox (
        update_id BIGINT PRIMARY KEY,
        payload TEXT,
        received_at DOUBLE PRECISION NOT NULL,
        done_at DOUBLE PRECISION,
        error TEXT
    );
    CREATE INDEX inbox_pending ON inbox (update_id) WHERE done_at IS NULL;
    """,
)
