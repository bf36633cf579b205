\set VERBOSITY sqlstate
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE t (
  id serial PRIMARY KEY, i2 smallint, i4 integer, i8 bigint, r real, d double precision,
  n numeric(10,2), nn numeric, vc varchar(5), ch char(4), tx text, b bytea, bo boolean,
  dt date, tm time, ts timestamp, tz timestamptz, iv interval, u uuid, j json, jb jsonb,
  ia int[], ta text[], m mood);
INSERT INTO t (i2, i4, i8, r, d, n, nn, vc, ch, tx, b, bo, dt, tm, ts, tz, iv, u, j, jb, ia, ta, m) VALUES
  (1, 2, 3, 1.5, 0.1, 1.005, 1.50, 'abc', 'ab', 'hello', '\x0102ff', true, '2024-02-29', '13:45:10.5',
   '2024-01-02 03:04:05.123', '2024-01-02 03:04:05+02', '1 year 2 mons 3 days 04:05:06', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
   '{"b": 1, "a": [1, 2]}', '{"b": 1, "a": [1, 2]}', '{1,2,3}', '{"x y",z,NULL}', 'happy'),
  (-1, NULL, 9223372036854775807, 1e10, 1e-7, -99.999, 123456789.123456789, NULL, NULL, '', '\x', false, NULL, NULL, NULL, NULL, '-3 hours', NULL, 'null', '[]', '{}', '{}', 'sad');
SELECT * FROM t ORDER BY id;
SELECT i2 + i4, i8 - 1, r * 2, d / 4, n * 3, n / 3, nn + 0.005, -n FROM t ORDER BY id;
SELECT 1.0 / 3, 10 / 4, 10 % 4, 2 ^ 10, 7::numeric / 2, 1e20::float8, 0.1::float4, 100000000000000000000::numeric;
SELECT 'abc'::varchar(2), 'x'::char(3) || '|', length('x'::char(3)), 'a b'::text;
SELECT true AND NULL, false OR NULL, NOT true, 1 IS DISTINCT FROM NULL, NULL IS NOT DISTINCT FROM NULL;
SELECT '2024-03-10'::date + 5, '2024-03-10'::date - '2024-01-01'::date, '2024-01-31'::timestamp + interval '1 month';
SELECT interval '90 minutes', interval '1 day' * 3, interval '1 hour' + interval '30 minutes', '2024-01-01 10:00'::timestamp - '2024-01-01 08:30'::timestamp;
SELECT '{1,2}'::int[] || 3, array_length(ARRAY[1,2,3], 1), cardinality('{}'::int[]), (ARRAY['a','b'])[2];
SELECT '{"a": {"b": [10, 20]}}'::jsonb -> 'a' -> 'b' -> 1, '{"a": "x"}'::json ->> 'a', '{"a": 1}'::jsonb @> '{"a": 1}', '{"a": 1}'::jsonb ? 'a';
SELECT '\xdeadbeef'::bytea, 'happy'::mood, 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid;
SELECT m, m > 'ok', m < 'happy'::mood FROM t ORDER BY m DESC;
SELECT enum_range(NULL::mood), enum_first(NULL::mood), enum_last('ok'::mood), array_agg(m ORDER BY m) FROM t;
SELECT 'abc'::int;
SELECT 'angry'::mood;
INSERT INTO t (vc) VALUES ('toolong');
INSERT INTO t (n) VALUES (123456789.12);
SELECT 32768::smallint;
SELECT 1 / 0;
SELECT 1.5 / 0;
SET extra_float_digits = 0;
SELECT 0.1::float8 + 0.2::float8, 1.0::float4 / 3;
RESET extra_float_digits;
SELECT 0.1::float8 + 0.2::float8;
SET TIME ZONE '+05:30';
SELECT tz FROM t WHERE id = 1;
SELECT '2024-06-01 12:00:00'::timestamptz;
CREATE TABLE tprec (a timestamp(3), b timestamptz(0), c time(2), d timestamp);
INSERT INTO tprec VALUES ('2020-01-01 10:00:00.123456', '2020-01-01 10:00:00.6+00', '10:00:00.129', '2020-01-01 10:00:00.1234567');
SELECT * FROM tprec;
SELECT '2020-01-01 10:00:00.55'::timestamp(1), '10:00:00.5'::time(0), '1999-12-31 23:59:59.95'::timestamp(1);
\d tprec
SELECT column_name, datetime_precision, format_type(atttypid, atttypmod) FROM information_schema.columns JOIN pg_attribute ON attrelid = 'tprec'::regclass AND attname = column_name WHERE table_name = 'tprec' ORDER BY ordinal_position;
