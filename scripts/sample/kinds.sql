-- "Kinds" sample database: a small, hostile but realistic database holding every kind of object a
-- drill has to restore and compare: awkward identifiers (mixed case, unicode, quotes, semicolons,
-- reserved words, 63-byte names), partitions (range + list sub-partitions + defaults, one attached with
-- a different column order), inheritance (a column added to the parent after the children exist), a
-- dropped column, generated and identity columns, nearly every built-in type at its edges (float
-- specials, NaN/Infinity numerics, BC and infinite dates, DST-crossing timestamps, bytea with NULs,
-- text with \. lines), enum/domain/composite/range types, large objects, sequences, views and
-- materialized views, an unlogged table, an empty one, one with zero columns, extensions, RLS, NOT
-- VALID constraints with violating rows, triggers, and a table owned by a non-superuser role.
-- Deterministic: no random(), no now(): every value is a literal or derives from generate_series, so
-- every load gives byte-identical COPY output. About 1.5 MB, mostly the large objects.
-- Re-runnable: it drops and recreates its schemas, its public tables and its large objects. It also
-- creates the NOLOGIN role kinds_app (cluster-wide) if missing, and never drops it.
-- money is avoided on purpose: its text form follows lc_monetary, so it round-trips only between
-- databases with the same locale (that is a locale property, not a dump/restore problem).
-- Load with: psql -X -v ON_ERROR_STOP=1 -f kinds.sql
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET TimeZone = 'UTC';
SET search_path = public;

DO $$
BEGIN
    -- Roles are cluster-wide: created once, kept, so a second load (or another database) reuses it.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'kinds_app') THEN
        CREATE ROLE kinds_app NOLOGIN;
    END IF;
END
$$;

BEGIN;

DROP SCHEMA IF EXISTS "Sales", "données", "odd; name's ""q""", "select", kinds, ext CASCADE;
DROP TABLE IF EXISTS public.plain_people, public."MixedCase", public.unlogged_log,
    public.empty_table, public.zero_columns CASCADE;
DROP FUNCTION IF EXISTS public.kinds_touch() CASCADE;
DO $$ BEGIN PERFORM lo_unlink(oid) FROM pg_largeobject_metadata WHERE oid IN (424201, 424202, 424203); END $$;

CREATE SCHEMA kinds;
CREATE SCHEMA "Sales";
CREATE SCHEMA "données";
CREATE SCHEMA "odd; name's ""q""";
CREATE SCHEMA "select";
CREATE SCHEMA ext;
COMMENT ON SCHEMA "données" IS 'Schéma unicode — 日本語 ✓';

-- Extensions from postgresql-contrib: citext in public (the usual place), pg_trgm in its own schema
-- (the other usual place), so restored objects must reach extension objects in another schema.
CREATE EXTENSION IF NOT EXISTS citext WITH SCHEMA public;
CREATE EXTENSION pg_trgm WITH SCHEMA ext;

-- ---------------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------------
CREATE TYPE kinds.mood AS ENUM ('sad', 'ok', 'happy');
-- Labels added out of order get odd enumsortorder values; a restore must keep the sort order.
ALTER TYPE kinds.mood ADD VALUE 'meh' BEFORE 'ok';
ALTER TYPE kinds.mood ADD VALUE 'ecstatic ✨' AFTER 'happy';
CREATE DOMAIN kinds.positive_price AS numeric(12, 2) CHECK (VALUE > 0);
CREATE DOMAIN "données".code_postal AS text NOT NULL CHECK (VALUE ~ '^[0-9]{5}$');
CREATE TYPE kinds.address AS (street text, city text, zip "données".code_postal, tags text[]);
CREATE TYPE "Sales"."Money Range" AS RANGE (subtype = numeric);

-- Enum labels added by ALTER TYPE cannot be used before they are committed.
COMMIT;
BEGIN;

