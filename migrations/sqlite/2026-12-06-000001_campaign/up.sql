-- The campaign's own records (安全生产隐患大排查大整治): enterprises (生产经营单位), hazards from every
-- source with their history, joint inspections, and the blacklist (安全生产不良记录).

CREATE TABLE enterprises (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    name TEXT NOT NULL,
    -- 统一社会信用代码 (GB 32100-2015), upper case; unknown for some small businesses.
    credit_code TEXT UNIQUE,
    address TEXT NOT NULL,
    street TEXT NOT NULL,
    sector TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX enterprises_name ON enterprises (name);

-- A tip names an enterprise in free text; staff link it to the record.
ALTER TABLE tips ADD COLUMN enterprise_id BIGINT REFERENCES enterprises (id);
CREATE INDEX tips_enterprise ON tips (enterprise_id);

-- Joint inspections (联合检查): several departments, one day, the enterprises visited.
CREATE TABLE inspections (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    title TEXT NOT NULL,
    held_on DATE NOT NULL,
    -- The departments' codes, comma-separated.
    departments TEXT NOT NULL,
    street TEXT,
    members TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE inspection_enterprises (
    inspection_id BIGINT NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    PRIMARY KEY (inspection_id, enterprise_id)
);

-- Hazard numbers (YH-2026-000001): one gap-free sequence a year, like case numbers.
CREATE TABLE hazard_counters (
    year INTEGER PRIMARY KEY NOT NULL,
    last_seq BIGINT NOT NULL
);

CREATE TABLE hazards (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    number TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    -- The tip it came from (source = tip): one hazard per tip.
    tip_id BIGINT UNIQUE REFERENCES tips (id),
    inspection_id BIGINT REFERENCES inspections (id),
    -- Unknown for a tip that names no enterprise staff could link.
    enterprise_id BIGINT REFERENCES enterprises (id),
    description TEXT NOT NULL,
    grade TEXT NOT NULL,
    -- 重大事故隐患判定依据 (the standard and clause), for a major hazard.
    basis TEXT,
    found_on DATE NOT NULL,
    -- The supervising department's code and the sub-district's code.
    department TEXT NOT NULL,
    street TEXT,
    -- 企业主体责任人, 部门监管责任人, 属地责任人, 包保领导.
    responsible_person TEXT NOT NULL,
    supervisor TEXT NOT NULL,
    street_official TEXT,
    leader TEXT,
    measures TEXT NOT NULL,
    deadline DATE NOT NULL,
    original_deadline DATE NOT NULL,
    -- 停产停业 until rectified, and the day work resumed (复工).
    suspend_operations BOOLEAN NOT NULL,
    resumed_on DATE,
    status TEXT NOT NULL,
    overdue BOOLEAN NOT NULL DEFAULT FALSE,
    rectified_on DATE,
    -- 复查 that passed: who and when (销号).
    reviewed_by TEXT,
    reviewed_on DATE,
    -- 提请区政府研究.
    escalated_on DATE,
    -- 挂牌督办.
    supervised BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX hazards_department ON hazards (department, status);
CREATE INDEX hazards_street ON hazards (street, status);
CREATE INDEX hazards_deadline ON hazards (status, deadline);
CREATE INDEX hazards_enterprise ON hazards (enterprise_id);
CREATE INDEX hazards_found ON hazards (found_on);

-- A hazard's history: every step, with who, when, the note and the date it names (a new
-- deadline, the day rectification was completed).
CREATE TABLE hazard_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    hazard_id BIGINT NOT NULL REFERENCES hazards (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    note TEXT,
    on_date DATE
);
CREATE INDEX hazard_events_hazard ON hazard_events (hazard_id, id);

-- 安全生产不良记录: the reason is written for the public.
CREATE TABLE blacklist (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
    reason TEXT NOT NULL,
    listed_on DATE NOT NULL,
    until DATE,
    listed_by TEXT NOT NULL,
    listed_at TIMESTAMP NOT NULL,
    withdrawn_by TEXT,
    withdrawn_at TIMESTAMP,
    withdraw_reason TEXT
);
CREATE INDEX blacklist_enterprise ON blacklist (enterprise_id, withdrawn_at);
