#!/usr/bin/env python3
"""Fills a migrated Tipline database with N synthetic tips, set-based (one INSERT … SELECT per
table over a generated series, no row loop), for the staff-workspace benchmarks.

    bench/seed.py sqlite PATH N [CONFIG_DIR]
    bench/seed.py postgres URL N [CONFIG_DIR]      (runs psql; URL may carry ?options=-csearch_path%3D…)

Each tip gets its routing (lead department and sub-district in tip_units), a case file with the
limits of its stage, and its history (submitted, accepted, verification started, closed where it
applies). The tips spread over the last three years: older ones are final (mostly closed), the
last 120 days hold every status, so a twelve-week dashboard covers about 77,000 of a million.
Sectors and sub-districts come from the deployment's config (sectors.toml, streets.toml).
"""
import os, subprocess, sys, time, tomllib
from datetime import datetime, timezone

backend, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = sys.argv[4] if len(sys.argv) > 4 else os.path.join(os.path.dirname(__file__), "..", "config")
with open(os.path.join(config, "sectors.toml"), "rb") as f:
    sectors = [(s["code"], s["lead"]) for s in tomllib.load(f)["sector"] if not s.get("triage")]
with open(os.path.join(config, "streets.toml"), "rb") as f:
    streets = [s["code"] for s in tomllib.load(f)["street"]]
now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat(sep=" ")
SPAN = 3 * 365 * 24 * 60  # minutes over which the tips spread

if backend == "sqlite":
    def series(first, last):
        return f"WITH RECURSIVE n(i) AS (SELECT {first} UNION ALL SELECT i + 1 FROM n WHERE i < {last}) "
    def minus_minutes(expr):
        return f"datetime('{now}', '-' || ({expr}) || ' minutes')"
    def plus_days(ts, expr):
        return f"date({ts}, ({expr}) || ' days')"
    today, true, false, override = f"date('{now}')", "1", "0", ""
    def from_series(first, last):
        return "FROM n"
else:
    def series(first, last):
        return ""
    def minus_minutes(expr):
        return f"(TIMESTAMP '{now}' - ({expr}) * INTERVAL '1 minute')"
    def plus_days(ts, expr):
        return f"(CAST({ts} AS DATE) + CAST(({expr}) AS INTEGER))"
    today, true, false, override = f"DATE '{now}'", "TRUE", "FALSE", "OVERRIDING SYSTEM VALUE"
    def from_series(first, last):
        return f"FROM generate_series(CAST({first} AS BIGINT), CAST({last} AS BIGINT)) AS n(i)"


def lookup(name, values):
    rows = ", ".join("(" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in row) + ")"
                     for row in values)
    return [f"DROP TABLE IF EXISTS {name}",
            f"CREATE TABLE {name} (k INTEGER PRIMARY KEY, code TEXT NOT NULL, lead TEXT)",
            f"INSERT INTO {name} (k, code, lead) VALUES {rows}"]


