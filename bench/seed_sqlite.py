#!/usr/bin/env python3
"""Fills a migrated Tipline SQLite database with N synthetic tips (with their routing and case
files), for the staff-queue benchmark: bench/seed_sqlite.py PATH N"""
import random, sqlite3, sys
from datetime import datetime, timedelta

path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
sectors = [("fire_safety", "fire"), ("gas", "municipal"), ("construction", "construction"),
           ("special_equipment", "market"), ("hazardous_chemicals", "emergency"), ("ebike", "fire")]
streets = ["huli", "dianqian", "heshan", "jiangtou", "jinshan"]
statuses = ["submitted", "accepted", "verifying", "substantiated", "rectifying", "rectified", "closed"]
db = sqlite3.connect(path)
start = db.execute("SELECT COALESCE(MAX(id), 0) FROM tips").fetchone()[0]
now = datetime.utcnow()
tips, units, files = [], [], []
for i in range(start + 1, start + n + 1):
    sector, dept = rng.choice(sectors)
    street = rng.choice(streets)
    at = now - timedelta(minutes=rng.randint(0, 60 * 24 * 120))
    due = (at + timedelta(days=rng.randint(-10, 70))).date().isoformat()
    ts = at.strftime("%Y-%m-%d %H:%M:%S")
    tips.append((i, f"BN-2026-{i:07d}", f"bench{i:060d}", sector, street, "湖里大道 1 号", None,
                 "基准测试用的合成举报：消防通道被杂物堵塞，存在安全隐患。", "general", None, 1, None, 0,
                 rng.choice(statuses), dept, 0, None, "api", ts, ts, due, 1 if due < now.date().isoformat() else 0))
    units.append((i, dept, "lead"))
    units.append((i, street, "street"))
    files.append((i, due))
db.executemany("INSERT INTO tips (id, case_number, receipt_hash, sector, street, address, enterprise, description, severity, observed_at, anonymous, identity_sealed, wants_reward, status, department, triage, suggested_sector, channel, submitted_at, updated_at, next_deadline, overdue) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", tips)
db.executemany("INSERT INTO tip_units (tip_id, unit, role) VALUES (?,?,?)", units)
db.executemany("INSERT INTO case_files (tip_id, acceptance_due) VALUES (?,?)", files)
db.commit()
print(db.execute("SELECT COUNT(*) FROM tips").fetchone()[0])