-- ---------------------------------------------------------------------------------------------------
-- Functions (SQL, SQL-standard body, plpgsql) and a trigger
-- ---------------------------------------------------------------------------------------------------
-- A BEGIN ATOMIC body is bound at creation, so the generated column using it recomputes correctly
-- during a restore even though pg_restore runs with search_path = ''.
CREATE FUNCTION kinds.slugify(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT lower(regexp_replace(t, '[^A-Za-z0-9]+', '-', 'g'));
END;

CREATE FUNCTION "Sales".order_total(p_qty integer, p_price numeric) RETURNS numeric
    LANGUAGE sql IMMUTABLE
    AS $$ SELECT p_qty * p_price $$;

CREATE FUNCTION public.kinds_touch() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog
AS $$
BEGIN
    -- Deterministic on purpose: a real app would use now(); the restore must not fire this anyway,
    -- since pg_dump creates triggers after loading the data.
    NEW.revision := COALESCE(OLD.revision, 0) + 1;
    RETURN NEW;
END
$$;

-- ---------------------------------------------------------------------------------------------------
-- Plain tables in public, with identity columns, generated columns, constraints and indexes
-- ---------------------------------------------------------------------------------------------------
CREATE TABLE public.plain_people (
    id        integer GENERATED ALWAYS AS IDENTITY (START WITH 1000 INCREMENT BY 7) PRIMARY KEY,
    email     citext NOT NULL UNIQUE,
    full_name text NOT NULL,
    slug      text GENERATED ALWAYS AS (kinds.slugify(full_name)) STORED,
    mood      kinds.mood,
    home      kinds.address,
    revision  integer NOT NULL DEFAULT 0,
    CONSTRAINT plain_people_name_nonblank CHECK (btrim(full_name) <> '')
);
COMMENT ON TABLE public.plain_people IS 'People with a citext e-mail; slug is a STORED generated column.';
COMMENT ON COLUMN public.plain_people.slug IS 'Généré — never in COPY output';
CREATE INDEX plain_people_lower_name_idx ON public.plain_people (lower(full_name));
CREATE INDEX plain_people_trgm_idx ON public.plain_people USING gin (full_name ext.gin_trgm_ops);
CREATE TRIGGER plain_people_touch BEFORE INSERT OR UPDATE ON public.plain_people
    FOR EACH ROW EXECUTE FUNCTION public.kinds_touch();

INSERT INTO public.plain_people (email, full_name, mood, home)
SELECT format('User%s@Example.COM', g),
       CASE g % 5
           WHEN 0 THEN format('Zoë O''Connor %s', g)
           WHEN 1 THEN format('山田 太郎 %s', g)
           WHEN 2 THEN format('Ana "Nina" Pérez %s', g)
           WHEN 3 THEN format(E'Tab\there %s', g)
           ELSE format('Plain Person %s', g)
       END,
       (ARRAY['sad', 'meh', 'ok', 'happy', 'ecstatic ✨', NULL]::kinds.mood[])[1 + g % 6],
       CASE WHEN g % 4 = 0 THEN NULL
            ELSE ROW(format('%s Rue de l''Église', g), CASE WHEN g % 3 = 0 THEN 'Zürich, "CH"' ELSE 'Köln' END,
                     lpad((g * 137 % 100000)::text, 5, '0'),
                     ARRAY['a', NULL, '', 'q"uote', E'back\\slash'])::kinds.address
       END
FROM generate_series(1, 40) AS g
ORDER BY g;
-- Fires the trigger on some rows, so revision differs between rows.
UPDATE public.plain_people SET full_name = full_name || ' (edited)' WHERE id % 3 = 0;

CREATE TABLE public."MixedCase" (
    "Id"          bigint PRIMARY KEY,
    "CamelCol"    text,
    "with space"  text,
    "select"      integer,
    "oid"         oid,
    "Ünïcödé_列"  text,
    "a""quote"    text
);
INSERT INTO public."MixedCase"
SELECT g, format('Camel%s', g), CASE WHEN g % 2 = 0 THEN '' END, g * 10, g::oid,
       (ARRAY['日本語', 'Ελληνικά', 'עברית', '👩‍👩‍👧‍👦', 'e' || chr(769)])[1 + g % 5],
       format('"%s"', g)
FROM generate_series(1, 25) AS g;

-- ---------------------------------------------------------------------------------------------------
-- Every type at its edges (kinds.all_types), one value per row
-- ---------------------------------------------------------------------------------------------------
CREATE TABLE kinds.all_types (
    id          integer PRIMARY KEY,
    i2          smallint,
    i4          integer,
    i8          bigint,
    num         numeric,
    num_fixed   numeric(38, 10),
    f4          real,
    f8          double precision,
    b           boolean,
    t           text,
    vc          varchar(20),
    ch          char(5),
    qc          "char",
    nm          name,
    by          bytea,
    ts          timestamp,
    tstz        timestamptz,
    d           date,
    tm          time,
    tmtz        timetz,
    iv          interval,
    u           uuid,
    ip          inet,
    net         cidr,
    mac         macaddr,
    mac8        macaddr8,
    bits        bit(8),
    vbits       varbit,
    js          json,
    jsb         jsonb,
    x           xml,
    tsv         tsvector,
    tsq         tsquery,
    ia          integer[],
    ta          text[],
    pt          point,
    bx          box,
    lsn         pg_lsn,
    tr          tstzrange,
    mr          int4multirange,
    price       kinds.positive_price,
    mood_arr    kinds.mood[]
);

INSERT INTO kinds.all_types VALUES
-- Ordinary values.
(1, 1, 1, 1, 1.5, 1.5, 1.5, 1.5, true, 'hello', 'hello', 'ab', 'a', 'name',
 '\x0001ff'::bytea, '2024-02-29 12:34:56.789012', '2024-02-29 12:34:56.789012+00', '2024-02-29', '23:59:59.999999',
 '12:00:00+05:30', '1 year 2 mons -3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
 '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05', B'10101010', B'101',
 '{"b": 2, "a": [1, 2.50, "x"]}', '{"b": 2, "a": [1, 2.50, "x"]}', '<a href="x">t&amp;t</a>',
 'the quick brown fox'::tsvector, 'fox & !dog', '{1,2,3}', '{a,b,c}', '(1.5,-2)', '((0,0),(1,1))', '16/B374D848',
 '[2024-01-01 00:00:00+00,2024-02-01 00:00:00+00)', '{[1,3), [5,8)}', 9.99, '{sad,happy}'),
-- Extremes and specials: values that need extra_float_digits to round-trip, NaN/Infinity, -0,
-- denormals, the largest/smallest finite values, BC and infinite dates, the largest timestamp.
(2, -32768, -2147483648, -9223372036854775808, 'NaN', -99999999999999999999999999.9999999999,
 'NaN', 'NaN', false, '', '', '', ' ', '', '\x'::bytea, '-infinity', '-infinity', '-infinity', '00:00:00',
 '00:00:00-15:59', '-178000000 years', '00000000-0000-0000-0000-000000000000', '::ffff:1.2.3.4', '::/0',
 '00:00:00:00:00:00', '00:00:00:00:00:00:00:00', B'00000000', B'', '{}', '{}', '', ''::tsvector,
 '''a'' & ''b'''::tsquery, '{}', '{}', '(0,0)', '((0,0),(0,0))', '0/0', 'empty', '{}', 0.01, '{}'),
(3, 32767, 2147483647, 9223372036854775807, 'Infinity', 99999999999999999999999999.9999999999,
 'Infinity', 'Infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'infinity', 'infinity', 'infinity',
 '24:00:00', '24:00:00+15:59', '178000000 years', 'ffffffff-ffff-ffff-ffff-ffffffffffff', 'ffff::/128',
 '255.255.255.255/32', NULL, NULL, NULL, NULL, 'null', 'null', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 'FFFFFFFF/FFFFFFFF', '(,)', NULL, NULL, NULL),
(4, 0, 0, 0, '-Infinity', 0, '-Infinity', '-Infinity', true, NULL, NULL, NULL, NULL, NULL, NULL,
 '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', '4713-01-01 BC', NULL, NULL, '0', NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, '[1, 2, 3]', '[1, 2, 3]', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 '(,2024-01-01 00:00:00+00]', NULL, NULL, NULL),
(5, NULL, NULL, NULL, 0.1 + 0.2, 0.0000000001, '-0', '-0', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', '5874897-12-31', NULL, NULL,
 '-1 days +23:59:59.999999', NULL, NULL, NULL, NULL, NULL, NULL, NULL, '1e400', '1e400', NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(6, NULL, NULL, NULL, 1e-1000, NULL, 3.4028235e38, 1.7976931348623157e308, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, '0001-01-01 00:00:00 BC', '0044-03-15 12:00:00+00 BC', '0001-01-01', NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL),
(7, NULL, NULL, NULL, NULL, NULL, 1.4e-45, 4.9e-324, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(8, NULL, NULL, NULL, NULL, NULL, 1.17549435e-38, 2.2250738585072014e-308, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(9, NULL, NULL, NULL, NULL, NULL, 0.1, 0.1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL),
(10, NULL, NULL, NULL, NULL, NULL, 16777217, 0.30000000000000004, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

-- Numerics with a thousand digits either side of the point, and floats from arithmetic (their
-- shortest round-trip form is long: 1/3, pi, e, 1e22+1).
INSERT INTO kinds.all_types (id, num, f4, f8)
SELECT 10 + g,
       CASE g WHEN 1 THEN repeat('9', 1000)::numeric WHEN 2 THEN ('0.' || repeat('0', 999) || '1')::numeric
              ELSE (1::numeric / 7) ^ g END,
       (1::real / (g * 3)),
       CASE g WHEN 1 THEN pi() WHEN 2 THEN exp(1) WHEN 3 THEN 1e22::float8 + 1 ELSE 1::float8 / (g * 3) END
FROM generate_series(1, 20) AS g;

-- Hostile text, one per row: COPY's own escapes (tab, newline, CR, backslash, a lone \. line that
-- ends COPY data when unescaped), unicode that is not in the BMP, combining and RTL text, U+2028,
-- and '' vs NULL vs the strings 'NULL' and '\N'.
INSERT INTO kinds.all_types (id, t, ta, by, js, jsb, x, tsv)
VALUES
(40, E'\\.', '{"\\.", ".", "\\N"}', '\x5c2e'::bytea, NULL, NULL, NULL, NULL),
(41, '\.', '{NULL,"NULL",""}', '\x00', NULL, NULL, NULL, NULL),
(42, E'line1\n\\.\nline3', '{"a,b","c d","{e}","\"f\""}', E'\\x5c5c00005c', NULL, NULL, NULL, NULL),
(43, E'tab\there\rcr\r\nsplit', NULL, '\x0d0a09', NULL, NULL, NULL, NULL),
(44, E'back\\slash\\\\double \\N', NULL, '\x5c4e', NULL, NULL, NULL, NULL),
(45, 'NULL', NULL, NULL, '{"dup": 1,   "dup": 2, "nul": "\u0000", "esc": "\"\\\/"}',
 '{"k": "\u00e9\ud83d\ude00", "big": 1e400, "n": 1.000}', '<?xml version="1.0"?><doc>é &lt; 😀</doc>', NULL),
(46, '\N', NULL, NULL, '  [1,2 ,  3]  ', '[1, 2, 3]', 'text only, no element', 'a:1A b:2B,3C ''x y'':4'),
(47, '😀 👩‍👩‍👧‍👦 日本語 中文 한국어 e' || chr(769) || ' שלום ' || chr(8232) || ' end', NULL, NULL, NULL, NULL, NULL,
 to_tsvector('simple', 'Übergrößenträger straße 東京')),
(48, repeat('ab', 0), '{}', '', NULL, NULL, NULL, NULL),
(49, E'ends with backslash \\', '{"trailing \\"}', '\xff', NULL, NULL, NULL, NULL),
(50, E'\\.\n', NULL, NULL, NULL, NULL, NULL, NULL),
(51, NULL, NULL, NULL, NULL, NULL, '<!DOCTYPE note SYSTEM "note.dtd"><note>DOCTYPE in xmloption content</note>', NULL);

-- Arrays: multi-dimensional, non-default lower bounds, arrays of composites and ranges.
CREATE TABLE kinds.arrays (
    id     integer PRIMARY KEY,
    m      integer[],
    lb     text[],
    comps  kinds.address[],
    ranges tstzrange[]
);
INSERT INTO kinds.arrays VALUES
(1, '{{1,2},{3,NULL}}', '[0:2]={zero,"one 1",NULL}', ARRAY[ROW('a', 'b', '01234', '{x}')::kinds.address],
 ARRAY['[2024-01-01 00:00:00+00,2024-01-02 00:00:00+00)'::tstzrange, 'empty']),
(2, '[-5:-4]={7,8}', '{"", " ", "  "}', ARRAY[ROW(NULL, '"', '99999', NULL)::kinds.address, NULL],
 '{}'),
(3, NULL, '{"{", "}", ",", "\\"}', '{}', NULL);

-- Timestamps across DST transitions and historic zone offsets, entered in local time: the stored
-- instants depend on tzdata only, never on the server's TimeZone.
CREATE TABLE kinds.time_zones (
    id      integer PRIMARY KEY,
    zone    text NOT NULL,
    local   timestamp NOT NULL,
    instant timestamptz NOT NULL,
    span    tstzrange
);
INSERT INTO kinds.time_zones
SELECT row_number() OVER (ORDER BY z.zone, l.local), z.zone, l.local, l.local AT TIME ZONE z.zone,
       tstzrange(l.local AT TIME ZONE z.zone, (l.local + interval '90 minutes') AT TIME ZONE z.zone)
FROM (VALUES ('Europe/Berlin'), ('America/New_York'), ('Australia/Lord_Howe'), ('Asia/Kolkata'),
             ('Pacific/Apia'), ('UTC')) AS z (zone),
     (VALUES (timestamp '2021-03-28 02:30:00'), ('2021-10-31 02:30:00'), ('2021-03-14 02:30:00'),
             ('2021-11-07 01:30:00'), ('2021-04-04 01:45:00'), ('2011-12-30 12:00:00'),
             ('1883-11-18 12:00:00'), ('1900-01-01 00:00:00'), ('2038-01-19 03:14:08'),
             ('2100-06-30 23:59:59.999999')) AS l (local);

-- ---------------------------------------------------------------------------------------------------
-- Awkward names: "Sales" (mixed case), "données" (unicode), "odd; name's "q"" and "select"
-- ---------------------------------------------------------------------------------------------------
CREATE TABLE "Sales"."Customers" (
    "CustomerID" integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    "Name"       text NOT NULL,
    "e-mail"     citext UNIQUE,
    "Prefs"      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX "Customers_prefs_gin" ON "Sales"."Customers" USING gin ("Prefs" jsonb_path_ops);
INSERT INTO "Sales"."Customers" ("Name", "e-mail", "Prefs")
SELECT format('Customer %s', g), CASE WHEN g % 6 = 0 THEN NULL ELSE format('C%s@Shop.example', g) END,
       jsonb_build_object('lang', (ARRAY['de', 'fr', 'ja', 'en'])[1 + g % 4], 'n', g, 'vip', g % 10 = 0,
                          'tags', jsonb_build_array('x', g % 3))
FROM generate_series(1, 60) AS g;
-- A customer inserted with an explicit id: the identity sequence must not be reset to max(id).
INSERT INTO "Sales"."Customers" ("CustomerID", "Name") VALUES (5000, 'Explicit Id');

-- Range partitions by time, one of them sub-partitioned by list, defaults at both levels, a dropped
-- column in the parent, and one partition created on its own with another column order and attached.
CREATE TABLE "Sales".orders (
    order_id    bigint NOT NULL,
    ordered_at  timestamptz NOT NULL,
    legacy_flag boolean,
    region      text NOT NULL,
    customer_id integer NOT NULL REFERENCES "Sales"."Customers" ("CustomerID"),
    qty         integer NOT NULL CHECK (qty > 0),
    unit_price  numeric(10, 2) NOT NULL,
    total       numeric GENERATED ALWAYS AS (qty * unit_price) STORED,
    PRIMARY KEY (order_id, ordered_at, region)
) PARTITION BY RANGE (ordered_at);
CREATE TABLE "Sales".orders_2023 PARTITION OF "Sales".orders
    FOR VALUES FROM ('2023-01-01 00:00:00+00') TO ('2024-01-01 00:00:00+00');
ALTER TABLE "Sales".orders DROP COLUMN legacy_flag;
CREATE TABLE "Sales".orders_2024 PARTITION OF "Sales".orders
    FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00') PARTITION BY LIST (region);
CREATE TABLE "Sales"."orders_2024_EU" PARTITION OF "Sales".orders_2024 FOR VALUES IN ('eu', 'EU');
CREATE TABLE "Sales".orders_2024_us PARTITION OF "Sales".orders_2024 FOR VALUES IN ('us');
CREATE TABLE "Sales".orders_2024_other PARTITION OF "Sales".orders_2024 DEFAULT;
CREATE TABLE "Sales".orders_2025 (
    region      text NOT NULL,
    unit_price  numeric(10, 2) NOT NULL,
    order_id    bigint NOT NULL,
    qty         integer NOT NULL CONSTRAINT orders_qty_check CHECK (qty > 0),
    customer_id integer NOT NULL,
    ordered_at  timestamptz NOT NULL,
    total       numeric GENERATED ALWAYS AS (qty * unit_price) STORED
);
ALTER TABLE "Sales".orders ATTACH PARTITION "Sales".orders_2025
    FOR VALUES FROM ('2025-01-01 00:00:00+00') TO ('2026-01-01 00:00:00+00');
CREATE TABLE "Sales".orders_default PARTITION OF "Sales".orders DEFAULT;
CREATE TABLE "Sales".orders_2026_empty PARTITION OF "Sales".orders
    FOR VALUES FROM ('2026-01-01 00:00:00+00') TO ('2027-01-01 00:00:00+00');

-- Late 2022 (the default partition) through 2025 (the 2026 partition stays empty), every 5 days 7 hours.
INSERT INTO "Sales".orders (order_id, ordered_at, region, customer_id, qty, unit_price)
SELECT g, timestamptz '2022-11-01 00:00:00+00' + g * interval '5 days 7 hours',
       (ARRAY['eu', 'us', 'apac', 'EU', 'latam'])[1 + g % 5], 1 + g % 60, 1 + g % 9, (g * 7 % 10000) / 100.0 + 0.01
FROM generate_series(1, 215) AS g;
CREATE INDEX orders_customer_idx ON "Sales".orders (customer_id);

-- Inheritance: rows in the parent and both children; a column added to the parent after the children
-- exist lands at the end of the children, and child b was created on its own and then INHERITs.
CREATE TABLE "données"."événements" (
    id      integer NOT NULL,
    quand   timestamptz NOT NULL,
    détails text
);
CREATE TABLE "données"."événements_connexion" (
    ip inet
) INHERITS ("données"."événements");
CREATE TABLE "données"."événements_achat" (
    montant numeric(12, 2),
    détails text,
    quand   timestamptz NOT NULL,
    id      integer NOT NULL
);
ALTER TABLE "données"."événements_achat" INHERIT "données"."événements";
ALTER TABLE "données"."événements" ADD COLUMN source text DEFAULT 'web';
ALTER TABLE "données"."événements" ADD CONSTRAINT "événements_id_positif" CHECK (id > 0);
INSERT INTO "données"."événements" (id, quand, détails, source)
SELECT g, timestamptz '2024-06-01 00:00:00+00' + g * interval '1 hour', format('générique n°%s', g), NULL
FROM generate_series(1, 10) AS g;
INSERT INTO "données"."événements_connexion" (id, quand, détails, ip, source)
SELECT 100 + g, timestamptz '2024-06-02 00:00:00+00' + g * interval '13 minutes', 'connexion',
       ('10.1.' || g || '.7')::inet, (ARRAY['web', 'app', NULL])[1 + g % 3]
FROM generate_series(1, 15) AS g;
INSERT INTO "données"."événements_achat" (id, quand, détails, montant)
SELECT 200 + g, timestamptz '2024-06-03 00:00:00+00' + g * interval '1 day', E'achat\t«€»', g * 12.34
FROM generate_series(1, 12) AS g;

CREATE TABLE "données"."adresses" (
    id  integer PRIMARY KEY,
    cp  "données".code_postal,
    adr kinds.address
);
INSERT INTO "données"."adresses" VALUES
(1, '75001', ROW('1 rue de Rivoli', 'Paris', '75001', '{centre}')),
(2, '13001', ROW(E'Quai\\du Port', 'Marseille', '13001', NULL)),
(3, '69001', NULL);

CREATE TABLE "odd; name's ""q"""."table; DROP TABLE x; --" (
    "col; name's ""q""" text,
    "1st"               integer,
    "end\"               text
);
INSERT INTO "odd; name's ""q"""."table; DROP TABLE x; --"
VALUES ('a;b', 1, 'x'), ('it''s', 2, '"q"'), (E'\\', 3, ''), (NULL, 4, NULL);

CREATE TABLE "select"."from" (
    "where" integer PRIMARY KEY,
    "order" text,
    "group" kinds.mood
);
INSERT INTO "select"."from" SELECT g, format('row %s', g), 'happy' FROM generate_series(1, 5) AS g;

-- A 63-byte name (the identifier limit) made of multi-byte characters.
CREATE TABLE kinds."éééééééééééééééééééééééééééééé_xy" (id integer);
INSERT INTO kinds."éééééééééééééééééééééééééééééé_xy" VALUES (1), (2);

-- ---------------------------------------------------------------------------------------------------
-- Object references: regclass and friends print schema-qualified names unless the schema is on the
-- search_path, so their COPY output depends on the session's search_path.
-- ---------------------------------------------------------------------------------------------------
CREATE TABLE kinds.refs (
    id      integer PRIMARY KEY,
    rel     regclass,
    typ     regtype,
    fn      regprocedure,
    lo_ref  oid
);
INSERT INTO kinds.refs VALUES
(1, '"Sales".orders', 'kinds.mood', '"Sales".order_total(integer, numeric)', 424201),
(2, 'public.plain_people', 'public.citext', 'kinds.slugify(text)', 424202),
(3, '"données"."événements"', '"données".code_postal', 'public.kinds_touch()', NULL),
(4, '"odd; name''s ""q"""."table; DROP TABLE x; --"', 'integer', 'pg_catalog.lower(text)', NULL),
(5, 'pg_catalog.pg_class', 'kinds.address[]', 'ext.similarity(text, text)', 0);

-- ---------------------------------------------------------------------------------------------------
-- Large objects with fixed oids: 1.1 MiB of hash bytes (contains \x00), a small text one, an empty one
-- ---------------------------------------------------------------------------------------------------
DO $$
BEGIN
    PERFORM lo_from_bytea(424201, (SELECT decode(string_agg(md5(g::text), '' ORDER BY g), 'hex')
                                   FROM generate_series(1, 72090) AS g));
    PERFORM lo_from_bytea(424202, convert_to(E'small large object: \\. é 😀\n', 'UTF8'));
    PERFORM lo_from_bytea(424203, '');
END
$$;
COMMENT ON LARGE OBJECT 424201 IS 'Deterministic 1153440-byte blob';

-- ---------------------------------------------------------------------------------------------------
-- Sequences, views, materialized views
-- ---------------------------------------------------------------------------------------------------
CREATE SEQUENCE kinds.counter INCREMENT BY -3 MINVALUE -1000 MAXVALUE 1000 START WITH 100 CYCLE;
CREATE SEQUENCE "Sales"."Invoice No" START WITH 1;
CREATE TABLE kinds.serials (
    id   serial PRIMARY KEY,
    big  bigserial,
    note text
);
INSERT INTO kinds.serials (note) SELECT format('n%s', g) FROM generate_series(1, 7) AS g;
DO $$
BEGIN
    PERFORM setval('kinds.counter', -42, true);
    PERFORM setval('"Sales"."Invoice No"', 777, false);
    PERFORM setval('kinds.serials_id_seq', 1000);
END
$$;
ALTER TABLE public.plain_people ALTER COLUMN id RESTART WITH 9000;

CREATE VIEW "Sales".order_summary AS
SELECT o.region, count(*) AS orders, sum(o.total) AS revenue
FROM "Sales".orders AS o
GROUP BY o.region;
CREATE MATERIALIZED VIEW "Sales"."Monthly Revenue" AS
SELECT date_trunc('month', ordered_at AT TIME ZONE 'UTC') AS month, sum(total) AS revenue, count(*) AS n
FROM "Sales".orders
GROUP BY 1;
CREATE UNIQUE INDEX monthly_revenue_month_idx ON "Sales"."Monthly Revenue" (month);
CREATE MATERIALIZED VIEW kinds.not_populated AS SELECT id, t FROM kinds.all_types WITH NO DATA;

-- ---------------------------------------------------------------------------------------------------
-- Storage kinds and edge tables
-- ---------------------------------------------------------------------------------------------------
CREATE UNLOGGED TABLE public.unlogged_log (
    id  integer PRIMARY KEY,
    msg text
);
INSERT INTO public.unlogged_log SELECT g, format('unlogged %s', g) FROM generate_series(1, 30) AS g;

CREATE TABLE public.empty_table (
    id integer PRIMARY KEY,
    v  text
);

-- Zero columns, three rows: COPY writes one empty line per row.
CREATE TABLE public.zero_columns ();
INSERT INTO public.zero_columns DEFAULT VALUES;
INSERT INTO public.zero_columns DEFAULT VALUES;
INSERT INTO public.zero_columns DEFAULT VALUES;

-- TOASTed values, compressed (pglz) and not (EXTERNAL).
CREATE TABLE kinds.toasted (
    id         integer PRIMARY KEY,
    compressed text,
    raw        text,
    blob       bytea
);
ALTER TABLE kinds.toasted ALTER COLUMN raw SET STORAGE EXTERNAL;
INSERT INTO kinds.toasted
SELECT g, repeat(format('row %s compressible ', g), 4000),
       (SELECT string_agg(md5((g * 1000 + i)::text), '') FROM generate_series(1, 1000) AS i),
       (SELECT decode(string_agg(md5((g * 7 + i)::text), ''), 'hex') FROM generate_series(1, 2000) AS i)
FROM generate_series(1, 4) AS g;

-- A dropped column in the middle, after rows were written: dumps must skip it.
CREATE TABLE kinds.dropped_col (
    id      integer PRIMARY KEY,
    keep_a  text,
    gone    text,
    keep_b  integer,
    gone_2  jsonb
);
INSERT INTO kinds.dropped_col SELECT g, format('a%s', g), format('gone %s', g), g * 2, '{"x":1}'
FROM generate_series(1, 20) AS g;
ALTER TABLE kinds.dropped_col DROP COLUMN gone;
ALTER TABLE kinds.dropped_col DROP COLUMN gone_2;
ALTER TABLE kinds.dropped_col ADD COLUMN added_late text DEFAULT 'late';
UPDATE kinds.dropped_col SET added_late = NULL WHERE id % 4 = 0;

-- NOT VALID constraints with rows that violate them: pg_dump must add them after the data, as NOT VALID.
CREATE TABLE kinds.legacy (
    id          integer PRIMARY KEY,
    customer_id integer,
    qty         integer
);
INSERT INTO kinds.legacy VALUES (1, 1, 5), (2, 99999, -1), (3, NULL, 0);
ALTER TABLE kinds.legacy ADD CONSTRAINT legacy_qty_positive CHECK (qty > 0) NOT VALID;
ALTER TABLE kinds.legacy ADD CONSTRAINT legacy_customer_fk FOREIGN KEY (customer_id)
    REFERENCES "Sales"."Customers" ("CustomerID") NOT VALID;

-- Row-level security forced on the owner: only a superuser (or BYPASSRLS) dump sees every row.
CREATE TABLE kinds.secrets (
    id    integer PRIMARY KEY,
    owner text NOT NULL,
    body  text
);
INSERT INTO kinds.secrets SELECT g, (ARRAY['alice', 'bob'])[1 + g % 2], format('secret %s', g)
FROM generate_series(1, 6) AS g;
ALTER TABLE kinds.secrets ENABLE ROW LEVEL SECURITY;
ALTER TABLE kinds.secrets FORCE ROW LEVEL SECURITY;
CREATE POLICY secrets_alice ON kinds.secrets USING (owner = 'alice');

-- Owned by a non-superuser role, with grants: a restore re-applies ownership and ACLs.
CREATE TABLE kinds.app_owned (
    id   integer PRIMARY KEY,
    data text
);
INSERT INTO kinds.app_owned VALUES (1, 'owned by kinds_app'), (2, NULL);
ALTER TABLE kinds.app_owned OWNER TO kinds_app;
GRANT USAGE ON SCHEMA kinds, "Sales" TO kinds_app;
GRANT SELECT ON "Sales"."Customers" TO kinds_app;
GRANT SELECT ("CustomerID", "Name") ON "Sales"."Customers" TO PUBLIC;

CREATE STATISTICS "Sales".orders_region_customer (ndistinct) ON region, customer_id FROM "Sales".orders;

COMMIT;

ANALYZE;