def statements(first, last, end, n):
    # Minutes before now: later ids are newer, as in a real database, a few hours' jitter.
    age = f"(({end} - i) * {SPAN} / {n} + (i * 7919) % 300)"
    submitted = minus_minutes(age)
    old = f"({age} > 120 * 24 * 60)"
    # Final statuses for old tips (mostly closed), every status for recent ones.
    status = (f"CASE WHEN {old} THEN CASE WHEN i % 20 < 14 THEN 'closed' WHEN i % 20 < 17 THEN 'unsubstantiated' "
              f"WHEN i % 20 < 19 THEN 'rejected' ELSE 'duplicate' END "
              f"ELSE CASE i % 10 WHEN 0 THEN 'submitted' WHEN 1 THEN 'accepted' WHEN 2 THEN 'verifying' "
              f"WHEN 3 THEN 'substantiated' WHEN 4 THEN 'rectifying' WHEN 5 THEN 'rectified' WHEN 6 THEN 'closed' "
              f"WHEN 7 THEN 'unsubstantiated' WHEN 8 THEN 'rejected' ELSE 'verifying' END END")
    # The statuses with a current limit (domain::deadlines::Limits::current): the rest have none.
    open_ = f"(NOT {old} AND i % 10 IN (0, 1, 2, 3, 4, 9))"
    deadline = f"CASE WHEN {open_} THEN {plus_days(submitted, '(i % 70) - 10')} END"
    sector = "(SELECT code FROM seed_sectors WHERE k = i % (SELECT COUNT(*) FROM seed_sectors))"
    lead = "(SELECT lead FROM seed_sectors WHERE k = i % (SELECT COUNT(*) FROM seed_sectors))"
    street = "(SELECT code FROM seed_streets WHERE k = i % (SELECT COUNT(*) FROM seed_streets))"
    yield (f"{series(first, last)}INSERT INTO tips (id, case_number, receipt_hash, sector, street, address, "
           "enterprise, description, severity, observed_at, anonymous, identity_sealed, wants_reward, status, "
           "department, triage, suggested_sector, channel, submitted_at, updated_at, next_deadline, overdue, "
           f"declared_employee, declared_supervision) {override} "
           f"SELECT i, 'BN-' || i, 'bench-' || i, {sector}, {street}, '湖里大道 ' || (i % 500) || ' 号', "
           f"CASE WHEN i % 3 = 0 THEN '合成企业 ' || (i % 5000) END, "
           "'基准测试用的合成举报：消防通道被杂物堵塞，夜间有人员住宿，存在安全隐患。', "
           f"CASE WHEN i % 25 = 0 THEN 'major' ELSE 'general' END, NULL, {true}, NULL, {false}, {status}, "
           f"{lead}, {false}, NULL, CASE i % 4 WHEN 0 THEN 'web' WHEN 1 THEN 'api' WHEN 2 THEN 'hotline_12345' ELSE 'web' END, "
           f"{submitted}, {submitted}, {deadline}, "
           f"CASE WHEN {open_} AND {plus_days(submitted, '(i % 70) - 10')} < {today} THEN {true} ELSE {false} END, "
           f"{false}, {false} {from_series(first, last)}")
    # Each unit row keeps its tip's queue sort key, place and time (PostgreSQL's triggers are off
    # while seeding).
    copied = "COALESCE(next_deadline, '9999-12-31'), street, enterprise, submitted_at"
    into = "INSERT INTO tip_units (tip_id, unit, role, queue_key, street, enterprise, submitted_at)"
    yield (f"{into} SELECT id, department, 'lead', {copied} "
           f"FROM tips WHERE id BETWEEN {first} AND {last}")
    yield (f"{into} SELECT id, street, 'street', {copied} FROM tips "
           f"WHERE id BETWEEN {first} AND {last} AND street IS NOT NULL")
    # Each limit: the current one is the tip's next deadline, the earlier ones were met.
    def due(status_list, days):
        return (f"CASE WHEN status IN ({status_list}) THEN next_deadline "
                f"ELSE {plus_days('submitted_at', days)} END")
    yield (f"INSERT INTO case_files (tip_id, acceptance_due, accepted_at, verification_due, verification_extended, "
           "verified_at, feedback_due, rectification_due, suspend_operations, closed_at) "
           f"SELECT id, {due(chr(39) + 'submitted' + chr(39), '3')}, "
           "CASE WHEN status NOT IN ('submitted', 'rejected') THEN submitted_at END, "
           f"CASE WHEN status NOT IN ('submitted', 'rejected') THEN {due(chr(39) + 'accepted' + chr(39) + ', ' + chr(39) + 'verifying' + chr(39), '30')} END, {false}, "
           "CASE WHEN status IN ('substantiated', 'unsubstantiated', 'rectifying', 'rectified', 'closed') THEN updated_at END, "
           "CASE WHEN status = 'substantiated' THEN next_deadline END, "
           f"CASE WHEN status = 'rectifying' THEN next_deadline WHEN status IN ('rectified', 'closed') THEN {plus_days('submitted_at', '45')} END, {false}, "
           "CASE WHEN status IN ('closed', 'unsubstantiated', 'rejected', 'duplicate') THEN updated_at END "
           f"FROM tips WHERE id BETWEEN {first} AND {last}")
    # The deadline job's notices, as if it had run every day: overdue ones escalated, those
    # ending within two days warned (else the first run after seeding sends them all).
    limit = ("CASE status WHEN 'submitted' THEN 'acceptance' WHEN 'substantiated' THEN 'feedback' "
             "WHEN 'rectifying' THEN 'rectification' ELSE 'verification' END")
    for kind, where in [("overdue", f"next_deadline < {today}"),
                        ("due_soon", f"next_deadline < {plus_days(today, '3')}")]:
        yield (f"INSERT INTO deadline_notices (tip_id, kind, due, notified_at) "
               f"SELECT id, '{kind}:' || {limit}, next_deadline, submitted_at FROM tips "
               f"WHERE id BETWEEN {first} AND {last} AND next_deadline IS NOT NULL AND {where}")
    for action, where in [("submitted", "1 = 1"),
                          ("accepted", "status NOT IN ('submitted', 'rejected')"),
                          ("verification_started", "status NOT IN ('submitted', 'accepted', 'rejected')"),
                          ("closed", "status IN ('closed', 'unsubstantiated', 'rejected', 'duplicate')")]:
        yield (f"INSERT INTO tip_events (tip_id, action, actor, note, created_at) "
               f"SELECT id, '{action}', NULL, NULL, submitted_at FROM tips "
               f"WHERE id BETWEEN {first} AND {last} AND {where}")


