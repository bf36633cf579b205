\set VERBOSITY sqlstate
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE ck (
  id int PRIMARY KEY,
  name varchar(10) CHECK (length(name) > 0),
  t text CHECK (t <> ''),
  amount numeric(8,2) CHECK (amount > 0),
  price float8 CHECK (price >= 0),
  r real CHECK (r > 0),
  qty int CHECK (qty BETWEEN 1 AND 100),
  big bigint CHECK (big > -1),
  small smallint CHECK (small IN (1, 2, 3)),
  status varchar(10) CHECK (status IN ('new', 'done')),
  kind text CHECK (kind IN ('a', 'b')),
  m mood CHECK (m <> 'sad'),
  d date CHECK (d > '2020-01-01'),
  ts timestamptz CHECK (ts <= now()),
  flag boolean CHECK (flag OR qty > 0),
  email varchar(100) CHECK (email LIKE '%@%'),
  code text CHECK (code ~ '^[A-Z]+$'),
  lo int, hi int,
  c char(2) CHECK (c = 'ab'),
  CONSTRAINT range_ok CHECK (lo < hi AND (lo + hi) * 2 > 0 AND lo IS NOT NULL),
  CONSTRAINT either CHECK (lo > 0 OR hi > 0 AND NOT flag),
  CONSTRAINT lower_ok CHECK (lower(email) = email),
  CONSTRAINT dec_ok CHECK (qty > 1.5 AND amount < 1000.5),
  CONSTRAINT notin CHECK (qty NOT IN (5, 6)),
  CONSTRAINT cast_ok CHECK (qty::numeric > 0 AND t::varchar <> 'x'),
  CONSTRAINT mixed CHECK (name <> t AND big > qty)
);
\d ck
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = 'ck'::regclass AND contype = 'c' ORDER BY conname;
SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 'ck'::regclass AND contype = 'c' ORDER BY conname;
ALTER TABLE ck ADD COLUMN extra int CHECK (extra > lo);
ALTER TABLE ck ADD CONSTRAINT pos CHECK (extra >= 0);
ALTER TABLE ck ADD CHECK (extra <> 7);
SELECT conname, pg_get_constraintdef(oid, true) FROM pg_constraint WHERE conrelid = 'ck'::regclass AND conname LIKE 'ck_check%' OR conname IN ('pos', 'ck_extra_check') ORDER BY conname;
SELECT constraint_name, check_clause FROM information_schema.check_constraints WHERE constraint_schema = 'public' AND constraint_name NOT LIKE '%not_null' ORDER BY 1;
SELECT check_clause FROM information_schema.check_constraints WHERE constraint_schema = 'public' AND constraint_name LIKE '%not_null' ORDER BY 1;
