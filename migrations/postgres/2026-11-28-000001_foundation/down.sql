DROP TABLE staff_users;
DROP TABLE messages;
DROP TABLE tip_events;
DROP TABLE tip_units;
DROP TABLE tips;
DROP TABLE case_counters;
DROP TABLE installation;