def run(sqls):
    if backend == "sqlite":
        import sqlite3
        db = sqlite3.connect(target)
        for s in sqls:
            db.execute(s)
        db.commit()
        return db.execute("SELECT COUNT(*) FROM tips").fetchone()[0]
    script = ";\n".join(sqls) + ";\n"
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", target], input=script.encode(), check=True)
    out = subprocess.run(["psql", "-tA", target, "-c", "SELECT COUNT(*) FROM tips"], capture_output=True, check=True)
    return int(out.stdout)


def start():
    if backend == "sqlite":
        import sqlite3
        return sqlite3.connect(target).execute("SELECT COALESCE(MAX(id), 0) FROM tips").fetchone()[0]
    out = subprocess.run(["psql", "-tA", target, "-c", "SELECT COALESCE(MAX(id), 0) FROM tips"],
                         capture_output=True, check=True)
    return int(out.stdout)


began = time.time()
first = start() + 1
sqls = lookup("seed_sectors", [(k, c, l) for k, (c, l) in enumerate(sectors)])
sqls += lookup("seed_streets", [(k, c, "") for k, c in enumerate(streets)])
step = 200_000  # one transaction per batch keeps the SQLite journal and PG's WAL moderate
for lo in range(first, first + n, step):
    sqls += list(statements(lo, min(lo + step - 1, first + n - 1), first + n - 1, n))
sqls += ["DROP TABLE seed_sectors", "DROP TABLE seed_streets"]
if backend == "postgres":
    # PostgreSQL fires the counters' triggers once a row, and a million updates of the same few
    # counter rows in one statement leave a million row versions to walk (the seeding took an
    # hour): they are off for this session (`session_replication_role`, which also skips the
    # foreign-key checks of rows made consistent here) and the counters are worked out after,
    # set-based, as the migrations that added them did.
    sqls = ["SET session_replication_role = replica"] + sqls
    sqls += [
        "DELETE FROM queue_counts",
        "INSERT INTO queue_counts (unit, status, n) SELECT '*', status, COUNT(*) FROM tips GROUP BY status",
        "INSERT INTO queue_counts (unit, status, n) SELECT u.unit, t.status, COUNT(*) "
        "FROM tip_units u JOIN tips t ON t.id = u.tip_id GROUP BY u.unit, t.status",
        "INSERT INTO figure_versions (day, v) SELECT submitted_at::date, 1 FROM tips GROUP BY 1 "
        "ON CONFLICT (day) DO UPDATE SET v = figure_versions.v + 1",
        "UPDATE tips SET overdue_noticed = next_deadline WHERE next_deadline IS NOT NULL AND EXISTS ("
        "SELECT 1 FROM deadline_notices n WHERE n.tip_id = tips.id AND n.due = tips.next_deadline "
        "AND n.kind LIKE 'overdue:%')",
        "SET session_replication_role = DEFAULT",
        "SELECT setval(pg_get_serial_sequence('tips', 'id'), (SELECT MAX(id) FROM tips))",
        "ANALYZE",
    ]
else:
    sqls += ["ANALYZE"]
total = run(sqls)
print(f"{total} tips ({n} seeded in {time.time() - began:.0f} s)")
